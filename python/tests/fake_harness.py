"""A stand-in for faultline's harness on the shim's side of the await protocol: runs a program
under the shim, answers await points from a schedule {ordinal: (kind, timing, arg)}, and
returns the events and the exit status. As faultline does, it tells the shim the schedule
(FAULTLINE_SCHEDULE) unless told=False, when the shim asks at every await point."""
import json
import os
import select
import signal
import socket
import subprocess
import sys

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# NOTE: how long a run may be silent before it is declared hung. Generous on purpose: ctest runs
# these tests beside C++ campaigns that keep both cores busy, and on the 2-vCPU CI machine
# (kernel 6.18) other processes were then seen runnable but unscheduled for 4-16 s at a time,
# kernel workers included, so a fresh server's imports waited as long on page reads. A run that
# hangs still fails the test, with its stacks, only later.
SILENCE_S = 120


def schedule_text(schedule):
    """The schedule as the harness tells it (FAULTLINE_SCHEDULE): `ordinal:kind:timing:arg;...`."""
    return ";".join(f"{o}:{kind}:{timing}:{arg}" for o, (kind, timing, arg) in sorted(schedule.items()))


def is_await(event):
    """An await point, reported for a decision (A) or with the schedule told (a)."""
    return event[0] in ("A", "a")


class _Decider:
    """Counts await points and answers those that ask (A) from the schedule."""

    def __init__(self, schedule, out_fd):
        self.schedule, self.out_fd, self.ordinal = schedule, out_fd, 0

    def on_line(self, line):
        fields = line.split("\t")
        if not is_await(fields):
            return
        self.ordinal += 1
        if fields[0] == "A":
            kind, timing, arg = self.schedule.get(self.ordinal, ("none", "at", 0))
            try:
                os.write(self.out_fd, f"{kind}\t{timing}\t{arg}\t{self.ordinal}\n".encode())
            except BrokenPipeError:
                pass


def _schedule_env(schedule, told):
    """The harness tells the shim the schedule (told=True, as faultline does), or leaves it to
    ask at every await point (a shim that cannot read it, or an older harness)."""
    return {"FAULTLINE_SCHEDULE": schedule_text(schedule)} if told else {}


def run(program, schedule=None, timeout=SILENCE_S, told=True, env=None):
    """Runs `program` under the shim; returns (exit code or -signal, events, output)."""
    schedule = schedule or {}
    ev_r, ev_w = os.pipe()
    dec_r, dec_w = os.pipe()
    env = dict(os.environ, FAULTLINE_EVENTS_FD="3", FAULTLINE_DECISIONS_FD="4", PYTHONPATH=PYTHON_DIR,
               **_schedule_env(schedule, told), **(env or {}))
    child = subprocess.Popen([sys.executable, "-m", "faultline_asyncio", program], env=env, pass_fds=(3, 4),
                             preexec_fn=lambda: (os.dup2(ev_w, 3), os.dup2(dec_r, 4)),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.close(ev_w)
    os.close(dec_r)
    events, decider = [], _Decider(schedule, dec_w)
    with os.fdopen(ev_r, "r") as inp:
        for line in inp:
            line = line.rstrip("\n")
            events.append(line.split("\t"))
            decider.on_line(line)
    os.close(dec_w)
    with child.stdout:
        output = child.stdout.read().decode(errors="replace")
    status = child.wait(timeout)
    return status, events, output


class Server:
    """The fork server (python3 -m faultline_asyncio --serve) driven as the harness drives it."""

    def __init__(self):
        self._socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # NOTE: -X faulthandler: a run that hangs is asked for its Python stack (SIGABRT) so the
        # failure says where it waits.
        self._server = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "faultline_asyncio", "--serve"],
                                        stdin=theirs,
                                        env=dict(os.environ, PYTHONPATH=PYTHON_DIR))
        theirs.close()
        self._next_id = 1

    def _dump_stacks(self):
        """SIGABRT to the server and its runner: faulthandler prints each one's Python stack (the
        server's to this process's stderr, the runner's into the run's output).

        NOTE: the server too: the one CI hang seen (a starved server still importing) was there."""
        pids = [self._server.pid]
        try:
            with open(f"/proc/{self._server.pid}/task/{self._server.pid}/children") as f:
                pids = [int(p) for p in f.read().split()] + pids
        except OSError:
            pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGABRT)
            except OSError:
                pass

    def close(self):
        self._socket.close()
        try:
            self._server.wait(SILENCE_S)
        except subprocess.TimeoutExpired:
            self._dump_stacks()
            raise

    def run(self, program, schedule=None, timeout=SILENCE_S, env=None, told=True):
        """Returns (exit code, or -signal; events; output), as run() does."""
        schedule = schedule or {}
        ev_r, ev_w = os.pipe()
        dec_r, dec_w = os.pipe()
        out_r, out_w = os.pipe()
        request_id, self._next_id = self._next_id, self._next_id + 1
        request = {"id": request_id, "argv": [program], "cwd": "",
                   "env": dict(env or {}, PYTHONHASHSEED="0", **_schedule_env(schedule, told))}
        socket.send_fds(self._socket, [json.dumps(request).encode()], [ev_w, dec_r, out_w])
        for fd in (ev_w, dec_r, out_w):
            os.close(fd)
        events, output, pending, status, decider = [], b"", b"", None, _Decider(schedule, dec_w)
        open_fds = [ev_r, out_r]
        while open_fds or status is None:
            ready, _, _ = select.select(open_fds + ([self._socket] if status is None else []), [], [], timeout)
            if not ready:
                self._dump_stacks()
                stacks = b""
                while select.select([out_r], [], [], 3)[0]:
                    data = os.read(out_r, 1 << 20)
                    if not data:
                        break
                    stacks += data
                stacks = stacks.decode(errors="replace")
                raise TimeoutError(f"run {request_id} of {program} did not end; its output and stacks:\n{output.decode(errors='replace')}{stacks}")
            if self._socket in ready:
                answer = json.loads(self._socket.recv(4096))
                assert answer["id"] == request_id, (answer, request_id)
                status = os.waitstatus_to_exitcode(answer["status"])
            for fd in (fd for fd in ready if fd in open_fds):
                data = os.read(fd, 65536)
                if not data:
                    open_fds.remove(fd)
                elif fd == out_r:
                    output += data
                else:
                    pending += data
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        events.append(line.decode().split("\t"))
                        decider.on_line(line.decode())
        for fd in (ev_r, out_r, dec_w):
            os.close(fd)
        return status, events, output.decode(errors="replace")


if __name__ == "__main__":
    import json
    status, events, output = run(sys.argv[1], {int(k): tuple(v) for k, v in json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}").items()})
    for e in events:
        print("\t".join(e))
    print("status", status)
    print(output[-2000:])
