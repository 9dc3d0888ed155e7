"""The fork server's runner: runs one request after another in the same warm process, each as
`python3 PROGRAM.py` would run it, and puts back what a run changed in the interpreter so the
next run starts from the state the server was in.

A run is reusable only if it left nothing behind that a reset cannot undo: no thread but the
main one, no fork, no child process, no descriptor the runner did not have. Otherwise the runner ends
the process as the interpreter would (the server answers for it and forks a fresh runner), and
so does a run the process did not survive (os._exit, a signal's default action).

NOTE: a fork costs ~2 ms on this kind of machine and a forked child's first touches of the warm
heap copy its pages (~3 µs each): together most of a run. Reuse removes both; whatever a reset
might miss shows up as a persistent run that disagrees with its replay in a fresh interpreter,
which confirms every finding.
"""
import asyncio
import asyncio.events
import asyncio.tasks
import atexit
import concurrent.futures.thread
import gc
import io
import itertools
import logging
import os
import signal
import _signal
import sys
import threading
import traceback
import types
import warnings

import faultline_asyncio
from faultline_asyncio import task as task_module
from faultline_asyncio.protocol import RunKilled, channel, process_ending

_STREAMS = ("stdin", "stdout", "stderr", "excepthook", "displayhook", "unraisablehook")


def _descriptors(beyond=frozenset()):
    """The open descriptors not in `beyond` (the one listdir opens for itself is closed again,
    and left out; only those not in `beyond` are checked)."""
    return {fd for fd in map(int, os.listdir("/proc/self/fd")) if fd not in beyond and _is_open(fd)}


def _is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _set_signal(signalnum, handler):
    """signal.signal, returning the previous handler unconverted (as _signal gives it)."""
    return _signal.signal(signal._enum_to_int(signalnum), signal._enum_to_int(handler))


_signals_set = set()  # the signals whose handler a run set (signal.signal, asyncio's included)
_HANDLERS = {int(handler): handler for handler in signal.Handlers}  # SIG_DFL and SIG_IGN


def _as_signal_module_gives(handler):
    """A handler as signal.getsignal and signal.signal return it: SIG_DFL and SIG_IGN as members
    of signal.Handlers, anything else as it is.

    NOTE: what the module's own conversion gives, without its enum lookup, which raises and
    catches a ValueError for every handler that is a function (asyncio.run asks twice a run)."""
    if isinstance(handler, int):
        return _HANDLERS.get(handler, handler)
    return handler


def _recording_signal(signalnum, handler):
    _signals_set.add(int(signalnum))
    return _as_signal_module_gives(_set_signal(signalnum, handler))


def _getsignal(signalnum):
    return _as_signal_module_gives(_signal.getsignal(signalnum))


def _set_environ(wanted):
    """Sets the variables of `wanted` that differ."""
    for name, value in wanted.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def _restore_environ(environ):
    """Makes the environment `environ` again (os.environ's bytes, as Baseline keeps them)."""
    now = os.environ._data
    if now == environ:
        return
    for key in [key for key in now if key not in environ]:
        os.unsetenv(key)
        del now[key]
    for key, value in environ.items():
        if now.get(key) != value:
            os.putenv(key, value)
            now[key] = value


def print_uncaught():
    """Prints the exception leaving the program as the interpreter would."""
    kind, value, tb = sys.exc_info()
    if sys.excepthook is sys.__excepthook__:
        # NOTE: the same text as the interpreter's, from sources linecache keeps across runs
        # (the interpreter's own printer rereads every file: ~4 ms a traceback).
        traceback.print_exception(kind, value, tb)
    else:
        sys.excepthook(kind, value, tb)


