"""A campaign's verdicts do not depend on the shell it was started from: the same campaign run
plainly, under nohup, and with SIGTERM blocked gives the same results.json (timing aside)."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

BIN = os.environ.get("FAULTLINE_BIN")
TIMING = {"seconds", "seconds_until_found"}
SCENARIOS = ["graceful_shutdown_fixed", "graceful_shutdown_buggy", "job_queue_fixed", "cancel_await_buggy"]


def without_timing(value):
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


@unittest.skipUnless(BIN, "FAULTLINE_BIN is not set (ctest sets it)")
class SignalHygieneTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="faultline-signals-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def campaign(self, name, prefix=(), preexec=None):
        report = os.path.join(self.tmp, name)
        cmd = list(prefix) + [BIN, "run", *SCENARIOS, "--runs", "150", "--max-faults", "2", "--seed", "11", "--report", report]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
                              preexec_fn=preexec, cwd=self.tmp)
        self.assertIn(done.returncode, (0, 1), done.stdout)
        with open(os.path.join(report, "results.json"), encoding="utf-8") as f:
            return without_timing(json.load(f))

    def test_nohup_and_a_blocked_sigterm_change_nothing(self):
        plain = self.campaign("plain")
        nohup = self.campaign("nohup", prefix=[shutil.which("nohup") or "nohup"])

        def block_term_ignore_hup():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
            signal.signal(signal.SIGHUP, signal.SIG_IGN)

        blocked = self.campaign("blocked", preexec=block_term_ignore_hup)
        self.assertGreater(plain["runs"], 1000)
        self.assertEqual(plain, nohup)
        self.assertEqual(plain, blocked)


if __name__ == "__main__":
    unittest.main()
