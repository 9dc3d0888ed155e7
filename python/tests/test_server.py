"""The fork server and its runner (standard library only): runs served one after another in the
same process start from the state a fresh interpreter has, and end as a process would."""
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_harness  # noqa: E402


def program(text, helper=None):
    """Writes a program (and, if given, its own module `helper.py`) in a new directory."""
    directory = tempfile.mkdtemp()
    if helper is not None:
        with open(os.path.join(directory, "helper.py"), "w") as f:
            f.write(textwrap.dedent(helper))
    path = os.path.join(directory, "prog.py")
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def pid_of(output):
    return next(line.split()[1] for line in output.splitlines() if line.startswith("pid "))


class ServerTest(unittest.TestCase):
    def setUp(self):
        self.server = fake_harness.Server()

    def tearDown(self):
        self.server.close()

    def test_each_run_starts_from_the_state_of_a_fresh_interpreter(self):
        path = program("""
            import asyncio, os, signal, sys, threading
            import helper
            print("pid", os.getpid())
            helper.count += 1
            print("helper", helper.count, "env", os.environ.get("SET_BY_THE_RUN"), "argv", len(sys.argv))
            print("usr1", signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL)
            signal.signal(signal.SIGUSR1, lambda *a: None)
            os.environ["SET_BY_THE_RUN"] = "yes"
            thread = threading.Thread(target=lambda: None)
            thread.start(); thread.join()
            print("thread", thread.name)
            async def main():
                task = asyncio.create_task(asyncio.sleep(1))
                print("task", task.get_name())
                await task
            asyncio.run(main())
            sys.stdout.write("unflushed at exit")
        """, helper="count = 0\n")
        runs = [self.server.run(path) for _ in range(3)]
        for status, events, output in runs:
            self.assertEqual(status, 0, output)
            self.assertIn("helper 1 env None argv 1", output)
            self.assertIn("usr1 True", output)
            self.assertIn("thread Thread-1", output)
            self.assertIn("task Task-2", output)
            self.assertTrue(output.endswith("unflushed at exit"), output)
        self.assertEqual(runs[0][1], runs[2][1])  # the same events
        self.assertEqual(len({pid_of(output) for _, _, output in runs}), 1, "runs were not served by one process")

    def test_a_set_of_futures_iterates_in_the_same_order_whatever_the_runs_before(self):
        # asyncio.wait gives sets; by address, a served run's order would depend on the heap the
        # runs before it left (and differ from its replay in a fresh interpreter). A loop's
        # futures are hashed by their creation ordinal instead.
        waited = program("""
            import asyncio
            async def main():
                loop = asyncio.get_running_loop()
                futures = [loop.create_future() for _ in range(12)]
                for n, f in enumerate(futures):
                    loop.call_later(1, f.set_result, n)
                done, _ = await asyncio.wait(futures)
                print([f.result() for f in done])
            asyncio.run(main())
        """)
        churn = program("""
            import asyncio
            async def main():
                loop = asyncio.get_running_loop()
                kept = [loop.create_future() for _ in range(300)]
                del kept[::3]
                del kept[::2]
                await asyncio.sleep(0)
            asyncio.run(main())
        """)
        outputs = []
        for path in (waited, churn, waited, churn, waited):
            status, _, output = self.server.run(path)
            self.assertEqual(status, 0, output)
            if path == waited:
                outputs.append(output.strip())
        self.assertEqual(len(set(outputs)), 1, outputs)

    def test_a_fatal_signal_ends_the_run_where_it_lands(self):
        path = program("""
            import asyncio, atexit, os, sys
            atexit.register(print, "atexit ran")
            print("pid", os.getpid(), flush=True)
            async def main():
                print("buffered, lost with the process")
                try:
                    await asyncio.sleep(1)
                finally:
                    print("finally ran", flush=True)
            asyncio.run(main())
        """)
        buffered = {"PYTHONUNBUFFERED": ""}  # NOTE: empty is unset for the interpreter
        status, events, output = self.server.run(path, {1: ("signal", "at", 15)}, env=buffered)
        self.assertEqual(status, -15, output)
        self.assertIn(["E", "1"], events)
        for lost in ("buffered", "finally ran", "atexit ran"):
            self.assertNotIn(lost, output)
        status, _, again = self.server.run(path, env=buffered)
        self.assertEqual(status, 0, again)
        self.assertEqual(again.count("buffered"), 1, again)  # nothing of the killed run leaks into the next
        self.assertEqual(pid_of(output), pid_of(again), "the signal ended the runner, not the run")

    def test_a_run_that_leaves_a_thread_is_not_reused(self):
        path = program("""
            import os, threading, time
            print("pid", os.getpid(), flush=True)
            threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
        """)
        first, second = self.server.run(path), self.server.run(path)
        self.assertEqual((first[0], second[0]), (0, 0), first[2] + second[2])
        self.assertNotEqual(pid_of(first[2]), pid_of(second[2]))

    def test_os_exit_ends_the_run_and_stdin_is_not_the_servers_socket(self):
        path = program("""
            import os, sys
            print("stdin", repr(sys.stdin.read()), flush=True)
            os._exit(7)
        """)
        status, _, output = self.server.run(path)
        self.assertEqual(status, 7, output)
        self.assertIn("stdin ''", output)
        self.assertEqual(self.server.run(path)[0], 7)

    def test_a_process_the_program_forks_does_not_serve_runs(self):
        path = program("""
            import os
            child = os.fork()
            if child:
                os.waitpid(child, 0)
                print("parent done")
        """)
        for _ in range(2):  # an extra answer would be read as the next run's (fake_harness asserts ids)
            status, _, output = self.server.run(path)
            self.assertEqual(status, 0, output)
            self.assertIn("parent done", output)

    def test_an_uncaught_exception_and_interrupt_end_as_the_interpreter_ends(self):
        error = program("""
            def fail():
                raise ValueError("boom")
            fail()
        """)
        status, _, output = self.server.run(error)
        self.assertEqual(status, 1)
        self.assertIn('line 3, in fail\n    raise ValueError("boom")', output)
        self.assertTrue(output.rstrip().endswith("ValueError: boom"), output)
        interrupted = program("raise KeyboardInterrupt\n")
        self.assertEqual(self.server.run(interrupted)[0], -2)
        self.assertEqual(self.server.run(program("raise SystemExit('bye')\n"))[:3:2], (1, "bye\n"))


if __name__ == "__main__":
    unittest.main()
