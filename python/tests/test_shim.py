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
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=fake_harness.SILENCE_S)
        self.assertEqual(done.returncode, 0, done.stdout)

    def test_await_points_name_the_program_line_and_the_task(self):
        status, events, _ = fake_harness.run(os.path.join(ZOO, "do_not_raise_fixed.py"))
        self.assertEqual(status, 0)
        awaits = [e for e in events if fake_harness.is_await(e)]
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
        self.assertEqual(sum(map(fake_harness.is_await, events)), 24)

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

    def test_asyncio_runs_cleanup_cancels_in_the_same_order_on_every_run(self):
        # asyncio.run's cleanup cancels the tasks left in the order of all_tasks()'s set: by
        # address, that order (and so the await points') would change from one interpreter to
        # the next. Tasks are hashed by their creation ordinal instead.
        path = program("""
            import asyncio
            order = []
            async def child(n):
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    order.append(n)
                    raise
            async def main():
                for n in range(12):
                    asyncio.create_task(child(n))
                await asyncio.sleep(1)
            try:
                asyncio.run(main())
            finally:
                print(order)
        """)
        outputs = {fake_harness.run(path)[2].strip() for _ in range(4)}
        self.assertEqual(len(outputs), 1, outputs)

    def test_a_throw_inside_one_of_asyncios_locks_does_not_take_effect(self):
        # A semaphore's wait handles CancelledError only: an error raised as the permit is
        # handed over would lose the permit and hang the next waiter, which no program can
        # make happen. The throw does not take effect there; a cancel does, and the lock holds.
        path = program("""
            import asyncio
            async def worker(sem):
                async with sem:
                    await asyncio.sleep(1)
            async def main():
                sem = asyncio.Semaphore(1)
                await asyncio.gather(*(worker(sem) for _ in range(3)), return_exceptions=True)
                print("done")
            asyncio.run(main())
        """)
        _, events, _ = fake_harness.run(path)
        awaits = [e for e in events if fake_harness.is_await(e)]
        waits = [n for n, e in enumerate(awaits, 1) if e[3].endswith(":4 (worker)")]  # async with sem
        self.assertEqual(len(waits), 2, awaits)
        for ordinal in waits:
            for timing in ("at", "after"):
                status, events, output = fake_harness.run(path, {ordinal: ("throw", timing, 0)})
                self.assertEqual((status, output.strip()), (0, "done"), (ordinal, timing, events))
                self.assertIn(["S", str(ordinal)], events)
            status, events, output = fake_harness.run(path, {ordinal: ("cancel", "after", 0)})
            self.assertEqual((status, output.strip()), (0, "done"), (ordinal, events))
            self.assertIn(["E", str(ordinal)], events)

    def test_a_cancellation_wait_for_loses_is_asyncios_not_the_programs(self):
        # Before 3.12, wait_for returns the work's result when its caller is cancelled as the
        # work completes (CPython gh-86296): the fault never took effect, nothing was swallowed
        # by the program. From 3.12 (wait_for is asyncio.timeout) the cancellation propagates.
        path = program("""
            import asyncio
            async def work():
                await asyncio.sleep(1)
                return 5
            async def main():
                print("result", await asyncio.wait_for(work(), timeout=10))
            asyncio.run(main())
        """)
        status, events, output = fake_harness.run(path, {1: ("cancel", "after", 0)})
        self.assertFalse(any(e[0] == "W" for e in events), events)
        if sys.version_info < (3, 12):
            self.assertEqual(status, 0, output)
            self.assertIn(["S", "1"], events)
        else:
            self.assertEqual(status, 1, output)
            self.assertNotIn(["S", "1"], events)

    def test_a_cancel_after_the_tasks_own_cancellation_resumed_it_adds_nothing(self):
        # wait_for's timeout cancels the work; a fault's cancel as that cancellation resumes
        # the work changes nothing (the timeout still reads as a timeout).
        path = program("""
            import asyncio
            async def work():
                await asyncio.sleep(1)
                return 5
            async def main():
                try:
                    print("result", await asyncio.wait_for(work(), timeout=0.5))
                except asyncio.TimeoutError:
                    print("timed out")
            asyncio.run(main())
        """)
        _, events, _ = fake_harness.run(path)
        work = next(e for e in events if fake_harness.is_await(e) and e[3].endswith("(work)"))
        ordinal = 1 + [e for e in events if fake_harness.is_await(e)].index(work)
        status, events, output = fake_harness.run(path, {ordinal: ("cancel", "after", 0)})
        self.assertEqual(status, 0, output)
        self.assertIn("timed out", output)
        self.assertIn(["S", str(ordinal)], events)

    def test_a_cancel_as_an_awaited_task_ends_cancelled_still_cancels(self):
        # Seed 001's second trap: `t.cancel(); await t` with `except CancelledError: pass`. The
        # cancelled task it awaits is not the awaiting task's own cancellation: a fault's
        # cancel at that resumption is swallowed by the program, and reported so.
        path = program("""
            import asyncio
            async def child():
                await asyncio.sleep(5)
            async def main():
                t = asyncio.create_task(child())
                await asyncio.sleep(1)
                t.cancel()
                try:
                    await t
                except asyncio.CancelledError:
                    pass
            asyncio.run(main())
        """)
        status, events, _ = fake_harness.run(path, {3: ("cancel", "after", 0)})
        self.assertIn(["E", "3"], events)
        self.assertIn(["W", "1", "Task-1"], events)

    def test_an_exit_while_the_loop_stops_after_main_is_asyncios_race_not_a_fault(self):
        # main ends in the same loop iteration as a worker's resumption: a SystemExit raised
        # there would meet asyncio.run's pending stop ("Event loop stopped before Future
        # completed", exit 1) whatever the program does, so the fault does not take effect.
        path = program("""
            import asyncio
            async def worker():
                await asyncio.sleep(1)
            async def main():
                asyncio.create_task(worker())
                await asyncio.sleep(1)
            asyncio.run(main())
        """)
        status, events, output = fake_harness.run(path, {3: ("exit", "after", 3)})
        awaits = [e for e in events if fake_harness.is_await(e)]
        self.assertEqual(len(awaits), 2, events)
        status, events, output = fake_harness.run(path, {2: ("exit", "after", 3)})
        self.assertEqual(status, 0, output)
        self.assertIn(["S", "2"], events)
        self.assertLess(events.index(["H", "main_returned", "0"]), events.index(["S", "2"]))

    def test_a_signal_handled_by_the_loop_takes_effect_when_its_handler_runs(self):
        path = program("""
            import asyncio, signal, sys
            async def main():
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: print("handled"))
                await asyncio.sleep(1)
                await asyncio.sleep(1)
            asyncio.new_event_loop().run_until_complete(main())  # no cleanup: an exit ends it at once
        """)
        status, events, output = fake_harness.run(path, {1: ("signal", "at", 15)})
        self.assertEqual(status, 0, output)
        self.assertIn("handled", output)
        self.assertIn(["E", "1"], events)
        # the exit in the same step ends the process before the handler runs: the signal never took effect
        status, events, output = fake_harness.run(path, {1: ("signal", "after", 15), 2: ("exit", "at", 3)})
        self.assertNotIn("handled", output)
        self.assertNotIn(["E", "1"], events)

    def test_a_task_created_during_asyncio_runs_cleanup_is_reported_pending(self):
        path = program("""
            import asyncio
            async def report():
                await asyncio.sleep(1)
            async def server():
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    asyncio.create_task(report())
                    raise
            async def main():
                asyncio.create_task(server())
                await asyncio.sleep(1)
            asyncio.run(main())
        """)
        status, events, output = fake_harness.run(path)
        self.assertEqual(status, 0, output)
        pending = [e for e in events if e[0] == "P"]
        self.assertEqual(len(pending), 1, events)
        self.assertEqual(pending[0][2], "Task-3")

    def test_work_posted_to_a_closed_loop_is_reported(self):
        path = program("""
            import asyncio, time
            def blocking():
                time.sleep(0.2)
            async def main():
                asyncio.get_running_loop().run_in_executor(None, blocking)
                await asyncio.sleep(0.1)
            loop = asyncio.new_event_loop()
            loop.run_until_complete(main())
            loop.close()
        """)
        status, events, output = fake_harness.run(path)
        self.assertTrue(any(e[0] == "L" for e in events), (events, output))

    def test_each_way_of_posting_to_a_closed_loop_is_reported_and_refused(self):
        path = program("""
            import asyncio
            def tick():
                pass
            async def main():
                await asyncio.sleep(0)
            loop = asyncio.new_event_loop()
            loop.run_until_complete(main())
            loop.close()
            posts = [lambda: loop.call_soon(tick), lambda: loop.call_later(1, tick), lambda: loop.call_at(5, tick),
                     lambda: loop.call_soon_threadsafe(tick), lambda: loop.create_task(main())]
            for post in posts:
                try:
                    post()
                except RuntimeError as e:
                    print("refused:", e)
        """)
        status, events, output = fake_harness.run(path)
        self.assertEqual(status, 0, output)
        self.assertEqual(output.count("refused: Event loop is closed"), 5, output)
        self.assertEqual([e for e in events if e[0] == "L"], [["L", "tick posted to a closed event loop"]] * 4)

    def test_an_executor_job_ends_before_a_later_timer_as_without_the_shim(self):
        path = program("""
            import asyncio, time
            def blocking():
                time.sleep(0.05)
                print("thread done")
            async def main():
                asyncio.get_running_loop().run_in_executor(None, blocking)
                await asyncio.sleep(1)
                print("timer done")
            asyncio.run(main())
        """)
        status, events, output = fake_harness.run(path)
        self.assertEqual(status, 0, output)
        self.assertLess(output.index("thread done"), output.index("timer done"))

    def test_waiting_for_a_threadsafe_future_whose_loop_died_is_a_deadlock_report(self):
        text = """
            import asyncio, concurrent.futures, threading
            async def f():
                await asyncio.sleep(1)
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever)
            thread.start()
            future = asyncio.run_coroutine_threadsafe(f(), loop)
            try:
                future.result(TIMEOUT)
            except concurrent.futures.TimeoutError:  # the builtin TimeoutError from 3.11 on
                print("timed out")
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
        """
        began = time.monotonic()
        status, events, output = fake_harness.run(program(text.replace("TIMEOUT", "None")), {1: ("exit", "at", 3)})
        self.assertEqual(status, 1, output)
        report = [e for e in events if e[0] == "K"]
        self.assertEqual(len(report), 1, events)
        self.assertIn("run_coroutine_threadsafe", report[0][1])
        # with a timeout, the wait ends at once: nothing can resolve the future
        status, events, output = fake_harness.run(program(text.replace("TIMEOUT", "30")), {1: ("exit", "at", 3)})
        self.assertEqual(status, 0, output)
        self.assertIn("timed out", output)
        self.assertLess(time.monotonic() - began, 20)


if __name__ == "__main__":
    unittest.main()
