"""FaultlineLoop: the event loop the program gets under the harness. Its tasks are
FaultlineTasks, its clock is virtual, and it knows the moments the oracles need: asyncio.run's
main ending (shutdown begins), tasks left pending at its close, work posted once it is closed."""
import asyncio
import itertools
import os
import selectors
import sys
import threading

from faultline_asyncio.protocol import RunKilled, channel, process_ending
from faultline_asyncio.site import site_of
from faultline_asyncio.task import FaultlineTask


_POSTING = frozenset(("call_soon", "call_soon_threadsafe", "call_at"))  # asyncio's ways to post a callback


class _VirtualSelector(selectors.DefaultSelector):
    """The loop's selector, with virtual time: when nothing is ready and a timer is due later,
    the clock jumps to it instead of sleeping.

    NOTE: the platform's selector itself, with select overridden: registering, looking up and
    closing are its own methods (no call forwarding them on each socket operation)."""

    def __init__(self, loop):
        super().__init__()
        self._loop = loop

    def select(self, timeout=None):
        if process_ending["killed"]:
            # NOTE: the run's process is dead for the harness: nothing runs on. Checked here, once
            # per loop iteration before any callback of it runs, rather than in a _run_once of
            # our own (one more call per iteration).
            raise RunKilled(1)
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is not None:
            if self._loop._fl_jobs or self._loop._fl_executor_shutdowns:
                # NOTE: a thread working for the loop (run_in_executor) calls back in real time:
                # it is waited for, up to the timer, so that it ends before a later timer as it
                # would without the shim. Its callback costs no virtual time.
                channel.flush()  # the process may hang in there
                ready = super().select(timeout)
                if ready:
                    return ready
            self._loop._fl_now += timeout
            channel.queue("V", int(self._loop._fl_now * 1e9))
            return []
        if threading.active_count() > 1:  # another thread may still call back: wait for it
            channel.flush()
            return super().select(None)
        # NOTE: a thread that called back (call_soon_threadsafe) and ended since the first look
        ready = super().select(0)
        if ready:
            return ready
        _report_deadlock(self._loop)
        return []


def _report_deadlock(loop):
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    report = "; ".join(f"task {t.get_name()} waits at {site_of(t._coro)}" for t in tasks)
    channel.send("K", f"nothing is runnable and no timer is pending ({len(tasks)} live task(s)); {report}")
    os._exit(1)  # NOTE: a real program would hang here forever; the verdict is already recorded


def _describe(callback):
    return getattr(callback, "__qualname__", None) or repr(callback)


class _Future(asyncio.Future):
    """A loop's future, hashed by its creation ordinal on its loop: asyncio.wait's sets of
    futures iterate in the same order on every run (see FaultlineTask.__hash__)."""

    def __hash__(self):
        return self._fl_n


