"""The CLI under fire: bad input fails before the campaign starts, with nothing written, and a
campaign interrupted by Ctrl-C (SIGINT to its process group) or SIGTERM stops within a second or
two, writes its reports marked partial, exits 130 / 143, and never reports a false finding."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("FAULTLINE_BIN")


@unittest.skipUnless(BIN, "FAULTLINE_BIN is not set (ctest sets it)")
class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="faultline-input-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fails_with_2(self, *args):
        done = subprocess.run([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60, cwd=self.tmp)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("faultline: error:", done.stderr)
        self.assertNotIn("terminate called", done.stderr)
        return done.stderr

    def test_timeouts_and_budgets_out_of_range(self):
        self.assertIn("out of range", self.fails_with_2("replay", "cancel_await_fixed", "--schedule", "", "--timeout", "0"))
        self.fails_with_2("run", "--timeout", "99999999h", "--report", "r")
        self.fails_with_2("run", "--budget", "0", "--report", "r")
        self.fails_with_2("run", "--budget", "1e999", "--report", "r")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "r")))

    def test_a_bad_corpus_fails_before_any_run_and_writes_nothing(self):
        corpus = os.path.join(self.tmp, "corpus")
        os.mkdir(corpus)
        with open(os.path.join(corpus, "cancel_await_fixed.txt"), "w", encoding="utf-8") as f:
            f.write("garbage:zz\t-\texit-code\n")
        report = os.path.join(self.tmp, "report")
        err = self.fails_with_2("run", "--corpus", corpus, "--runs", "1", "--report", report)
        self.assertIn("line 1", err)
        self.assertFalse(os.path.exists(report))

    def test_a_corpus_path_that_is_a_file(self):
        path = os.path.join(self.tmp, "file")
        open(path, "w").close()
        self.assertIn("is a file", self.fails_with_2("run", "--corpus", path, "--runs", "1", "--report", "r"))


def marked_processes(mark):
    """The live processes whose environment holds FAULTLINE_TEST_MARK=mark."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"FAULTLINE_TEST_MARK={mark}".encode() in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass  # ended meanwhile, or not ours to read
    return found


@unittest.skipUnless(BIN, "FAULTLINE_BIN is not set (ctest sets it)")
class InterruptTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="faultline-interrupt-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def interrupt(self, signo, to_group, trial):
        report = os.path.join(self.tmp, f"r{signo}-{trial}")
        # NOTE: its own process group, as a terminal's foreground job, but this session: in a new
        # session (its own scheduler autogroup) the campaign starved this process on the 2-core
        # CI machine for up to 15 s, and the stop seemed to take that long. Its processes are
        # found afterwards by a mark in their environment.
        mark = f"{os.getpid()}-{signo}-{trial}"
        proc = subprocess.Popen([BIN, "run", "job_queue_fixed", "graceful_shutdown_fixed", "--budget", "60s", "--jobs", "2",
                                 "--seed", str(trial), "--report", report],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, process_group=0,
                                env=dict(os.environ, FAULTLINE_TEST_MARK=mark))
        time.sleep(0.7 + 0.2 * trial)
        sent = time.monotonic()
        if to_group:
            os.killpg(proc.pid, signo)  # what Ctrl-C at a terminal does
        else:
            proc.send_signal(signo)
        out, _ = proc.communicate(timeout=30)
        took = time.monotonic() - sent
        self.assertEqual(proc.returncode, 128 + signo, out)
        self.assertLess(took, 3.0, f"took {took:.1f} s to stop")
        with open(os.path.join(report, "results.json"), encoding="utf-8") as f:
            results = json.load(f)
        self.assertTrue(results["partial"])
        findings = [f for s in results["scenarios"] for f in s["findings"]]
        self.assertEqual(findings, [], "an interrupted campaign reported a finding on correct scenarios")
        # Nothing of the campaign is left running.
        self.assertEqual(marked_processes(mark), [], "processes of the campaign outlived it")

    def test_ctrl_c_to_the_process_group(self):
        for trial in range(4):
            self.interrupt(signal.SIGINT, True, trial)

    def test_sigterm(self):
        for trial in range(2):
            self.interrupt(signal.SIGTERM, False, trial)


if __name__ == "__main__":
    unittest.main()