class Baseline:
    """What a run may change in the interpreter, as it was before the first run."""

    def __init__(self):
        self.pid = os.getpid()
        self.forked = False  # the run forked: its process is not reused (as with a thread)
        os.register_at_fork(after_in_parent=self._note_fork)
        self.environ = dict(os.environ._data)  # NOTE: os.environ's own bytes: compared without decoding
        self.cwd = os.getcwd()
        self.path = list(sys.path)
        self.modules = set(sys.modules)
        self.main = sys.modules["__main__"]
        self.streams = {name: getattr(sys, name) for name in _STREAMS}
        self.thread_excepthook = threading.excepthook
        self.signals = {s: signal.getsignal(s) for s in signal.valid_signals() if signal.getsignal(s) is not None}
        signal.signal, signal.getsignal = _recording_signal, _getsignal
        # NOTE: the same set on every call; asyncio asks for it at every add_signal_handler and
        # the module turns each number into an enum member each time (a third of a run).
        valid = signal.valid_signals()
        signal.valid_signals = lambda: set(valid)
        self.warning_filters = list(warnings.filters)
        root = logging.getLogger()
        self.root_logging = (list(root.handlers), root.level)
        self.logging_disabled = logging.root.manager.disable
        self.descriptors = _descriptors() | {1, 2, 3, 4}
        self.recursion_limit = sys.getrecursionlimit()

    def _note_fork(self):
        self.forked = True

    def restore(self):
        """Puts the interpreter back as it was (after a reusable run)."""
        sys.modules["__main__"] = self.main
        for name in sys.modules.keys() - self.modules:
            # NOTE: the program's own modules are imported afresh by the next run, as a new
            # interpreter would; standard modules it imported stay (importing is idempotent).
            if _is_programs(sys.modules[name]):
                del sys.modules[name]
        sys.path[:] = self.path
        _restore_environ(self.environ)
        os.chdir(self.cwd)
        for name, value in self.streams.items():
            setattr(sys, name, value)
        threading.excepthook = self.thread_excepthook
        for signum in _signals_set:
            _set_signal(signum, self.signals.get(signum, signal.SIG_DFL))
        _signals_set.clear()
        signal.set_wakeup_fd(-1)
        warnings.filters[:] = self.warning_filters
        warnings._filters_mutated()
        root = logging.getLogger()
        root.handlers[:], level = self.root_logging[0], self.root_logging[1]
        # NOTE: each clears every logger's cache of enabled levels: only when they changed
        if root.level != level:
            root.setLevel(level)
        if logging.root.manager.disable != self.logging_disabled:
            logging.disable(self.logging_disabled)
        sys.setrecursionlimit(self.recursion_limit)
        sys.settrace(None)
        sys.setprofile(None)
        atexit._clear()
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop_policy(None)
        # names and ids a fresh interpreter would count from the start
        asyncio.tasks._task_name_counter = itertools.count(1).__next__
        task_module._task_ids = itertools.count(1)
        threading._counter = itertools.count(1).__next__
        concurrent.futures.thread.ThreadPoolExecutor._counter = itertools.count().__next__
        _collect_unheard()
        gc.freeze()  # NOTE: what survived is the runner's: the next run's collections skip it

    def left_behind(self):
        """What the run left that a reset cannot undo ('' if nothing)."""
        if threading.active_count() > 1:
            return "a thread"
        try:
            if os.waitpid(-1, os.WNOHANG) != (0, 0):
                return "a child process"
        except ChildProcessError:
            pass
        else:
            return "a child process"
        if _descriptors(beyond=self.descriptors):
            return "a descriptor"
        return ""


def _collect_unheard():
    """Collects the run's garbage once the run is muted: what its finalizers report (asyncio's
    "Task exception was never retrieved", "Exception ignored in" a coroutine's close) would go
    to /dev/null, so it is not formatted at all (a traceback costs ~0.1 ms a line)."""
    disabled, unraisable = logging.root.manager.disable, sys.unraisablehook
    logging.disable(logging.CRITICAL)
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        logging.disable(disabled)
        sys.unraisablehook = unraisable


_STDLIB_DIR = os.path.dirname(os.__file__)  # site-packages is below it too


def _is_programs(module):
    path = getattr(module, "__file__", None)
    return path is not None and not path.startswith(_STDLIB_DIR)


# Signals whose default action does not end the process.
_NOT_FATAL = {signal.SIGCHLD, signal.SIGURG, signal.SIGWINCH, signal.SIGCONT, signal.SIGSTOP, signal.SIGTSTP,
              signal.SIGTTIN, signal.SIGTTOU}
_UNWIND_S = 0.5  # how long a killed run may take to unwind before the signal is sent for real


def _really_die(signum):
    signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum])
    os.kill(os.getpid(), signum)


def _flush_stdio():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def _mute_the_run():
    """From now on nothing the run does reaches the harness (stdio buffers go to /dev/null)."""
    channel.close()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    _flush_stdio()


