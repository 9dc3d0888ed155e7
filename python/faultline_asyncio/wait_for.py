"""asyncio.wait_for before Python 3.12 loses a cancellation of its caller that arrives as the
awaited work completes: it returns the work's result instead of raising CancelledError (CPython
gh-86296, fixed in 3.12 by rebuilding wait_for on asyncio.timeout). That is asyncio's doing,
not the program's: such a cancellation is not charged to the program (a fault's cancel lost so
is reported as never taken effect, and the task is not said to have swallowed it)."""
import asyncio
import asyncio.tasks
import functools
import sys

from faultline_asyncio.protocol import channel
from faultline_asyncio.task import FaultlineTask


def _losses_unmarked(wait_for):
    """wait_for, with the cancellations it loses given back to asyncio."""

    @functools.wraps(wait_for)
    async def marked(*args, **kwargs):
        task = asyncio.tasks.current_task()
        if not isinstance(task, FaultlineTask):
            return await wait_for(*args, **kwargs)
        cancels, faults = task._fl_cancels, len(task._fl_cancel_faults)
        result = await wait_for(*args, **kwargs)
        # NOTE: the work runs in a task of its own: a cancel() of this task since the call that
        # did not end it was dropped by wait_for itself, as if asyncio had uncancelled it.
        if task._fl_cancels > cancels:
            task._fl_cancels = cancels
            for ordinal in task._fl_cancel_faults[faults:]:
                channel.send("S", ordinal)
            del task._fl_cancel_faults[faults:]
        return result

    return marked


def install():
    """Wraps asyncio.wait_for where it can lose a cancellation (before 3.12)."""
    if sys.version_info < (3, 12):
        asyncio.tasks.wait_for = asyncio.wait_for = _losses_unmarked(asyncio.tasks.wait_for)
