"""Protected work, the one optional line a program adds: `from faultline_asyncio import ledger`,
then `ledger.begin("order-1")` when work is accepted and `ledger.commit("order-1")` when it is
done. A no-op when the program runs without faultline."""
import asyncio

from faultline_asyncio import channel


def _task_id():
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return 0
    return getattr(task, "_fl_id", 0)


def begin(unit):
    """The unit of work `unit` was accepted: from now on it must not be lost."""
    channel.send("B", _task_id(), unit)


def commit(unit):
    """The unit of work `unit` is done."""
    channel.send("C", _task_id(), unit)
