"""The scripts on hostile input (a stdlib fuzz loop): thousands of mutated results.json, finding
files and junit lines. Each call must end with an exit status (0-3) and an 'error: ...' line
for bad input; never a traceback. FAULTLINE_FUZZ_ITERATIONS sets the count (CI runs a short loop)."""
import contextlib
import io
import json
import os
import random
import sys
import tempfile
import unittest

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SCRIPTS)
import merge  # noqa: E402
import repro  # noqa: E402
from faultline_common import ScriptError, guarded  # noqa: E402

ITERATIONS = int(os.environ.get("FAULTLINE_FUZZ_ITERATIONS", "1000"))

VALID = {
    "schema_version": 2, "tool": "faultline", "seed": 7, "shard": {"index": 0, "count": 2}, "partial": False, "seconds": 1.5,
    "runs": 10, "findings": 1,
    "scenarios": [{
        "name": "collector_buggy", "flaws": ["unretrieved_exit_zero"], "await_points": 7, "runs": 10, "sweep_runs": 8, "random_runs": 2,
        "complete": True, "exhausted": False, "exhausted_depth": 1, "tree_schedules": [0, 8], "seconds": 1.5,
        "health": [{"id": "record-limit", "message": "x"}],
        "coverage": [{"site": "a.cpp:3 (f)", "hits": 4, "faults": {"cancel": {"injected": 2, "handled": 1, "finding": 1}}}],
        "findings": [{"oracle": "exit-code", "schedule": "3:cancel", "bucket": "exit-code | x | cancel at a", "explanation": "e",
                      "replay": "faultline replay collector_buggy --schedule '3:cancel'", "expected": "exit 1", "actual": "exit 0",
                      "faults": 1, "runs_until_found": 4, "trace_tail": ["#1 a.cpp:3 (f)"]}],
    }],
}

FINDING = "scenario: collector_buggy\nflaws: unretrieved_exit_zero\noracle: exit-code\nschedule: 3:cancel\n"
JUNIT = "<failure message=\"x\">faultline replay collector_buggy --schedule '3:cancel' --flaw unretrieved_exit_zero</failure>"


def mutate_value(rng, value, depth=0):
    """A structural mutation: a field dropped, retyped, renamed or set to an edge value."""
    edge = [None, True, -1, 2**70, 1.5, float("nan"), "", "x" * 300, [], {}, [1, "a"], {"a": 1}]
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(sorted(value))
        out = dict(value)
        roll = rng.random()
        if roll < 0.2:
            del out[key]
        elif roll < 0.5 and depth < 6:
            out[key] = mutate_value(rng, value[key], depth + 1)
        elif roll < 0.6:
            out[key + "_"] = out.pop(key)
        else:
            out[key] = rng.choice(edge)
        return out
    if isinstance(value, list) and value and rng.random() < 0.8:
        out = list(value)
        i = rng.randrange(len(out))
        out[i] = mutate_value(rng, out[i], depth + 1) if rng.random() < 0.6 else rng.choice(edge)
        return out
    return rng.choice(edge)


def mutate_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        roll = rng.random()
        pos = rng.randrange(len(data) + 1)
        if roll < 0.4 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif roll < 0.7:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        else:
            del data[pos:pos + rng.randint(1, 16)]
    return bytes(data)


def quiet(call):
    """Runs `call` with stderr captured; returns (status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = call()
    return status, err.getvalue()


class FuzzScriptsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="faultline-fuzz-")
        self.rng = random.Random(20261122)

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def check_status(self, status, err, what):
        self.assertIn(status, (0, 1, 2, 3), f"{what}: status {status}")
        if status >= 2:
            self.assertTrue(err.startswith("error: "), f"{what}: {err!r}")
        self.assertNotIn("Traceback", err, what)

    def test_merge_never_tracebacks(self):
        other = dict(VALID, shard={"index": 1, "count": 2})
        good = self.write("good.json", json.dumps(other).encode())
        out = os.path.join(self.tmp, "out")
        for i in range(ITERATIONS):
            if i % 2:
                data = json.dumps(mutate_value(self.rng, VALID)).encode()
            else:
                data = mutate_bytes(self.rng, json.dumps(VALID).encode())
            bad = self.write("bad.json", data)
            status, err = quiet(lambda: merge.main([bad, good, "--out", out]))
            self.check_status(status, err, f"merge iteration {i}: {data[:200]!r}")

    def test_the_same_shard_twice_is_refused(self):
        a = self.write("a.json", json.dumps(VALID).encode())
        status, err = quiet(lambda: merge.main([a, a, "--out", os.path.join(self.tmp, "o")]))
        self.assertEqual(status, 2)
        self.assertIn("given twice", err)

    def test_repro_targets_never_traceback(self):
        for i in range(ITERATIONS):
            finding = self.write("x.finding", mutate_bytes(self.rng, FINDING.encode()))
            line = mutate_bytes(self.rng, JUNIT.encode()).decode("utf-8", "replace")
            for call in (lambda: repro.replay_from_finding(finding), lambda: repro.replay_from_text(line)):
                def step(call=call):
                    scenario, schedule, flaws = call()
                    self.assertTrue(repro.NAME.fullmatch(scenario))
                    return 0
                status, err = quiet(lambda: guarded(step))
                self.check_status(status, err, f"repro iteration {i}")


if __name__ == "__main__":
    unittest.main()
