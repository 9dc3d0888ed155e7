"""The fork server: a warm interpreter (asyncio and the shim imported) that forks one child per
run, so a run costs a fork, not an interpreter's start.

The harness starts `python3 -m faultline_asyncio --serve` with a SOCK_SEQPACKET socket on fd 0.
A request is one message: JSON {"id", "argv", "env", "cwd"} with three descriptors attached
(SCM_RIGHTS: events, decisions, output). The server forks; the child becomes the run (fds 3, 4,
1, 2; its own process group) and ends as the interpreter ends a program — atexit handlers,
non-daemon threads joined, the exit status of SystemExit, death by SIGINT for an uncaught
KeyboardInterrupt — as the interpreter would, without its teardown (_end_as_the_interpreter_would).
The server answers {"id", "status"} (waitpid's raw status) and kills the run's process group.
"""
import asyncio  # noqa: F401  (warm: imported once, in the server)
import atexit
import concurrent.futures  # noqa: F401
import ctypes
import json
import logging  # noqa: F401
import os
import runpy
import signal
import socket
import sys
import threading

import faultline_asyncio


def _die_with_parent():
    """PR_SET_PDEATHSIG: the server never outlives the harness process that started it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _become_the_run(request, fds):
    os.setpgid(0, 0)
    for fd, target in zip(fds, (3, 4, 1)):
        os.dup2(fd, target)
    os.dup2(1, 2)
    for fd in fds:
        if fd > 4:
            os.close(fd)
    os.environ.update(request.get("env", {}))
    os.environ["FAULTLINE_EVENTS_FD"], os.environ["FAULTLINE_DECISIONS_FD"] = "3", "4"
    if request.get("cwd"):
        os.chdir(request["cwd"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    faultline_asyncio.channel.__init__()
    program = request["argv"][0]
    sys.argv = list(request["argv"])
    sys.path.insert(0, os.path.dirname(os.path.abspath(program)))
    faultline_asyncio.install()
    _end_as_the_interpreter_would(lambda: runpy.run_path(program, run_name="__main__"))


def _exit_status(code):
    """The status `SystemExit(code)` ends an interpreter with."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _end_as_the_interpreter_would(run):
    """Runs the program, then ends the process as the interpreter ends a program — non-daemon
    threads joined, atexit handlers run, SystemExit's status, a traceback and status 1 for an
    uncaught exception, death by SIGINT for an uncaught KeyboardInterrupt — without tearing the
    interpreter down.

    NOTE: the teardown (every module's objects destroyed one by one) cost ~40 ms of a ~50 ms
    run; what it would report (tasks destroyed while pending) is reported here first. A
    finding is still confirmed by replays in a fresh interpreter, which tears down in full."""
    status, interrupted = 0, False
    try:
        run()
    except SystemExit as e:
        status = _exit_status(e.code)
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())
        interrupted = True
    except BaseException:  # noqa: B036  the program's uncaught exception
        sys.excepthook(*sys.exc_info())
        status = 1
    try:
        threading._shutdown()
        atexit._run_exitfuncs()
        faultline_asyncio.report_tasks_left_at_exit()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status)


def serve():
    """Serves runs until the harness closes the socket; in a run's child, returns its status."""
    _die_with_parent()
    sock = socket.socket(fileno=0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the harness's to handle
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 3)
        except OSError:
            return 0
        if not message:
            return 0
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            sock.close()
            return _become_the_run(request, fds)
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        try:
            os.killpg(pid, signal.SIGKILL)  # whatever the run started
        except OSError:
            pass
        sock.send(json.dumps({"id": request["id"], "status": status}).encode())
