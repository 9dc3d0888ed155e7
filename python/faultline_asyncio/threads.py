"""Futures across threads (asyncio.run_coroutine_threadsafe): a thread that waits for one whose
event loop has stopped for good waits forever. The shim says so instead of hanging (a deadlock
report), and a wait with a timeout elapses at once (virtual time: nothing can resolve it)."""
import asyncio
import asyncio.tasks
import concurrent.futures
import os
import sys
import threading
import time

from faultline_asyncio.protocol import channel
from faultline_asyncio.site import caller_site

_SLICE_S = 0.01  # how often a waiting thread looks whether the loop is still there


def _orphaned(loop):
    """True if nothing can resolve a future of `loop`'s: the thread that ran it has ended."""
    ran_on = getattr(loop, "_fl_thread", None)
    return loop.is_closed() or (not loop.is_running() and ran_on is not None and not ran_on.is_alive())


def _wait(future, timeout, caller):
    """Waits like future.result(timeout) but ends a wait that can never end."""
    loop = future._fl_loop
    began = time.monotonic()
    while not future.done() and (timeout is None or time.monotonic() - began < timeout):
        if _orphaned(loop):
            if timeout is not None:
                return 0  # the timeout elapses at once
            channel.send("K", f"a future of run_coroutine_threadsafe can never resolve: its event loop stopped "
                              f"(thread {loop._fl_thread.name} ended) before the coroutine finished; "
                              f"thread {threading.current_thread().name} waits for it at {caller_site(caller)}")
            os._exit(1)  # NOTE: the program would hang here forever; the verdict is recorded
        with future._condition:
            future._condition.wait(_SLICE_S)
    return None if timeout is None else max(0.0, timeout - (time.monotonic() - began))


def install():
    """Marks the futures run_coroutine_threadsafe returns and watches who waits for them."""
    original_submit = asyncio.tasks.run_coroutine_threadsafe
    original_result, original_exception = concurrent.futures.Future.result, concurrent.futures.Future.exception

    def run_coroutine_threadsafe(coro, loop):
        future = original_submit(coro, loop)
        future._fl_loop = loop
        return future

    def result(self, timeout=None):
        if getattr(self, "_fl_loop", None) is not None and not self.done():
            timeout = _wait(self, timeout, sys._getframe(1))
        return original_result(self, timeout)

    def exception(self, timeout=None):
        if getattr(self, "_fl_loop", None) is not None and not self.done():
            timeout = _wait(self, timeout, sys._getframe(1))
        return original_exception(self, timeout)

    asyncio.tasks.run_coroutine_threadsafe = asyncio.run_coroutine_threadsafe = run_coroutine_threadsafe
    concurrent.futures.Future.result, concurrent.futures.Future.exception = result, exception
