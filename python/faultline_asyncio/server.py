"""The fork server: a warm interpreter (asyncio and the shim imported) that serves runs from a
runner process it forks, so a run costs neither an interpreter's start nor, mostly, a fork.

The harness starts `python3 -m faultline_asyncio --serve` with a SOCK_SEQPACKET socket on fd 0.
A request is one message: JSON {"id", "argv", "env", "cwd"} with three descriptors attached
(SCM_RIGHTS: events, decisions, output); the answer is {"id", "status"} (a raw waitpid status).

The server forks a runner (its own process group), which reads the requests itself and runs
each in its own process (runner.py): fds 3, 4, 1, 2 are the run's, the program runs as
`__main__`, and the run ends as the interpreter ends a program — atexit handlers, the exit
status of SystemExit, a traceback and 1 for an uncaught exception, SIGINT's status for an
uncaught KeyboardInterrupt. If the run left nothing a reset cannot undo, the runner answers,
resets and takes the next request; otherwise it ends as the interpreter would (threads joined,
without the teardown), and the server answers with its real waitpid status, kills its process
group and forks a fresh runner. The request under way is kept in shared memory, so a runner
that dies mid-run (os._exit, a signal's default action) is still answered for.
"""
import asyncio  # noqa: F401  (warm: imported once, in the server)
import ctypes
import fcntl
import gc
import json
import mmap
import os
import signal
import socket
import struct
import sys

from faultline_asyncio import protocol, runner, warm

_NONE_UNDER_WAY, _SOCKET_ENDED = 0, -1  # the runner's note when no request is under way


def _die_with_parent():
    """PR_SET_PDEATHSIG: never outlive the process that started this one."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class _Note:
    """The request the runner has under way, in memory shared with the server."""

    def __init__(self):
        self._memory = mmap.mmap(-1, 8)

    def set(self, value):
        self._memory[:8] = struct.pack("q", value)

    def get(self):
        return struct.unpack("q", self._memory[:8])[0]


def _answer(sock, request_id, status):
    try:
        sock.send(json.dumps({"id": request_id, "status": status}).encode())
    except OSError:
        pass  # the harness is gone; its side of the socket reads as ended next


def _compiled(program, cache):
    """The program's code, compiled once per runner (again if the file changed)."""
    stat = os.stat(program)
    key = (os.path.abspath(program), stat.st_mtime_ns, stat.st_size)
    if key not in cache:
        with open(program, "rb") as source:
            cache.clear()
            cache[key] = compile(source.read(), program, "exec", dont_inherit=True)
    return cache[key]


def _serve_runs(sock, note):
    """The runner: takes requests until the socket ends or a run leaves the process unusable."""
    _die_with_parent()
    os.setpgid(0, 0)  # its own group: whatever a run starts is killed with it
    baseline = runner.Baseline()
    warm.install()
    protocol.kill_in_place = runner.kill_in_place
    code_cache = {}
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 3)
        except OSError:
            message = b""
        if not message:
            note.set(_SOCKET_ENDED)
            os._exit(0)
        request = json.loads(message)
        note.set(request["id"])
        runner.start(request, fds)
        try:
            code = _compiled(sys.argv[0], code_cache)
        except (OSError, SyntaxError, ValueError) as e:
            print(f"python3: can't run {sys.argv[0]}: {e}", file=sys.stderr)
            code, status, interrupted = None, 2, False
        if code is not None:
            status, interrupted = runner.run_program(code, sys.argv[0])
        if not runner.finish(baseline):
            runner.end_process(status, interrupted)
        _answer(sock, request["id"], runner.wait_status(status, interrupted))
        note.set(_NONE_UNDER_WAY)


def serve():
    """Serves runs until the harness closes the socket; in a runner, never returns."""
    _die_with_parent()
    # NOTE: the socket leaves fd 0 (a program reading stdin must not read requests) and is
    # not inherited by what a program execs; stdin is /dev/null, as for a detached program.
    sock = socket.socket(fileno=fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 10))  # above a run's fds 0-4
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the harness's to handle
    note = _Note()
    while True:
        note.set(_NONE_UNDER_WAY)
        # NOTE: the warm heap moves to the collector's permanent generation: a runner's
        # collections then skip it instead of touching every object and copying its pages.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            _serve_runs(sock, note)
        _, status = os.waitpid(pid, 0)
        try:
            os.killpg(pid, signal.SIGKILL)  # whatever its last run started
        except OSError:
            pass
        under_way = note.get()
        if under_way == _SOCKET_ENDED:
            return 0
        if under_way != _NONE_UNDER_WAY:
            _answer(sock, under_way, status)
