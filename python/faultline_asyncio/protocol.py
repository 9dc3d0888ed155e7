"""The await protocol's two channels (docs/external-protocol.md), and what the whole shim knows
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
            self._events_fd, self._decisions_fd = int(events), int(decisions)
        self._in = None  # the decisions as a text file, opened when the shim first asks (see ask)
        self._queued = []  # lines of events that may wait for the next write
        self._ordinal = 0  # await points reported so far
        self._schedule = _parse_schedule(os.environ.get("FAULTLINE_SCHEDULE")) if self.active else None

    def close(self):
        """Closes both descriptors (a run served in this process has ended)."""
        if self.active:
            self.flush()
            self.active = False
            decisions, self._in = self._in, None  # the file, if the shim asked; else the bare fd
            close_decisions = decisions.close if decisions else lambda: os.close(self._decisions_fd)
            for close in (lambda: os.close(self._events_fd), close_decisions):
                try:
                    close()
                except OSError:
                    pass

    @staticmethod
    def _line(fields):
        line = "\t".join(map(str, fields))
        # NOTE: a tab or newline inside a field (a task's name, a site) is rare: checked on the
        # joined line, which holds exactly len(fields) - 1 tabs and no newline otherwise.
        if "\n" in line or line.count("\t") != len(fields) - 1:
            line = "\t".join(str(f).replace("\t", " ").replace("\n", " ") for f in fields)
        return line + "\n"

    def _write(self, text):
        with self._lock:
            if self._queued:
                self._queued.append(text)
                text, self._queued = "".join(self._queued), []
            data = text.encode("utf-8", "replace")  # NOTE: once per write, not per line
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
        """Sends an event with the next write (see ask): for the frequent events only counted or
        recorded (task created or finished, the clock, shutdown begun, await points told).

        NOTE: one write for many events: each write wakes the harness. A process that dies by
        itself with events queued loses only those; what the oracles judge by (faults taking
        effect, ledger units, deadlocks, leaks) is sent at once."""
        if self.active:
            line = self._line(fields)
            with self._lock:
                self._queued.append(line)

    def forget_queued(self):
        """Drops the queued events: in a child the program forked, they are its parent's to send."""
        self._queued = []

    def flush(self):
        """Writes the queued events (before the process may block or end)."""
        if self.active and self._queued:
            self._write("")

    def ask(self, task, name, site):
        """Reports an await point; returns (kind, timing, arg, ordinal), kind "none" for no
        fault. With the run's schedule known (FAULTLINE_SCHEDULE), the shim decides by ordinal
        as the harness would and queues an `a` line; otherwise it sends `A` and reads the
        harness's decision.

        NOTE: the harness's decision depends on the ordinal alone, so knowing the schedule saves
        a round trip per await point (two context switches on one core); the harness still
        records every await point from the `a` lines, in order. The queue is written at the
        next immediate event (a fault taking effect first of all), before the process may block
        or end, and every _MAX_QUEUED lines, so a program looping without end still reaches the
        harness's await-point limit."""
        if self._schedule is not None:
            with self._lock:
                self._ordinal += 1
                ordinal = self._ordinal
                self._queued.append(self._line(("a", task, name, site)))
                full = len(self._queued) >= _MAX_QUEUED
            if full:
                self.flush()
            fault = self._schedule.get(ordinal)
            return (fault[0], fault[1], fault[2], ordinal) if fault else ("none", "at", 0, ordinal)
        self.send("A", task, name, site)
        if not self.active:
            return "none", "at", 0, 0
        if self._in is None:
            # NOTE: opened only here: with the schedule told (every served run of faultline's
            # harness) the shim never reads a decision, and a text file costs a run ~20 µs.
            with self._lock:
                if self._in is None:
                    self._in = os.fdopen(self._decisions_fd, "r", encoding="utf-8")
        reply = self._in.readline().rstrip("\n").split("\t")
        if len(reply) != 4:
            return "none", "at", 0, 0
        return reply[0], reply[1], int(reply[2] or 0), int(reply[3] or 0)


_MAX_QUEUED = 256  # queued lines written at once at the latest
_KINDS, _TIMINGS = ("cancel", "throw", "exit", "signal"), ("at", "after")


def _parse_schedule(text):
    """FAULTLINE_SCHEDULE, `ordinal:kind:timing:arg` entries separated by `;` (empty: no
    fault), as {ordinal: (kind, timing, arg)}; None if absent or malformed (the shim then asks
    at every await point)."""
    if text is None:
        return None
    schedule = {}
    for entry in filter(None, text.split(";")):
        parts = entry.split(":")
        if len(parts) != 4 or not parts[0].isdigit() or parts[1] not in _KINDS or parts[2] not in _TIMINGS \
                or not parts[3].lstrip("-").isdigit():
            return None
        schedule[int(parts[0])] = (parts[1], parts[2], int(parts[3]))
    return schedule


channel = _Channel()
os.register_at_fork(after_in_child=lambda: channel.forget_queued())

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
