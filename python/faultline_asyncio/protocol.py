"""The await protocol's two pipes (docs/external-protocol.md), and what the whole shim knows
about how the process is ending."""
import os
import threading


class _Channel:
    """fd 3 (events, to the harness) and fd 4 (decisions, from it); inactive when the program
    runs alone."""

    def __init__(self):
        events, decisions = os.environ.get("FAULTLINE_EVENTS_FD"), os.environ.get("FAULTLINE_DECISIONS_FD")
        self.active = events is not None and decisions is not None
        self._lock = threading.Lock()
        if self.active:
            for fd in (int(events), int(decisions)):
                os.set_inheritable(fd, False)  # the program's own children never see them
            self._events_fd = int(events)
            self._in = os.fdopen(int(decisions), "r", encoding="utf-8")
        self._queued = []  # encoded lines of events that may wait for the next write

    def close(self):
        """Closes both descriptors (a run served in this process has ended)."""
        if self.active:
            self.flush()
            self.active = False
            for close in (lambda: os.close(self._events_fd), self._in.close):
                try:
                    close()
                except OSError:
                    pass

    @staticmethod
    def _line(fields):
        return ("\t".join(str(f).replace("\t", " ").replace("\n", " ") for f in fields) + "\n").encode("utf-8", "replace")

    def _write(self, data):
        with self._lock:
            if self._queued:
                data, self._queued = b"".join(self._queued) + data, []
            try:
                while data:
                    data = data[os.write(self._events_fd, data):]
            except OSError:  # the harness is gone: run on alone
                self.active = False

    def send(self, *fields):
        """Sends an event now (after those queued): the harness sees it even if the process
        dies next."""
        if self.active:
            self._write(self._line(fields))

    def queue(self, *fields):
        """Sends an event with the next write (the next await point at the latest): for the
        frequent events only counted (task created or finished, the clock, shutdown begun).

        NOTE: one write per await point instead of one per event: each write wakes the harness,
        which on one core costs two context switches. A process that dies with events queued
        loses only those counts; what the oracles judge by (faults taking effect, ledger units,
        deadlocks, leaks) is sent at once."""
        if self.active:
            line = self._line(fields)
            with self._lock:
                self._queued.append(line)

    def flush(self):
        """Writes the queued events (before the process may block or end)."""
        if self.active and self._queued:
            self._write(b"")

    def ask(self, *fields):
        """Sends an await point (with the queued events); returns (kind, timing, arg, ordinal),
        kind "none" for no fault."""
        self.send(*fields)
        if not self.active:
            return "none", "at", 0, 0
        reply = self._in.readline().rstrip("\n").split("\t")
        if len(reply) != 4:
            return "none", "at", 0, 0
        return reply[0], reply[1], int(reply[2] or 0), int(reply[3] or 0)


channel = _Channel()

# NOTE: after SystemExit or KeyboardInterrupt left a task, asyncio.run ends without finishing its
# cleanup: the tasks still pending are destroyed at interpreter exit by asyncio itself, not
# leaked by the program. Likewise after an exception left run_until_complete.
process_ending = {"abnormal_exit": False, "failed": False, "killed": False}


class RunKilled(SystemExit):
    """Unwinds a served run that a fatal signal ended (runner.py). The program's tasks never
    see it: it leaves the shim's own code, and the loop then refuses to run anything."""


# The runner's way to end a served run by a fatal signal without ending its process: called with
# the signal number; raises RunKilled, or returns if the signal must really be sent.
kill_in_place = None
