"""The Python zoo under faultline-python (FAULTLINE_PYTHON_BIN; ctest sets it): every buggy
program is caught by its oracle with a shrunk schedule, every fixed twin stays clean with its
fault tree exhausted."""
import json
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("FAULTLINE_PYTHON_BIN")
ZOO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo")


def specs():
    out = []
    for name in sorted(os.listdir(ZOO)):
        if name.endswith(".json"):
            with open(os.path.join(ZOO, name), encoding="utf-8") as f:
                out.append(json.load(f))
    return out


@unittest.skipUnless(BIN, "FAULTLINE_PYTHON_BIN is not set (ctest sets it)")
class ZooTest(unittest.TestCase):
    def campaign(self, name, budget, max_faults):
        # NOTE: kept short for CI (a finding's confirmations run a fresh interpreter each): the
        # README's figures come from the whole tree to 3 faults, run by hand.
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([BIN, "run", name, "--budget", budget, "--seed", "11", "--max-faults", str(max_faults),
                                   "--report", tmp, "--replays", "1"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
            with open(os.path.join(tmp, "results.json"), encoding="utf-8") as f:
                return done, json.load(f)["scenarios"][0]

    def test_every_pair(self):
        for spec in specs():
            with self.subTest(spec["name"]):
                clean = spec.get("expect", "clean") == "clean"
                done, result = self.campaign(spec["name"], "120s", 2 if clean else 1)
                oracles = {f["oracle"] for f in result["findings"]}
                if clean:
                    self.assertEqual(done.returncode, 0, done.stdout[-3000:])
                    self.assertTrue(result["exhausted"], "the fixed twin's tree to 2 faults was not exhausted")
                else:
                    self.assertEqual(done.returncode, 1, done.stdout[-3000:])
                    self.assertIn(spec["expect"], oracles)
                    shortest = min(f["faults"] for f in result["findings"] if f["oracle"] == spec["expect"])
                    self.assertLessEqual(shortest, 2)

    def test_a_bad_spec_file_is_a_usage_error_naming_the_field(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.json")
            with open(bad, "w", encoding="utf-8") as f:
                json.dump({"name": "x", "description": "d", "program": ["x.py"], "rules": [{"when": "explode", "why": "w"}]}, f)
            for spec, message in ((bad, "'when' must be cancel, throw, exit or signal"),
                                  (os.path.join(tmp, "missing.json"), "cannot read spec file")):
                done = subprocess.run([BIN, "--spec", spec, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                self.assertEqual(done.returncode, 2)
                self.assertIn(message, done.stderr)


if __name__ == "__main__":
    unittest.main()
