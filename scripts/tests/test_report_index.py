"""The morning report over nights (scripts/report_index.py) and the files the scripts write:
new / still failing / fixed between nights, entries kept or re-read, damaged runs left out,
file modes; two real nightly runs with a flaw switched off in between (needs FAULTLINE_BIN)."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SCRIPTS)

import coverage as coverage_report  # noqa: E402
import report_index  # noqa: E402
from faultline_common import current_umask, write_atomic  # noqa: E402
from test_scripts import BIN, finding, results, scenario  # noqa: E402


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def night_results(findings_by_scenario, complete=True):
    scenarios = []
    for name, findings in findings_by_scenario.items():
        s = scenario(name, 10, [{"site": "a.cpp:1 (f)", "hits": 1, "faults": {"cancel": {"injected": 1, "handled": 1, "finding": 0}}}],
                     findings)
        s["complete"] = complete
        for f in s["findings"]:
            f["bucket"] = f"{f['oracle']} | exit | cancel at a.cpp:1 (f)"
        scenarios.append(s)
    return results(0, 1, scenarios)


class NightsTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="faultline-nights-")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def night(self, run, findings_by_scenario):
        os.makedirs(os.path.join(self.root, run), exist_ok=True)
        write_atomic(os.path.join(self.root, run, "results.json"), json.dumps(night_results(findings_by_scenario)))
        time.sleep(0.01)  # nights are ordered by their results.json's mtime

    def test_new_still_and_fixed_between_nights(self):
        self.night("n1", {"a": [finding("exit-code", "1:cancel")], "b": [finding("leaked-task", "2:cancel")]})
        self.night("n2", {"a": [finding("exit-code", "1:cancel"), finding("crash", "3:throw")], "b": []})
        self.night("n3", {"a": [finding("exit-code", "1:cancel"), finding("crash", "3:throw")]})  # b did not run
        n1, n2, n3 = report_index.update(self.root)
        self.assertEqual(len(n1["new"]), 2)
        self.assertEqual([k.split(" | ")[1] for k in n2["new"]], ["crash"])
        self.assertEqual([k.split(" | ")[1] for k in n2["still"]], ["exit-code"])
        self.assertEqual([(f["scenario"], f["oracle"]) for f in n2["fixed"]], [("b", "leaked-task")])
        self.assertEqual((n3["new"], n3["fixed"]), ([], []), "a scenario that did not run fixes nothing")
        index = json.loads(read(os.path.join(self.root, "index.json")))
        self.assertEqual([n["run"] for n in index["nights"]], ["n1", "n2", "n3"])
        page = read(os.path.join(self.root, "index.html"))
        self.assertIn('href="n2/coverage/index.html"', page)
        self.assertIn("<svg", page)

    def test_a_rewritten_run_is_read_again_and_a_damaged_one_left_out(self):
        self.night("latest", {"a": [finding("exit-code", "1:cancel")]})
        report_index.update(self.root)
        self.night("latest", {"a": []})
        os.makedirs(os.path.join(self.root, "broken"))
        with open(os.path.join(self.root, "broken", "results.json"), "w", encoding="utf-8") as f:
            f.write("{not json")
        entries = report_index.update(self.root)
        self.assertEqual([(e["run"], len(e["findings"])) for e in entries], [("latest", 0)])

    def test_reports_are_written_with_the_umask_not_0600(self):
        for mask, mode in ((0o022, 0o644), (0o002, 0o664)):
            old = os.umask(mask)
            try:
                path = os.path.join(self.root, f"file-{mask:o}")
                write_atomic(path, "x")
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), mode)
            finally:
                os.umask(old)

    def test_sites_link_to_their_gcovr_source_lines(self):
        gcovr = os.path.join(self.root, "rt", "index.html")
        os.makedirs(os.path.dirname(gcovr))
        with open(gcovr, "w", encoding="utf-8") as f:  # the link rows of gcovr 5's root page
            f.write('<a href="index.service.cpp.1a2b.html">src/service.cpp</a><a href="index.x.cpp.1.html">a/x.cpp</a>'
                    '<a href="index.x.cpp.2.html">b/x.cpp</a>')
        pages = coverage_report.gcovr_pages(gcovr)
        self.assertEqual(coverage_report.source_href("service.cpp:45 (inventory::serve)", pages), "rt/index.service.cpp.1a2b.html#l45")
        self.assertIsNone(coverage_report.source_href("x.cpp:3 (f)", pages), "an ambiguous basename links nowhere")
        self.assertIsNone(coverage_report.source_href("other.cpp:3 (f)", pages))

    def test_the_night_page_marks_findings_and_fixed(self):
        self.night("n1", {"a": [finding("exit-code", "1:cancel")], "b": [finding("leaked-task", "2:cancel")]})
        self.night("n2", {"a": [finding("exit-code", "1:cancel")], "b": []})
        night = report_index.update(self.root)[-1]
        res = json.loads(read(os.path.join(self.root, "n2", "results.json")))
        page = read(coverage_report.generate(res, os.path.join(self.root, "n2", "coverage"), night=night))
        self.assertLess(page.index('id="findings"'), page.index("<h2>Coverage</h2>"), "findings come first")
        self.assertIn("still failing", page)
        self.assertIn("fixed since the previous night: b: <b>leaked-task</b>", page)


@unittest.skipUnless(BIN, "needs the built faultline CLI (FAULTLINE_BIN)")
class TwoNightsTest(unittest.TestCase):
    """Night 1 with a runtime flaw on finds its bug; night 2, the flaw off (the runtime fixed),
    shows it fixed and nothing new. Chromium renders both pages and keeps screenshots."""

    def nightly(self, root, run, *extra):
        env = {k: v for k, v in os.environ.items() if k != "FAULTLINE_BIN"}
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "nightly.py"), "--bin", BIN, "--budget", "3s", "--jobs", "1",
                               "--seed", "5", "--reports", root, "--run-id", run, "--scenario", "threadsafe_submit", *extra],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=180)
        self.assertIn(done.returncode, (0, 1), done.stdout)
        return done

    def test_a_flaw_switched_off_shows_its_finding_fixed_and_none_new(self):
        with tempfile.TemporaryDirectory() as root:
            first = self.nightly(root, "night1", "--flaw", "threadsafe_drops_exit")
            self.assertEqual(first.returncode, 1, first.stdout)
            second = self.nightly(root, "night2")
            self.assertEqual(second.returncode, 0, second.stdout)
            self.assertIn("0 new, 1 fixed since the previous night", second.stdout)
            n1, n2 = json.loads(read(os.path.join(root, "index.json")))["nights"]
            self.assertEqual(len(n1["findings"]), 1)
            self.assertEqual((n2["new"], [f["key"] for f in n2["fixed"]]), ([], [n1["findings"][0]["key"]]))
            self.assertTrue(os.path.isdir(os.path.join(root, "corpus")), "the corpus goes under the report root")
            for name in ("index.html", "index.json", "night1/summary.md", "night1/coverage/index.html"):
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode), 0o666 & ~current_umask(), name)
            self.render(root)

    def render(self, root):
        browser = shutil.which("chromium")
        self.assertIsNotNone(browser, "chromium is missing: scripts/bootstrap --with-browser installs it")
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--user-data-dir={root}/profile"]
        keep = os.path.join(os.path.dirname(SCRIPTS), "reports")
        os.makedirs(keep, exist_ok=True)
        pages = {"nights": os.path.join(root, "index.html"), "night-findings": os.path.join(root, "night1", "coverage", "index.html")}
        for name, page in pages.items():
            dom = subprocess.run([browser, *flags, "--dump-dom", "file://" + page], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, timeout=120)
            self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
            if name == "nights":
                self.assertEqual(dom.stdout.count('class="night"'), 2)
                self.assertIn('href="night1/coverage/index.html"', dom.stdout)
                self.assertIn('<li class="fixed">threadsafe_submit: hung-future</li>', dom.stdout)
            else:
                self.assertEqual(dom.stdout.count('class="finding-row"'), 1)
                self.assertIn("new</td>", dom.stdout)
                self.assertRegex(dom.stdout, r"<mark>#\d+ [^<]*&lt;== \d+\+?:", "the excerpt marks the injected fault")
                cell = dom.stdout.split('<td class="site"><a href="#', 1)[1].split('"', 1)[0]
                self.assertIn(f'id="{cell}"', dom.stdout, "the deciding fault links to its coverage cell")
                self.assertIn("data-cmd=", dom.stdout)
            shot = os.path.join(keep, f"{name}-screenshot.png")
            subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1280,1000", "file://" + page],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            self.assertGreater(os.path.getsize(shot), 10000)


if __name__ == "__main__":
    unittest.main()
