"""Tests for faultline's Python scripts. Integration tests use the built CLI given by
FAULTLINE_BIN (ctest sets it); the browser test uses Debian's chromium."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SCRIPTS)

import coverage as coverage_report  # noqa: E402
import merge  # noqa: E402
import report_io  # noqa: E402
import repro  # noqa: E402
from faultline_common import ScriptError, shard_from_env  # noqa: E402

BIN = os.environ.get("FAULTLINE_BIN")


def scenario(name, runs, coverage, findings=()):
    return {"name": name, "flaws": [], "expected_oracle": "", "await_points": 3, "runs": runs, "corpus_runs": 0,
            "sweep_runs": runs, "sweep_planned": runs, "deeper_runs": 0, "random_runs": 0, "complete": True,
            "worker_restarts": 0, "unconfirmed": 0, "seconds": 0.1, "errors": [], "findings": list(findings),
            "coverage": coverage, "coverage_curve": [[1, 1], [runs, 2]]}


def finding(oracle, schedule):
    return {"oracle": oracle, "schedule": schedule, "faults": 1, "original_schedule": schedule, "explanation": "why",
            "expected": "exit 1", "actual": "exit 0", "replay": f"faultline replay s --schedule '{schedule}'",
            "runs_until_found": 3, "seconds_until_found": 0.01, "shrink_runs": 1, "confirmed_forked": True,
            "replays": 1, "replays_same_trace": 1, "trace_tail": ["#1 a.cpp:1 (f) [main#1]"], "file": "findings/x"}


def results(shard_index, shard_count, scenarios):
    return {"schema_version": 1, "tool": "faultline", "seed": 7, "shard": {"index": shard_index, "count": shard_count},
            "flaws": [], "partial": False, "seconds": 1.0, "runs": sum(s["runs"] for s in scenarios),
            "findings": sum(len(s["findings"]) for s in scenarios), "scenarios": scenarios}


def injected(res):
    out = {}
    for s in res["scenarios"]:
        for site in s["coverage"]:
            for k, st in site["faults"].items():
                key = (s["name"], site["site"], k)
                out[key] = out.get(key, 0) + st["injected"]
    return out


class ShardEnvTest(unittest.TestCase):
    def test_ci_engines(self):
        self.assertEqual(shard_from_env({"GTEST_SHARD_INDEX": "2", "GTEST_TOTAL_SHARDS": "4"}), (2, 4))
        self.assertEqual(shard_from_env({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "3"}), (0, 3))  # GitLab is 1-based
        self.assertEqual(shard_from_env({"JOB_COMPLETION_INDEX": "5", "FAULTLINE_TOTAL_SHARDS": "8"}), (5, 8))
        self.assertIsNone(shard_from_env({}))
        with self.assertRaises(ScriptError):
            shard_from_env({"JOB_COMPLETION_INDEX": "1"})


class MergeTest(unittest.TestCase):
    def test_sums_coverage_and_dedupes_findings(self):
        a = results(0, 2, [scenario("s", 5, [{"site": "a.cpp:1 (f)", "hits": 5, "faults": {"cancel": {"injected": 2, "handled": 2, "finding": 0}}}],
                                    [finding("exit-code", "1:throw")])])
        b = results(1, 2, [scenario("s", 4, [{"site": "a.cpp:1 (f)", "hits": 4, "faults": {"cancel": {"injected": 1, "handled": 0, "finding": 1}}}],
                                    [finding("exit-code", "1:throw"), finding("crash", "2:cancel")])])
        m = merge.merge([a, b])
        self.assertEqual(m["runs"], 9)
        self.assertEqual(m["findings"], 2)
        self.assertEqual(m["scenarios"][0]["coverage"][0]["faults"]["cancel"], {"injected": 3, "handled": 2, "finding": 1})

    def test_refuses_different_campaigns(self):
        a, b = results(0, 2, []), results(1, 2, [])
        b["seed"] = 8
        with self.assertRaises(ScriptError):
            merge.merge([a, b])

    def test_junit_is_valid_xml_with_a_failure_per_finding(self):
        r = results(0, 1, [scenario("s", 5, [], [finding("exit-code", "1:throw")])])
        root = ET.fromstring(report_io.junit_xml(r))
        self.assertEqual(len(root.findall(".//failure")), 1)
        self.assertEqual(len(root.findall(".//testcase")), len(report_io.ORACLES))  # one per scenario x oracle
        self.assertIn("faultline replay", root.find(".//failure").get("message"))


class ReproTest(unittest.TestCase):
    def test_reads_a_junit_line(self):
        line = ('<failure message="expected exit 1 | replay: faultline replay collector_buggy --schedule &apos;2:throw&apos; '
                '--flaw unretrieved_exit_zero" type="exit-code">')
        self.assertEqual(repro.replay_from_text(line), ("collector_buggy", "2:throw", ["unretrieved_exit_zero"]))

    def test_reads_a_finding_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".finding", delete=False) as f:
            f.write("scenario: job_queue_buggy\nflaws: \noracle: protected-work\nschedule: 5+:cancel\n")
        try:
            self.assertEqual(repro.replay_from_finding(f.name), ("job_queue_buggy", "5+:cancel", []))
        finally:
            os.unlink(f.name)


class CoverageTest(unittest.TestCase):
    def test_page_has_tables_totals_and_plot(self):
        r = results(0, 1, [scenario("s", 5, [{"site": "a.cpp:1 (f)", "hits": 5, "faults": {"cancel": {"injected": 2, "handled": 1, "finding": 1}}}])])
        with tempfile.TemporaryDirectory() as tmp:
            page = open(coverage_report.generate(r, tmp), encoding="utf-8").read()
        self.assertIn("<table>", page)
        self.assertIn("<svg", page)
        self.assertIn('class="none"', page)  # never-injected cells are red
        self.assertNotIn("http://", page.replace("http://www.w3.org/2000/svg", ""))  # self-contained


@unittest.skipUnless(BIN, "needs the built faultline CLI (FAULTLINE_BIN)")
class IntegrationTest(unittest.TestCase):
    def run_faultline(self, *args):
        return subprocess.run([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def test_four_shards_merged_cover_exactly_one_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            common = ["run", "graceful_shutdown_fixed", "payment_retry_buggy", "--runs", "300", "--seed", "11", "--replays", "1",
                      "--max-faults", "2"]
            self.run_faultline(*common, "--report", os.path.join(tmp, "one"))
            for i in range(4):
                self.run_faultline(*common, "--shard", f"{i}/4", "--report", os.path.join(tmp, f"s{i}"))
            status = merge.main([os.path.join(tmp, f"s{i}") for i in range(4)] + ["--out", os.path.join(tmp, "merged")])
            one = json.load(open(os.path.join(tmp, "one", "results.json")))
            merged = json.load(open(os.path.join(tmp, "merged", "results.json")))
            self.assertEqual(merged["runs"], one["runs"])
            self.assertEqual(injected(merged), injected(one))
            self.assertEqual(sorted((s["name"], f["oracle"]) for s in merged["scenarios"] for f in s["findings"]),
                             sorted((s["name"], f["oracle"]) for s in one["scenarios"] for f in s["findings"]))
            self.assertEqual(status, 1)

    def test_sigterm_midway_keeps_every_finding_and_valid_reports(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, FAULTLINE_BIN=BIN)
            cmd = [sys.executable, os.path.join(SCRIPTS, "nightly.py"), "--budget", "10m", "--jobs", "1", "--seed", "3",
                   "--reports", tmp, "--run-id", "night", "--corpus", os.path.join(tmp, "corpus"),
                   "--scenario", "collector_buggy", "--scenario", "do_not_raise_buggy", "--scenario", "graceful_shutdown_fixed",
                   "--flaw", "unretrieved_exit_zero"]
            child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            time.sleep(4)
            child.send_signal(signal.SIGTERM)
            out, _ = child.communicate(timeout=60)
            self.assertEqual(child.returncode, 1, out)
            run_dir = os.path.join(tmp, "night")
            with open(os.path.join(run_dir, "results.json"), encoding="utf-8") as f:
                res = json.load(f)
            self.assertTrue(res["partial"])
            ET.parse(os.path.join(run_dir, "junit.xml"))
            files = set(os.listdir(os.path.join(run_dir, "findings")))
            for s in res["scenarios"]:
                for f in s["findings"]:
                    self.assertIn(os.path.basename(f["file"]), files)
            self.assertGreaterEqual(len(files), 1)
            self.assertTrue(os.path.exists(os.path.join(run_dir, "summary.md")))
            self.assertTrue(os.path.exists(os.path.join(run_dir, "coverage", "index.html")))
            self.assertTrue(os.listdir(os.path.join(tmp, "corpus")))

    def test_repro_replays_a_zoo_finding_with_its_trace(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.run_faultline("run", "job_queue_buggy", "--runs", "0", "--seed", "1", "--report", tmp, "--replays", "1",
                               "--max-faults", "2")
            findings = [f for f in os.listdir(os.path.join(tmp, "findings")) if "protected-work" in f]
            self.assertTrue(findings)
            env = dict(os.environ, FAULTLINE_BIN=BIN)
            done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "repro.py"), os.path.join(tmp, "findings", findings[0]), "--times", "20"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.assertEqual(done.returncode, 1, done.stdout)
            self.assertIn("VIOLATION protected-work", done.stdout)
            self.assertIn("job_queue_buggy.cpp:", done.stdout)
            self.assertIn("same trace in 20/20 replays", done.stdout)
            # faultline replay's own flags work as they are: --finding, --trace, --timeout
            done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "repro.py"), "--finding", os.path.join(tmp, "findings", findings[0]),
                                   "--trace", "--timeout", "3s"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.assertEqual(done.returncode, 1, done.stdout)
            self.assertIn("--timeout 3s", done.stdout)
            self.assertIn("VIOLATION protected-work", done.stdout)

    def test_nightly_runs_the_binary_given_with_bin(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if k != "FAULTLINE_BIN"}  # --bin alone says which CLI
            done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "nightly.py"), "--bin", BIN, "--budget", "2s", "--jobs", "1",
                                   "--seed", "5", "--reports", tmp, "--run-id", "own", "--corpus", os.path.join(tmp, "corpus"),
                                   "--scenario", "cancel_await_fixed"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
            self.assertEqual(done.returncode, 0, done.stdout)
            self.assertNotIn("cmake", done.stdout, "--bin must not build anything")
            with open(os.path.join(tmp, "own", "results.json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f)["scenarios"][0]["name"], "cancel_await_fixed")
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "nightly.py"), "--bin", "/nonexistent"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(done.returncode, 2)
        self.assertIn("error: --bin /nonexistent", done.stderr)

    def test_coverage_runs_a_campaign_with_bin_and_renders_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if k != "FAULTLINE_BIN"}
            out = os.path.join(tmp, "cov")
            done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "coverage.py"), "--bin", BIN, "--budget", "2s",
                                   "--seed", "3", "--scenario", "do_not_raise_buggy", "--out", out],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
            self.assertEqual(done.returncode, 0, done.stdout)  # findings are the page's, not the exit status's
            with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
                results = json.load(f)
            self.assertEqual([s["name"] for s in results["scenarios"]], ["do_not_raise_buggy"])
            page = open(os.path.join(out, "coverage", "index.html"), encoding="utf-8").read()
            self.assertIn("do_not_raise_buggy", page)
            self.assertIn("swallowed-cancel", page)
        for argv, message in ((["--bin", "/nonexistent"], "error: --bin /nonexistent"),
                              ([], "give a results.json or --bin"),
                              (["x.json", "--source", "src"], "--source needs --gcovr")):
            done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "coverage.py"), *argv],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual(done.returncode, 2, argv)
            self.assertIn(message, done.stderr)

    def test_nightly_rejects_bad_input(self):
        env = dict(os.environ, FAULTLINE_BIN=BIN)
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "nightly.py"), "--shard", "5/2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(done.returncode, 2)
        self.assertIn("error: bad shard", done.stderr)


@unittest.skipUnless(BIN, "needs the built faultline CLI (FAULTLINE_BIN)")
class BrowserTest(unittest.TestCase):
    def test_coverage_page_renders_in_chromium(self):
        browser = shutil.which("chromium")
        self.assertIsNotNone(browser, "chromium is missing: scripts/bootstrap --with-browser installs it")
        reports = os.path.join(os.path.dirname(SCRIPTS), "reports")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([BIN, "run", "collector_buggy", "graceful_shutdown_buggy", "--runs", "100", "--max-faults", "2", "--seed", "1",
                            "--report", tmp, "--replays", "1"], stdout=subprocess.DEVNULL)
            page = coverage_report.generate(json.load(open(os.path.join(tmp, "results.json"))), os.path.join(tmp, "coverage"))
            flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--user-data-dir={tmp}/profile"]
            dom = subprocess.run([browser, *flags, "--dump-dom", "file://" + page], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, timeout=120)
            self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
            self.assertIn("<h1>faultline coverage</h1>", dom.stdout)
            self.assertIn("graceful_shutdown_buggy", dom.stdout)
            self.assertGreaterEqual(dom.stdout.count("<table>"), 2)
            shot = os.path.join(reports, "coverage-screenshot.png")
            os.makedirs(reports, exist_ok=True)
            subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1280,1000", "file://" + page],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            self.assertGreater(os.path.getsize(shot), 10000)


if __name__ == "__main__":
    unittest.main()
