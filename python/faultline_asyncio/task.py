"""FaultlineTask: asyncio's pure-Python Task, reporting its life and each await point, and
acting on the harness's decisions there."""
import asyncio
import asyncio.locks
import asyncio.tasks
import itertools
import os

from faultline_asyncio import protocol
from faultline_asyncio.protocol import RunKilled, channel, process_ending
from faultline_asyncio.site import innermost_frame, is_program_coroutine, program_site_of, site_of


class InjectedError(Exception):
    """The error a `throw` fault raises at an await point."""


_task_ids = itertools.count(1)
_LOCKS_FILE = asyncio.locks.__file__


class FaultlineTask(asyncio.tasks._PyTask):
    """asyncio's Task, reporting its life and each await point, and acting on the faults."""

    def __init__(self, coro, *, loop=None, **kwargs):
        self._fl_id = next(_task_ids)
        self._fl_after = None
        self._fl_cancels_armed = 0  # cancel() requests standing when an `after` fault was armed
        self._fl_cancel_ordinal = 0  # an `at` cancel requested, reported when it is raised
        self._fl_cancel_requested = False
        self._fl_reported_pending = False  # already reported as left pending at the loop's close
        self._fl_cancels = 0  # cancel() requests not withdrawn by uncancel(), as cancelling() counts
        self._fl_cancel_faults = []  # ordinals of the cancel faults that took effect in this task
        super().__init__(coro, loop=loop, **kwargs)
        # NOTE: started by one of the program's tasks once the program's shutdown began
        # (asyncio.run's main ended): nobody will cancel or await it. Tasks asyncio starts
        # then (a connection accepted late) are its own doing.
        creator = asyncio.tasks._current_tasks.get(self._loop)
        self._fl_late = getattr(self._loop, "_fl_shutdown", False) and creator is not None \
            and is_program_coroutine(getattr(creator, "_coro", None))
        channel.queue("T", self._fl_id, self.get_name())

    # NOTE: a task's hash is its creation ordinal, not its address. asyncio keeps tasks in sets
    # (all_tasks, a TaskGroup's, asyncio.wait's) and acts in their order: asyncio.run's cleanup
    # and a failing TaskGroup cancel them in it. By address, that order would differ from run
    # to run (and between a served run and its replay in a fresh interpreter).
    def __hash__(self):
        return self._fl_id

    def cancel(self, msg=None):
        self._fl_cancel_requested = True
        if not self.done():
            self._fl_cancels += 1
        return super().cancel(msg)

    # NOTE: Python 3.11 added cancelling()/uncancel(); before it no request could be
    # withdrawn, so the shim keeps its own count and works the same on 3.9-3.13.
    if hasattr(asyncio.tasks._PyTask, "uncancel"):
        def uncancel(self):
            if self._fl_cancels > 0:
                self._fl_cancels -= 1
            return super().uncancel()

    def _Task__step(self, exc=None):
        if self._fl_cancel_ordinal and (self._must_cancel or isinstance(exc, asyncio.CancelledError)):
            channel.send("E", self._fl_cancel_ordinal)  # the cancellation is raised in the task now
            self._fl_cancel_faults.append(self._fl_cancel_ordinal)
            self._fl_cancel_ordinal = 0
        if self._fl_after is not None:  # an `after` fault: the awaited operation completed
            fault, self._fl_after = self._fl_after, None
            try:
                exc = self._fl_resume_with(fault, exc)
            except RunKilled:
                raise
            except BaseException as raised:  # noqa: B036  a signal handler raised (a second SIGINT)
                # NOTE: thrown into the coroutine, as when the signal lands in its code: the
                # task ends with it, as asyncio's own step would have it.
                exc = raised
        # NOTE: a task ends only in a step of its own; its end is reported from here rather than
        # by a done callback (which would cost a loop callback per task).
        try:
            super()._Task__step(exc)
        except (SystemExit, KeyboardInterrupt):
            process_ending["abnormal_exit"] = True  # asyncio.run ends at once; pending tasks die with it
            if self.done():
                _task_done(self)
            raise
        # NOTE: _state and _name are what done() and get_name() read (asyncio's pure-Python
        # task, 3.9-3.13): two calls fewer at every step.
        if self._state != "PENDING":
            _task_done(self)
            if self is getattr(self._loop, "_fl_main", None):
                self._loop._fl_mark_shutdown()  # asyncio.run's main ended: its shutdown begins
            return
        site, programs = program_site_of(self._coro)
        kind, timing, arg, ordinal = channel.ask(self._fl_id, self._name, site)
        if kind not in ("none", "signal") and not programs:
            # NOTE: a task of asyncio's own (start_server's accept, asyncio.run's cleanup): the
            # program cannot make its code fail or exit; a signal still lands at this moment.
            channel.send("S", ordinal)
        elif kind != "none":
            if timing == "after":
                self._fl_after = (kind, arg, ordinal)
                self._fl_cancels_armed = self._fl_cancels
            else:
                self._fl_while_pending((kind, arg, ordinal))

    def _fl_outcome_under_way(self, kind):
        """True if a fault of `kind` cannot take effect: the process already ends otherwise."""
        if process_ending["abnormal_exit"] and kind != "cancel":
            return True  # an exit or interrupt is already ending the process: it wins
        # NOTE: once the future run_until_complete waits for is done, the loop is stopping: a
        # SystemExit leaving a task now makes the next run_until_complete (asyncio.run's
        # cleanup) fail with "Event loop stopped before Future completed" (exit 1), whatever
        # the program does. The loop's end won; a `sys.exit` in this window is asyncio's race.
        return kind == "exit" and getattr(self._loop, "_fl_stopping", lambda: False)()

    def _fl_cancel_under_way(self):
        waiter = self._fut_waiter
        return self._must_cancel or self._fl_cancels > 0 or (waiter is not None and waiter.cancelled())

    def _fl_waits_in_a_lock(self):
        """True if the task waits inside one of asyncio's locks (Lock, Semaphore, Condition,
        Event, Barrier).

        NOTE: their waits are built for one exception, CancelledError: another one raised there
        breaks them (the lock or the permit handed to the waiter is lost, and the next waiter
        waits for ever), which no program can make happen, as acquiring or waiting cannot fail.
        A `throw` there does not take effect; a cancel, an exit or a signal does."""
        frame = innermost_frame(self._coro)
        return frame is not None and frame.f_code.co_filename == _LOCKS_FILE

    def _fl_while_pending(self, fault):
        """An `at` fault, while the awaited operation is still pending."""
        kind, arg, ordinal = fault
        if kind != "cancel" and self._fl_outcome_under_way(kind):
            channel.send("S", ordinal)
            return
        if kind in ("throw", "exit") and self._fl_cancel_under_way() or kind == "throw" and self._fl_waits_in_a_lock():
            channel.send("S", ordinal)  # a cancellation already under way wins; a lock's wait cannot fail
            return
        if kind == "cancel":
            if self.cancel():
                self._fl_cancel_ordinal = ordinal
        elif kind == "signal":
            self._fl_signal(arg, ordinal)
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
        if kind != "cancel" and self._fl_outcome_under_way(kind):
            channel.send("S", ordinal)
            return exc
        if kind in ("throw", "exit") and (isinstance(exc, BaseException) and not isinstance(exc, Exception) or self._must_cancel) \
                or kind == "throw" and self._fl_waits_in_a_lock():
            # the resumption already raises a cancellation or an exit: it wins; a lock's wait cannot fail
            channel.send("S", ordinal)
            return exc
        if kind == "cancel" and (self._must_cancel or isinstance(exc, asyncio.CancelledError)
                                 and self._fl_cancels > self._fl_cancels_armed):
            # NOTE: this task was cancelled while it waited here (a timeout of wait_for's, its
            # owner), and that cancellation resumes it: one from outside now adds nothing to it.
            # A cancelled future it awaited is not its own cancellation: the fault goes on.
            channel.send("S", ordinal)
            return exc
        if kind == "signal":
            self._fl_signal(arg, ordinal)
            return exc
        channel.send("E", ordinal)
        if kind == "cancel":
            self._fl_cancel_faults.append(ordinal)
            self.cancel()
            return exc
        if kind == "exit":
            return SystemExit(arg)
        return InjectedError(f"faultline injected error at {site_of(self._coro)} (await point {ordinal})")

    def _fl_signal(self, signum, ordinal):
        """Delivers signal `signum` to the process. It takes effect at once (a Python-level or
        the default handler) or, with a handler of the loop's (add_signal_handler), when that
        handler runs: what ends the process before it runs wins."""
        if not getattr(self._loop, "_fl_defer_signal", lambda s, o: False)(signum, ordinal):
            channel.send("E", ordinal)
        if protocol.kill_in_place is not None:
            protocol.kill_in_place(signum)
        os.kill(os.getpid(), signum)

    def _fl_report_pending(self):
        """Reports this task as destroyed while pending (once)."""
        if not self._fl_reported_pending:
            self._fl_reported_pending = True
            channel.send("P", self._fl_id, self.get_name(), site_of(self._coro))

    def _fl_destroyed(self):
        """The task is destroyed: reported if it was still pending and the program's doing."""
        if self._state == "PENDING" and getattr(self, "_log_destroy_pending", False) \
                and not (process_ending["abnormal_exit"] or process_ending["failed"]):
            self._fl_report_pending()

    def __del__(self):
        self._fl_destroyed()
        super().__del__()


def _task_done(task):
    if task.cancelled():
        how = "cancelled"
    elif task._exception is not None:  # NOTE: not exception(): that would mark it retrieved
        how = "error"
    else:
        how = "value"
    channel.queue("F", task._fl_id, how)
    # NOTE: asyncio's own tasks (start_server's accept) end normally when cancelled, by design
    if how == "value" and task._fl_cancel_requested and task._fl_cancels > 0 and is_program_coroutine(task._coro):
        channel.send("W", task._fl_id, task.get_name())
