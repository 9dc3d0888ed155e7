"""The fork server: a warm interpreter (asyncio and the shim imported) that forks one child per
run, so a run costs a fork, not an interpreter's start.

The harness starts `python3 -m faultline_asyncio --serve` with a SOCK_SEQPACKET socket on fd 0.
A request is one message: JSON {"id", "argv", "env", "cwd"} with three descriptors attached
(SCM_RIGHTS: events, decisions, output). The server forks; the child becomes the run (fds 3, 4,
1, 2; its own process group) and ends as the interpreter ends a program — atexit handlers,
non-daemon threads joined, the exit status of SystemExit, death by SIGINT for an uncaught
KeyboardInterrupt — because it leaves the server's code by returning into the interpreter.
The server answers {"id", "status"} (waitpid's raw status) and kills the run's process group.
"""
import asyncio  # noqa: F401  (warm: imported once, in the server)
import concurrent.futures  # noqa: F401
import ctypes
import json
import logging  # noqa: F401
import os
import runpy
import signal
import socket
import sys

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
    runpy.run_path(program, run_name="__main__")
    return 0


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
