#!/usr/bin/env python3
"""Merges shard reports into one: runs and coverage are summed, findings deduplicated by
(scenario, flaws, oracle, shrunk schedule). Writes results.json, junit.xml and summary.md.

Exit status: 0 merged with no finding, 1 merged with findings, 2 usage error, 3 infrastructure failure.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_io  # noqa: E402
from faultline_common import guarded, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ScriptError, load_results, write_atomic  # noqa: E402

SUMMED = ["runs", "corpus_runs", "sweep_runs", "sweep_planned", "deeper_runs", "random_runs", "worker_restarts", "unconfirmed",
          "determinism_checks", "watchdog_kills", "further_findings", "repeats_skipped"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", help="shard results.json files, or directories holding one")
    p.add_argument("--out", required=True, help="directory for the merged results.json, junit.xml and summary.md")
    return p.parse_args(argv)


def resolve(path):
    return os.path.join(path, "results.json") if os.path.isdir(path) else path


def merge(shards):
    """One results dict from several; raises ScriptError if they are not shards of one campaign."""
    if not shards:
        raise ScriptError("nothing to merge", EXIT_USAGE)
    seeds = {s.get("seed") for s in shards}
    if len(seeds) != 1:
        raise ScriptError(f"the inputs come from different campaigns (seeds {sorted(seeds)})", EXIT_USAGE)
    counts = {s.get("shard", {}).get("count", 1) for s in shards}
    if len(counts) != 1:
        raise ScriptError(f"the inputs split the campaign differently (shard counts {sorted(counts)})", EXIT_USAGE)
    seen = {}
    for n, s in enumerate(shards):
        index = s.get("shard", {}).get("index", 0)
        if index is None:
            raise ScriptError(f"input {n + 1} is already a merge of shards: merge the shards' own results", EXIT_USAGE)
        if index in seen:
            raise ScriptError(f"shard {index} is given twice (inputs {seen[index] + 1} and {n + 1}): its runs would count double",
                              EXIT_USAGE)
        seen[index] = n
    merged = {k: v for k, v in shards[0].items() if k not in ("scenarios",)}
    merged["shard"] = {"index": None, "count": len(shards), "merged": sorted(s.get("shard", {}).get("index", 0) for s in shards)}
    merged["partial"] = any(s.get("partial") for s in shards)
    merged["seconds"] = max(s.get("seconds", 0) for s in shards)
    by_key = {}
    order = []
    for shard in shards:
        for sc in shard.get("scenarios", []):
            key = (sc["name"], tuple(sc.get("flaws", [])))
            if key not in by_key:
                by_key[key] = {**sc, "coverage": {}, "findings": [], "coverage_curve": [], "complete": True, "await_points": sc["await_points"],
                               "health": [], "exhausted": True, "exhausted_depth": sc.get("exhausted_depth", 0), "tree_schedules": []}
                for f in SUMMED:
                    by_key[key][f] = 0
                order.append(key)
            m = by_key[key]
            for f in SUMMED:
                m[f] += sc.get(f, 0)
            m["mutation_pool"] = max(m.get("mutation_pool", 0), sc.get("mutation_pool", 0))  # each shard keeps its own
            m["complete"] = m["complete"] and sc.get("complete", True)
            m["exhausted"] = m["exhausted"] and sc.get("exhausted", False)
            m["exhausted_depth"] = min(m["exhausted_depth"], sc.get("exhausted_depth", 0))
            tree = sc.get("tree_schedules", [])
            m["tree_schedules"] = [a + b for a, b in zip(m["tree_schedules"] + [0] * len(tree), tree + [0] * len(m["tree_schedules"]))][:max(len(tree), len(m["tree_schedules"]))]
            for warning in sc.get("health", []):
                if warning not in m["health"]:
                    m["health"].append(warning)
            m["seconds"] = max(m.get("seconds", 0), sc.get("seconds", 0))
            for site in sc.get("coverage", []):
                dst = m["coverage"].setdefault(site["site"], {"site": site["site"], "hits": 0, "faults": {}})
                dst["hits"] += site["hits"]
                for k, st in site["faults"].items():
                    d = dst["faults"].setdefault(k, {"injected": 0, "handled": 0, "finding": 0})
                    for n in ("injected", "handled", "finding"):
                        d[n] += st[n]
            # One finding per bucket (schema 1 has none: oracle and schedule stand for it).
            seen = {f.get("bucket") or (f["oracle"], f["schedule"]) for f in m["findings"]}
            for f in sc.get("findings", []):
                key = f.get("bucket") or (f["oracle"], f["schedule"])
                if key not in seen:
                    m["findings"].append(f)
                    seen.add(key)
    scenarios = []
    for key in order:
        m = by_key[key]
        m["coverage"] = [m["coverage"][k] for k in sorted(m["coverage"])]
        scenarios.append(m)
    merged["scenarios"] = scenarios
    merged["runs"] = sum(s["runs"] for s in scenarios)
    merged["findings"] = sum(len(s["findings"]) for s in scenarios)
    return merged


def main(argv=None):
    args = parse_args(argv)

    def steps():
        merged = merge([load_results(resolve(p)) for p in args.inputs])
        write_atomic(os.path.join(args.out, "results.json"), json.dumps(merged, indent=2) + "\n")
        write_atomic(os.path.join(args.out, "junit.xml"), report_io.junit_xml(merged))
        write_atomic(os.path.join(args.out, "summary.md"), report_io.summary_markdown(merged, f"faultline: {len(args.inputs)} shards merged"))
        print(f"merged {len(args.inputs)} shard(s): {merged['runs']} runs, {merged['findings']} finding(s) -> {args.out}")
        return EXIT_FINDINGS if merged["findings"] else EXIT_OK

    return guarded(steps)


if __name__ == "__main__":
    sys.exit(main())
