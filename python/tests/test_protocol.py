"""protocol.py: the shim's side of the two channels. With the run's schedule told
(FAULTLINE_SCHEDULE) the shim decides at each await point by ordinal, as the harness would, and
reports it without waiting for an answer; that must give the very run that asking gives."""
import os
import sys
import tempfile
import textwrap
import threading
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_harness  # noqa: E402

sys.path.insert(0, fake_harness.PYTHON_DIR)
from faultline_asyncio import protocol  # noqa: E402

ZOO = os.path.join(fake_harness.PYTHON_DIR, "zoo")
PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs")

# (program, schedule): faults of every kind and timing, several in one run, one superseded.
RUNS = [
    ("do_not_raise_fixed.py", {}),
    ("do_not_raise_buggy.py", {2: ("cancel", "at", 0)}),
    ("do_not_raise_fixed.py", {2: ("throw", "after", 0)}),
    ("do_not_raise_fixed.py", {1: ("exit", "at", 3), 2: ("throw", "after", 0)}),
    ("do_not_raise_fixed.py", {2: ("signal", "at", 15)}),
    ("shutdown_shield_fixed.py", {3: ("signal", "after", 2), 5: ("cancel", "at", 0)}),
    ("cancel_handler_task_buggy.py", {4: ("cancel", "at", 0), 6: ("throw", "at", 0)}),
    ("collector_buggy.py", {3: ("throw", "after", 0)}),
]


def program(text):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(textwrap.dedent(text))
    return f.name


def asked(events):
    """The events as a shim that asks reports them (an `a` line is an `A` line answered by the schedule)."""
    return [["A"] + e[1:] if e[0] == "a" else e for e in events]


class ToldScheduleTest(unittest.TestCase):
    def test_a_told_schedule_gives_the_run_that_asking_gives(self):
        for name, schedule in RUNS:
            path = os.path.join(ZOO, name)
            with self.subTest(program=name, schedule=schedule):
                told = fake_harness.run(path, schedule)
                asking = fake_harness.run(path, schedule, told=False)
                self.assertTrue(any(e[0] == "a" for e in told[1]), told[1])
                self.assertFalse(any(e[0] == "a" for e in asking[1]), asking[1])
                self.assertEqual((told[0], asked(told[1]), told[2]), asking)

    def test_await_points_before_an_os_exit_or_in_a_forked_child_are_reported_once(self):
        path = program("""
            import asyncio, os
            async def main():
                for _ in range(3):
                    await asyncio.sleep(1)
                if os.fork() == 0:
                    os._exit(0)  # the child: its parent's queued await points are not its own to send
                os.wait()
                await asyncio.sleep(1)
                os._exit(5)
            asyncio.run(main())
        """)
        told = fake_harness.run(path)
        self.assertEqual(told[0], 5, told)
        self.assertEqual(sum(e[0] == "a" for e in told[1]), 4, told[1])
        asking = fake_harness.run(path, told=False)
        self.assertEqual((told[0], asked(told[1]), told[2]), asking)

    def test_the_fork_servers_runs_are_the_same_told_or_asking(self):
        server = fake_harness.Server()
        try:
            for name, schedule in RUNS[:4]:
                path = os.path.join(ZOO, name)
                with self.subTest(program=name, schedule=schedule):
                    told = server.run(path, schedule)
                    asking = server.run(path, schedule, told=False)
                    self.assertEqual((told[0], asked(told[1]), told[2]), asking)
        finally:
            server.close()

    def test_a_malformed_schedule_makes_the_shim_ask(self):
        path = os.path.join(ZOO, "do_not_raise_buggy.py")
        for text in ("2:cancel:soon:0", "2:cancel:at", "x:cancel:at:0", "2:cancel:at:0;3:explode:at:0"):
            with self.subTest(schedule=text):
                status, events, output = fake_harness.run(path, {2: ("cancel", "at", 0)}, told=False,
                                                          env={"FAULTLINE_SCHEDULE": text})
                self.assertFalse(any(e[0] == "a" for e in events), events)
                self.assertIn(["E", "2"], events)  # the fault came from the harness's answer
                self.assertTrue(any(e[0] == "W" for e in events), events)