def kill_in_place(signum):
    """A fault's signal whose default action ends the process, in a served run: the run ends
    for the harness exactly there (unflushed output lost, no atexit, status: killed by it) and
    the process unwinds the program instead of dying.

    NOTE: only with one thread, the default action and the signal unblocked; otherwise (and if
    the unwinding, where only the program's synchronous frames run, mute, takes over
    _UNWIND_S) the signal is sent for real and the server answers for the dead process."""
    if signum in _NOT_FATAL or signal.getsignal(signum) is not signal.SIG_DFL or threading.active_count() > 1 \
            or signum in _signal.pthread_sigmask(signal.SIG_BLOCK, []):
        return
    process_ending["killed"] = signum
    _mute_the_run()
    signal.signal(signal.SIGALRM, lambda *_: _really_die(signum))
    signal.setitimer(signal.ITIMER_REAL, _UNWIND_S)
    raise RunKilled(128 + signum)


def end_process(code, interrupted):
    """Ends this process with the run's status (the server answers with it)."""
    channel.flush()
    if process_ending["killed"]:
        _really_die(process_ending["killed"])
    if interrupted:
        _really_die(signal.SIGINT)
    os._exit(code)


def wait_status(code, interrupted):
    """The raw waitpid status of the run: it exited with `code`, died by SIGINT (an uncaught
    KeyboardInterrupt) or by the signal that killed it in place."""
    if process_ending["killed"]:
        return process_ending["killed"]
    return signal.SIGINT if interrupted else (code & 0xFF) << 8


def exit_code(code):
    """The status `SystemExit(code)` ends an interpreter with."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _open_stdio():
    """stdout and stderr as a new interpreter opens them on the run's pipe (block-buffered
    stdout unless PYTHONUNBUFFERED; stderr line-buffered), whatever the server's were."""
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
    encoding = sys.__stdout__.encoding if sys.__stdout__ is not None else "utf-8"
    for fd, name, errors, lines in ((1, "stdout", sys.__stdout__.errors if sys.__stdout__ else "strict", False),
                                    (2, "stderr", "backslashreplace", True)):
        binary = open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)
        stream = io.TextIOWrapper(binary, encoding=encoding, errors=errors, line_buffering=lines,
                                  write_through=unbuffered)
        setattr(sys, name, stream)


def start(request, fds):
    """Makes this process the request's run: descriptors, environment, signals, the shim."""
    for fd, target in zip(fds, (3, 4, 1)):
        os.dup2(fd, target)
    os.dup2(1, 2)
    for fd in fds:
        if fd > 4:
            os.close(fd)
    _set_environ(dict(request.get("env", {}), FAULTLINE_EVENTS_FD="3", FAULTLINE_DECISIONS_FD="4"))
    _open_stdio()
    if request.get("cwd"):
        os.chdir(request["cwd"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    channel.__init__()
    process_ending.clear()
    process_ending.update(abnormal_exit=False, failed=False, killed=False)
    sys.argv = list(request["argv"])
    sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
    faultline_asyncio.install()


def run_program(code, program):
    """Runs the program's code as `__main__`; returns (exit code, interrupted by SIGINT)."""
    main = types.ModuleType("__main__")
    main.__file__, main.__cached__ = program, None
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    except SystemExit as e:
        return exit_code(e.code), False
    except KeyboardInterrupt:
        print_uncaught()
        return 0, True
    except BaseException:  # noqa: B036  the program's uncaught exception
        print_uncaught()
        return 1, False
    return 0, False


def finish(baseline):
    """Ends the run as the interpreter ends a program, short of its teardown. Returns True if
    the process can serve the next run: its descriptors closed and the interpreter reset."""
    if process_ending["killed"]:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if threading.active_count() > 1 or os.getpid() != baseline.pid:
            _really_die(process_ending["killed"])
        return _reset(baseline)
    # NOTE: a process the program forked that returns here ends too, as its interpreter would
    # NOTE: a run that forked ends its runner too, as the interpreter would end: what the fork
    # shared (open file descriptions, at-fork handlers' state) is not the reset's to undo.
    threads_left = threading.active_count() > 1 or os.getpid() != baseline.pid or baseline.forked
    try:
        if threads_left:
            threading._shutdown()  # NOTE: marks the interpreter as ending: only where it ends
        atexit._run_exitfuncs()
        faultline_asyncio.report_tasks_left_at_exit()
    finally:
        _flush_stdio()
    if threads_left:
        return False
    _mute_the_run()
    return _reset(baseline)


def _reset(baseline):
    try:
        # NOTE: a loop the program left open is garbage once the policy is reset, and closed
        # by its __del__ as by the interpreter's teardown.
        baseline.restore()
    except BaseException:  # noqa: B036  whatever the program left, the process ends instead
        return False
    return not baseline.left_behind()