class FaultlineLoop(asyncio.SelectorEventLoop):
    """An event loop whose tasks are FaultlineTasks and whose clock is virtual."""

    def __init__(self):
        self._fl_now = 0.0
        self._fl_until = None            # the future run_until_complete waits for
        self._fl_main = None             # asyncio.run's main task
        self._fl_shutdown = False        # the program's shutdown began (reported once)
        self._fl_cleaned = False         # asyncio.run's cleanup cancelled and awaited every task
        self._fl_jobs = {}               # executor jobs under way: their future, the function's name
        self._fl_executor_shutdowns = 0  # default-executor shutdowns under way
        self._fl_thread = None           # the thread that last ran the loop
        self._fl_signal_faults = {}      # signal number: ordinals of faults its handler has not seen yet
        self._fl_futures = itertools.count(1)  # ordinals of the futures it creates
        super().__init__(selector=_VirtualSelector(self))

    def create_future(self):
        future = _Future(loop=self)
        future._fl_n = next(self._fl_futures)
        return future

    def create_task(self, coro, **options):
        # NOTE: not a task factory: get_task_factory() stays the program's, and 3.13.0 renames
        # a factory's task "None" when create_task is given no name.
        if self._task_factory is not None:
            return super().create_task(coro, **options)
        self._check_closed()
        return FaultlineTask(coro, loop=self, **options)

    def time(self):
        return self._fl_now

    def _fl_stopping(self):
        """True once the future run_until_complete waits for is done: the loop is stopping."""
        return self._fl_until is not None and self._fl_until.done()

    def _fl_mark_shutdown(self):
        if not self._fl_shutdown:
            self._fl_shutdown = True
            channel.queue("H", "main_returned", 0)

    def run_until_complete(self, future):
        new_task = not asyncio.isfuture(future)
        future = asyncio.ensure_future(future, loop=self)
        if new_task:
            future._log_destroy_pending = False  # as asyncio: the caller cannot reach it
        if process_ending.pop("main_next", False):
            self._fl_main = future
        outer, self._fl_until = self._fl_until, future
        try:
            return super().run_until_complete(future)
        except BaseException:
            if new_task and future.done() and not future.cancelled():
                future.exception()  # as asyncio: the caller has no access to the task
            raise
        finally:
            self._fl_until = outer

    def run_forever(self):
        self._fl_thread = threading.current_thread()
        return super().run_forever()

    def run_in_executor(self, executor, func, *args):
        future = super().run_in_executor(executor, func, *args)
        self._fl_jobs[future] = _describe(func)
        future.add_done_callback(self._fl_jobs.pop)
        return future

    async def shutdown_default_executor(self, *args, **kwargs):
        self._fl_executor_shutdowns += 1
        try:
            return await super().shutdown_default_executor(*args, **kwargs)
        finally:
            self._fl_executor_shutdowns -= 1

    def _fl_defer_signal(self, signum, ordinal):
        """True if `signum` has a handler of this loop's: the fault takes effect when it runs."""
        if signum not in self._signal_handlers:
            return False
        self._fl_signal_faults.setdefault(signum, []).append(ordinal)
        return True

    def add_signal_handler(self, sig, callback, *args):
        def handled(*handler_args):
            for ordinal in self._fl_signal_faults.pop(sig, []):
                channel.send("E", ordinal)
            return callback(*handler_args)

        handled.__qualname__ = getattr(callback, "__qualname__", "signal handler")
        return super().add_signal_handler(sig, handled, *args)

    def _check_closed(self):
        # NOTE: asyncio's call_soon, call_soon_threadsafe and call_at (call_later's too) check
        # first of all that the loop is open: a callback posted to a closed loop is reported
        # here, found in the caller's frame, at no cost to every callback posted to an open one.
        if self._closed:
            caller = sys._getframe(1)
            if caller.f_code.co_name in _POSTING and "callback" in caller.f_locals \
                    and not process_ending["abnormal_exit"]:
                channel.send("L", f"{_describe(caller.f_locals['callback'])} posted to a closed event loop")
            raise RuntimeError("Event loop is closed")  # as asyncio's own check (3.9-3.13)

    def close(self):
        if not self.is_running() and not self.is_closed():
            # NOTE: tasks still pending now are destroyed with the loop. Once asyncio.run's
            # cleanup cancelled and awaited every task that existed when main ended, one pending
            # now was created during that cleanup (a task started in a cancellation handler). A
            # loop run by hand leaves all of its own, unless an exception is ending the program
            # (then asyncio destroys them, as when asyncio.run's cleanup was cut short).
            by_hand = self._fl_main is None and not (process_ending["abnormal_exit"] or process_ending["failed"])
            for task in asyncio.all_tasks(self):
                if isinstance(task, FaultlineTask) and ((task._fl_late and self._fl_cleaned) or by_hand):
                    task._fl_report_pending()
            # NOTE: asyncio (3.9+) drops the result of an executor job that ends after its loop
            # closed (before 3.9: "RuntimeError: Event loop is closed"); either way the job
            # outlived the loop that waits for it.
            for job in self._fl_jobs.values() if not process_ending["abnormal_exit"] else ():
                channel.send("L", f"executor job {job} still running when its event loop closed: its result can never be delivered")
        super().close()


class FaultlinePolicy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return FaultlineLoop()
