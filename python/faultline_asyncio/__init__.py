"""faultline's asyncio shim (standard library only): runs an unmodified asyncio program so that
every resumption point of every Task is an await point of faultline's engine.

    python3 -m faultline_asyncio PROGRAM.py [ARGS...]

Without faultline's harness (no FAULTLINE_EVENTS_FD) the program runs as it would alone.
Under the harness, the program's event loops are FaultlineLoop: tasks are FaultlineTask (the
pure-Python asyncio Task with its step wrapped) and time is virtual — it jumps to the next
timer when nothing is ready, so a 10 s sleep costs nothing and ordinals are the same on every
run. The protocol (docs/external-protocol.md): one line per event on fd 3, one decision line
per await point read from fd 4.

Verified with CPython 3.11 (the one on PATH); the Task internals used (_PyTask, _Task__step,
_Task__wakeup, _fut_waiter) are the same in 3.9-3.12.
"""
import asyncio
import asyncio.base_events
import asyncio.runners
import asyncio.tasks
import itertools
import os
import selectors
import sys
import threading

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
_SHIM_DIR = os.path.dirname(os.path.abspath(__file__))


class InjectedError(Exception):
    """The error a `throw` fault raises at an await point."""


class _Channel:
    """The protocol's two pipes; inactive when the program runs alone."""

    def __init__(self):
        events, decisions = os.environ.get("FAULTLINE_EVENTS_FD"), os.environ.get("FAULTLINE_DECISIONS_FD")
        self.active = events is not None and decisions is not None
        self._lock = threading.Lock()
        if self.active:
            for fd in (int(events), int(decisions)):
                os.set_inheritable(fd, False)  # the program's own children never see them
            self._out = os.fdopen(int(events), "w", encoding="utf-8", errors="replace")
            self._in = os.fdopen(int(decisions), "r", encoding="utf-8")

    def send(self, *fields):
        if not self.active:
            return
        line = "\t".join(str(f).replace("\t", " ").replace("\n", " ") for f in fields) + "\n"
        with self._lock:
            try:
                self._out.write(line)
                self._out.flush()
            except (OSError, ValueError):  # the harness is gone: run on alone
                self.active = False

    def ask(self, *fields):
        """Sends an await point; returns (kind, timing, arg, ordinal), kind "none" for no fault."""
        self.send(*fields)
        if not self.active:
            return "none", "at", 0, 0
        reply = self._in.readline().rstrip("\n").split("\t")
        if len(reply) != 4:
            return "none", "at", 0, 0
        return reply[0], reply[1], int(reply[2] or 0), int(reply[3] or 0)


channel = _Channel()
_task_ids = itertools.count(1)
# NOTE: after SystemExit or KeyboardInterrupt left a task, asyncio.run ends without its cleanup:
# the tasks still pending are destroyed at interpreter exit by asyncio itself, not leaked by the
# program.
_state = {"abnormal_exit": False, "failed": False}


def _site_of(coro):
    """'file.py:12 (function)' of the innermost frame of the await chain in the program's own
    code (asyncio's and the shim's frames are skipped: a person reads their own line)."""
    frame, best = None, None
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        path = frame.f_code.co_filename
        if not path.startswith(_ASYNCIO_DIR) and not path.startswith(_SHIM_DIR):
            best = frame
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    frame = best or frame
    if frame is None:
        return "?"
    name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno} ({name})"


