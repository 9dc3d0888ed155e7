"""faultline's asyncio shim (standard library only): runs an unmodified asyncio program so that
every resumption point of every Task is an await point of faultline's engine.

    python3 -m faultline_asyncio PROGRAM.py [ARGS...]

Without faultline's harness (no FAULTLINE_EVENTS_FD) the program runs as it would alone.
Under the harness, the program's event loops are FaultlineLoop (loop.py): tasks are
FaultlineTask (task.py, the pure-Python asyncio Task with its step wrapped) and time is virtual
— it jumps to the next timer when nothing is ready, so a 10 s sleep costs nothing and ordinals
are the same on every run. The protocol (protocol.py, docs/external-protocol.md): one line per
event on fd 3; faults decided by ordinal from the schedule the harness gives
(FAULTLINE_SCHEDULE), or else one decision line per await point read from fd 4. Waits on futures of
run_coroutine_threadsafe are watched (threads.py).

Verified with CPython 3.11 (the one on PATH); the Task internals used (_PyTask, _Task__step,
_Task__wakeup, _fut_waiter) are the same in 3.9-3.13.
"""
import asyncio
import asyncio.base_events
import gc
import os
import asyncio.runners
import asyncio.tasks

from faultline_asyncio import threads, wait_for
from faultline_asyncio.loop import FaultlineLoop, FaultlinePolicy
from faultline_asyncio.protocol import channel, process_ending
from faultline_asyncio.task import FaultlineTask, InjectedError

__all__ = ["FaultlineLoop", "FaultlineTask", "InjectedError", "channel", "install", "report_tasks_left_at_exit"]


def report_tasks_left_at_exit():
    """Tasks already garbage are destroyed (and reported if pending), as the teardown would.

    NOTE: not every pending task: one still reachable from a live loop is not always destroyed by
    the teardown either, and a fresh interpreter (which confirms findings) must agree. Without a
    pending task there is nothing to report, and no collection is needed."""
    tasks = getattr(asyncio.tasks, "_scheduled_tasks", None)  # 3.12+
    if tasks is None:
        tasks = asyncio.tasks._all_tasks
    if any(not task.done() for task in list(tasks)):
        gc.collect()


def _main_marked(run):
    """asyncio.run: the future its loop runs first is the program's main; its end begins the
    shutdown. An exception leaving it ends the program with it."""

    def wrapper(*args, **kwargs):
        process_ending["main_next"] = True
        try:
            return run(*args, **kwargs)
        except (SystemExit, KeyboardInterrupt):
            process_ending["abnormal_exit"] = True
            raise
        except BaseException:
            process_ending["failed"] = True
            raise
        finally:
            process_ending.pop("main_next", None)

    return wrapper


def _shutdown_marked(cancel_all):
    """asyncio.run's cleanup (cancel every remaining task) is the program's shutdown, if main's
    end did not already begin it (a SystemExit left main's loop)."""

    def wrapper(loop):
        if isinstance(loop, FaultlineLoop):
            loop._fl_mark_shutdown()
        cancel_all(loop)
        if isinstance(loop, FaultlineLoop):
            loop._fl_cleaned = True

    return wrapper


def _abnormal_marked(method):
    """An exception leaving run_until_complete or asyncio.run's cleanup: the program is ending
    with it, and what is still pending dies with the interpreter (asyncio's doing, not a leak)."""

    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (SystemExit, KeyboardInterrupt):
            process_ending["abnormal_exit"] = True
            raise
        except BaseException:
            process_ending["failed"] = True
            raise

    return wrapper


_patched = []  # asyncio's functions are wrapped once per process, whatever the number of runs


def _flushed_first(exit_now):
    """os._exit: the queued events (the last await points) are written before the process ends."""

    def _exit(status):
        channel.flush()
        exit_now(status)

    return _exit


def install():
    """Makes every new event loop a FaultlineLoop (only under faultline's harness)."""
    if not channel.active:
        return
    asyncio.set_event_loop_policy(FaultlinePolicy())
    if _patched:
        return
    _patched.append(True)
    asyncio.runners._cancel_all_tasks = _shutdown_marked(asyncio.runners._cancel_all_tasks)
    asyncio.base_events.BaseEventLoop.run_until_complete = _abnormal_marked(asyncio.base_events.BaseEventLoop.run_until_complete)
    if hasattr(asyncio.runners, "Runner"):  # 3.11+: asyncio.run is a Runner's run
        asyncio.runners.Runner.run = _main_marked(asyncio.runners.Runner.run)
        asyncio.runners.Runner.close = _abnormal_marked(asyncio.runners.Runner.close)
    else:
        asyncio.runners.run = asyncio.run = _main_marked(asyncio.runners.run)
    threads.install()
    wait_for.install()
    os._exit = _flushed_first(os._exit)