class ChannelTest(unittest.TestCase):
    """A _Channel on pipes of this process, as a run's shim holds it."""

    def channel(self, schedule_text):
        events_r, events_w = os.pipe()
        decisions_r, decisions_w = os.pipe()
        self.addCleanup(lambda: [os.close(fd) for fd in (events_r, decisions_w)])
        env = {"FAULTLINE_EVENTS_FD": str(events_w), "FAULTLINE_DECISIONS_FD": str(decisions_r),
               "FAULTLINE_SCHEDULE": schedule_text}
        with mock.patch.dict(os.environ, env):
            channel = protocol._Channel()
        self.addCleanup(channel.close)
        return channel, events_r

    @staticmethod
    def lines(fd):
        os.set_blocking(fd, False)
        data = b""
        try:
            while chunk := os.read(fd, 1 << 16):
                data += chunk
        except BlockingIOError:
            pass
        return data.decode().splitlines()

    def test_the_schedule_is_parsed_or_refused_whole(self):
        parse = protocol._parse_schedule
        self.assertIsNone(parse(None))
        self.assertEqual(parse(""), {})
        self.assertEqual(parse("3:cancel:at:0;7:signal:after:15;9:exit:at:-1"),
                         {3: ("cancel", "at", 0), 7: ("signal", "after", 15), 9: ("exit", "at", -1)})
        for bad in ("3:cancel:at", "3:cancel:at:0:1", "-3:cancel:at:0", "3:halt:at:0", "3:cancel:now:0",
                    "3:throw:at:x", "3:cancel:at:0;oops"):
            self.assertIsNone(parse(bad), bad)

    def test_each_await_point_gets_the_next_ordinal_and_its_fault(self):
        channel, events = self.channel("2:throw:after:0;4:exit:at:3")
        answers = [channel.ask(1, "main", f"p.py:{n} (main)") for n in range(1, 6)]
        self.assertEqual(answers, [("none", "at", 0, 1), ("throw", "after", 0, 2), ("none", "at", 0, 3),
                                   ("exit", "at", 3, 4), ("none", "at", 0, 5)])
        self.assertEqual(self.lines(events), [], "await points are queued until the next write")
        channel.send("E", 2)
        self.assertEqual(self.lines(events), [f"a\t1\tmain\tp.py:{n} (main)" for n in range(1, 6)] + ["E\t2"])

    def test_threads_asking_at_once_get_each_ordinal_once(self):
        channel, events = self.channel("777:cancel:at:0")
        got, threads = [], []
        for t in range(8):
            def ask(t=t):
                for _ in range(200):
                    got.append(channel.ask(t + 1, f"task{t}", "p.py:1 (f)"))
            threads.append(threading.Thread(target=ask))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        channel.flush()
        self.assertEqual(sorted(answer[3] for answer in got), list(range(1, 1601)))
        self.assertEqual([answer for answer in got if answer[0] != "none"], [("cancel", "at", 0, 777)])
        self.assertEqual(sum(line.startswith("a\t") for line in self.lines(events)), 1600)

    def test_a_program_that_never_writes_still_reports_its_await_points(self):
        # a program looping on await points without end must reach the harness's await limit
        channel, events = self.channel("")
        for _ in range(protocol._MAX_QUEUED):
            channel.ask(1, "main", "p.py:1 (main)")
        self.assertEqual(len(self.lines(events)), protocol._MAX_QUEUED)

    def test_a_field_with_a_tab_or_newline_cannot_split_a_line(self):
        channel, events = self.channel("")
        channel.ask(1, "odd\tname\n", "p.py:1 (main)")
        channel.send("T", 2, "tab\there")
        self.assertEqual(self.lines(events), ["a\t1\todd name \tp.py:1 (main)", "T\t2\ttab here"])


if __name__ == "__main__":
    unittest.main()