class FaultlineTask(asyncio.tasks._PyTask):
    """asyncio's Task, reporting its life and each await point, and acting on the faults."""

    def __init__(self, coro, *, loop=None, **kwargs):
        self._fl_id = next(_task_ids)
        self._fl_after = None
        self._fl_cancel_ordinal = 0  # an `at` cancel requested, reported when it is raised
        self._fl_cancel_requested = False
        super().__init__(coro, loop=loop, **kwargs)
        channel.send("T", self._fl_id, self.get_name())
        self.add_done_callback(_task_done)

    def cancel(self, msg=None):
        self._fl_cancel_requested = True
        return super().cancel(msg)

    def _Task__step(self, exc=None):
        if self._fl_cancel_ordinal and (self._must_cancel or isinstance(exc, asyncio.CancelledError)):
            channel.send("E", self._fl_cancel_ordinal)  # the cancellation is raised in the task now
            self._fl_cancel_ordinal = 0
        if self._fl_after is not None:  # an `after` fault: the awaited operation completed
            fault, self._fl_after = self._fl_after, None
            try:
                exc = self._fl_resume_with(fault, exc)
            except BaseException as raised:  # noqa: B036  a signal handler raised (a second SIGINT)
                # NOTE: thrown into the coroutine, as when the signal lands in its code: the
                # task ends with it, as asyncio's own step would have it.
                exc = raised
        try:
            super()._Task__step(exc)
        except (SystemExit, KeyboardInterrupt):
            _state["abnormal_exit"] = True  # asyncio.run ends at once; pending tasks die with it
            raise
        if not self.done():
            kind, timing, arg, ordinal = channel.ask("A", self._fl_id, self.get_name(), _site_of(self._coro))
            if kind != "none":
                if timing == "after":
                    self._fl_after = (kind, arg, ordinal)
                else:
                    self._fl_while_pending((kind, arg, ordinal))

    def _fl_error(self, kind, arg, ordinal):
        if kind == "exit":
            return SystemExit(arg)
        return InjectedError(f"faultline injected error at {_site_of(self._coro)} (await point {ordinal})")

    def _fl_cancel_under_way(self):
        waiter = self._fut_waiter
        return self._must_cancel or self.cancelling() > 0 or (waiter is not None and waiter.cancelled())

    def _fl_while_pending(self, fault):
        """An `at` fault, while the awaited operation is still pending."""
        kind, arg, ordinal = fault
        if _state["abnormal_exit"] and kind != "cancel":
            channel.send("S", ordinal)  # an exit or interrupt is already ending the process: it wins
            return
        if kind in ("throw", "exit") and self._fl_cancel_under_way():
            channel.send("S", ordinal)  # a cancellation already under way wins
            return
        if kind == "cancel":
            if self.cancel():
                self._fl_cancel_ordinal = ordinal
        elif kind == "signal":
            channel.send("E", ordinal)
            os.kill(os.getpid(), arg)
        else:
            # The error is raised at the next resumption (and reported then, when it takes
            # effect); without a future to wait for (sleep(0)) that resumption is already due.
            self._fl_after = fault
            waiter = self._fut_waiter
            if waiter is not None:
                # NOTE: the awaited future is abandoned, as when an error is thrown into a
                # coroutine that awaits it: it stays pending for whoever else holds it.
                waiter.remove_done_callback(self._Task__wakeup)
                self._fut_waiter = None
                self._loop.call_soon(self._Task__step, context=self._context)

    def _fl_resume_with(self, fault, exc):
        """An `after` fault, at the resumption: the operation's effect stayed."""
        kind, arg, ordinal = fault
        if _state["abnormal_exit"] and kind != "cancel":
            channel.send("S", ordinal)  # an exit or interrupt is already ending the process: it wins
            return exc
        if kind in ("throw", "exit") and (isinstance(exc, BaseException) and not isinstance(exc, Exception) or self._must_cancel):
            channel.send("S", ordinal)  # the resumption already raises a cancellation or an exit: it wins
            return exc
        channel.send("E", ordinal)
        if kind == "cancel":
            self.cancel()
            return exc
        if kind == "signal":
            os.kill(os.getpid(), arg)
            return exc
        return self._fl_error(kind, arg, ordinal)

    def __del__(self):
        if self._state == "PENDING" and getattr(self, "_log_destroy_pending", False) \
                and not (_state["abnormal_exit"] or _state["failed"]):
            channel.send("P", self._fl_id, self.get_name(), _site_of(self._coro))
        super().__del__()


def _task_done(task):
    if task.cancelled():
        how = "cancelled"
    elif task._exception is not None:  # NOTE: not exception(): that would mark it retrieved
        how = "error"
    else:
        how = "value"
    channel.send("F", task._fl_id, how)
    if how == "value" and task._fl_cancel_requested and task.cancelling() > 0:
        channel.send("W", task._fl_id, task.get_name())


class _VirtualSelector(selectors.BaseSelector):
    """The loop's selector, with virtual time: when nothing is ready and a timer is due later,
    the clock jumps to it instead of sleeping."""

    def __init__(self, loop):
        self._real = selectors.DefaultSelector()
        self._loop = loop

    def register(self, fileobj, events, data=None):
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._real.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._real.modify(fileobj, events, data)

    def get_key(self, fileobj):
        return self._real.get_key(fileobj)

    def get_map(self):
        return self._real.get_map()

    def close(self):
        self._real.close()

    def select(self, timeout=None):
        ready = self._real.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is not None:
            self._loop._fl_now += timeout
            channel.send("V", int(self._loop._fl_now * 1e9))
            return []
        if threading.active_count() > 1:  # another thread may still call back: wait for it
            return self._real.select(None)
        _report_deadlock(self._loop)
        return []


def _report_deadlock(loop):
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    report = "; ".join(f"task {t.get_name()} waits at {_site_of(t._coro)}" for t in tasks)
    channel.send("K", f"nothing is runnable and no timer is pending ({len(tasks)} live task(s)); {report}")
    os._exit(1)  # NOTE: a real program would hang here forever; the verdict is already recorded


class FaultlineLoop(asyncio.SelectorEventLoop):
    """An event loop whose tasks are FaultlineTasks and whose clock is virtual."""

    def __init__(self):
        self._fl_now = 0.0
        super().__init__(selector=_VirtualSelector(self))
        self.set_task_factory(lambda loop, coro, **kw: FaultlineTask(coro, loop=loop, **kw))

    def time(self):
        return self._fl_now


class FaultlinePolicy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return FaultlineLoop()


def _shutdown_marked(cancel_all):
    """asyncio.run's cleanup (cancel every remaining task) is the program's shutdown."""

    def wrapper(loop):
        channel.send("H", "main_returned", 0)
        return cancel_all(loop)

    return wrapper


def _abnormal_marked(method):
    """An exception leaving asyncio.run or run_until_complete: the program is ending with it,
    and what is still pending dies with the interpreter (asyncio's doing, not a leak)."""

    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (SystemExit, KeyboardInterrupt):
            _state["abnormal_exit"] = True
            raise
        except BaseException:
            _state["failed"] = True
            raise

    return wrapper


def install():
    """Makes every new event loop a FaultlineLoop (only under faultline's harness)."""
    if channel.active:
        asyncio.set_event_loop_policy(FaultlinePolicy())
        asyncio.runners._cancel_all_tasks = _shutdown_marked(asyncio.runners._cancel_all_tasks)
        asyncio.runners.Runner.run = _abnormal_marked(asyncio.runners.Runner.run)
        asyncio.base_events.BaseEventLoop.run_until_complete = _abnormal_marked(asyncio.base_events.BaseEventLoop.run_until_complete)
        asyncio.runners.Runner.close = _abnormal_marked(asyncio.runners.Runner.close)
