"""The asyncio shim on its own (standard library only): what it reports and how it injects,
driven through the await protocol by a fake harness (fake_harness.py)."""
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_harness  # noqa: E402

ZOO = os.path.join(fake_harness.PYTHON_DIR, "zoo")


def program(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
    f.write(textwrap.dedent(text))
    f.close()
    return f.name


class ShimTest(unittest.TestCase):
    def test_without_the_harness_the_program_runs_as_alone(self):
        env = dict(os.environ, PYTHONPATH=fake_harness.PYTHON_DIR)
        env.pop("FAULTLINE_EVENTS_FD", None)
        done = subprocess.run([sys.executable, "-m", "faultline_asyncio", os.path.join(ZOO, "do_not_raise_fixed.py")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(done.returncode, 0, done.stdout)

    def test_await_points_name_the_program_line_and_the_task(self):
        status, events, _ = fake_harness.run(os.path.join(ZOO, "do_not_raise_fixed.py"))
        self.assertEqual(status, 0)
        awaits = [e for e in events if e[0] == "A"]
        self.assertEqual([e[3] for e in awaits], ["do_not_raise_fixed.py:28 (main)"] +
                         ["do_not_raise_fixed.py:10 (user_defined_coroutine)"] * 3)
        self.assertEqual(awaits[1][2], "worker")
        self.assertIn(["F", awaits[1][1], "value"], events)

    def test_time_is_virtual(self):
        path = program("""
            import asyncio
            async def main():
                for _ in range(24):
                    await asyncio.sleep(3600)
            asyncio.run(main())
        """)
        began = time.monotonic()
        status, events, _ = fake_harness.run(path)
        self.assertEqual(status, 0)
        self.assertLess(time.monotonic() - began, 5, "a day of sleeps took wall-clock time")
        self.assertEqual(sum(e[0] == "A" for e in events), 24)

    def test_a_cancel_swallowed_by_a_bare_except_is_reported(self):
        _, buggy, _ = fake_harness.run(os.path.join(ZOO, "do_not_raise_buggy.py"), {2: ("cancel", "at", 0)})
        self.assertTrue(any(e[0] == "W" for e in buggy), buggy)
        status, fixed, _ = fake_harness.run(os.path.join(ZOO, "do_not_raise_fixed.py"), {2: ("cancel", "at", 0)})
        self.assertFalse(any(e[0] == "W" for e in fixed), fixed)
        self.assertEqual(status, 1)  # the worker's cancellation fails gather, and main
        self.assertIn(["E", "2"], fixed)

    def test_exit_and_signal_faults_end_the_process_as_python_would(self):
        path = os.path.join(ZOO, "do_not_raise_fixed.py")
        self.assertEqual(fake_harness.run(path, {2: ("exit", "after", 3)})[0], 3)
        self.assertEqual(fake_harness.run(path, {2: ("signal", "at", 15)})[0], -15)
        status, events, output = fake_harness.run(path, {2: ("throw", "after", 0)})
        self.assertEqual(status, 0, output)  # the wrapper logs the user coroutine's error and goes on
        self.assertIn("faultline injected error", output)

    def test_a_throw_after_a_cancellation_is_superseded(self):
        path = os.path.join(ZOO, "do_not_raise_fixed.py")
        status, events, _ = fake_harness.run(path, {1: ("exit", "at", 3), 2: ("throw", "after", 0)})
        self.assertEqual(status, 3)
        self.assertIn(["S", "2"], events)


if __name__ == "__main__":
    unittest.main()
