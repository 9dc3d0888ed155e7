#!/usr/bin/env python3
"""Produces the README's bug-zoo matrix: runs the harness over every scenario and every flaw it
lists (faultline list --json) and prints a Markdown table: scenario, trap, expected oracle, what
was found, faults in the shrunk schedule, schedules and seconds until first detection.

Exit status: 0 the matrix holds, 1 a row does not (an escape or a false positive), 2 usage, 3 infrastructure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultline_common import EXIT_FINDINGS, EXIT_INFRA, EXIT_OK, ScriptError, ensure_built  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10000, help="random schedules per row after the sweep (default 10000)")
    p.add_argument("--seed", type=int, default=20261122, help="campaign seed (default 20261122)")
    p.add_argument("--budget", default="20s", help="wall-clock cap per row: the fault tree to depth 3 is not exhausted for every row (default 20s)")
    p.add_argument("--preset", default="release", help="CMake preset to build (default release)")
    p.add_argument("--bin", help="a faultline-based binary to run instead of building the CLI (e.g. build/release/faultline-asio for the Asio zoo)")
    return p.parse_args(argv)


def rows(listing):
    for s in listing["scenarios"]:
        yield s, [], s["oracle"]
        for f in s["flaws"]:
            yield s, [f["name"]], f["oracle"]


def run_row(binary, scenario, flaws, args):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [binary, "run", scenario["name"], "--runs", str(args.runs), "--seed", str(args.seed), "--report", tmp, "--replays", "20",
               "--budget", args.budget]
        for f in flaws:
            cmd += ["--flaw", f]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(tmp, "results.json"), encoding="utf-8") as f:
            return json.load(f)["scenarios"][0]


def main(argv=None):
    args = parse_args(argv)
    try:
        binary = ensure_built(args.preset, lambda m: print(m, file=sys.stderr), args.bin)
        listing = json.loads(subprocess.run([binary, "list", "--json"], stdout=subprocess.PIPE, text=True, check=True).stdout)
        print("| scenario | trap | expected | found | faults | schedules to detect | seconds to detect | replay | runs |")
        print("|---|---|---|---|---|---|---|---|---|")
        ok = True
        for scenario, flaws, oracle in rows(listing):
            res = run_row(binary, scenario, flaws, args)
            name = scenario["name"] + "".join(f" +{f}" for f in flaws)
            hit = next((f for f in res["findings"] if f["oracle"] == oracle), None) if oracle else None
            found = ", ".join(sorted({f["oracle"] for f in res["findings"]})) or "nothing"
            holds = (hit is not None and hit["faults"] <= 2) if oracle else not res["findings"]
            ok = ok and holds
            detect = (str(hit["runs_until_found"]), f"{hit['seconds_until_found']:.3f}", f"{hit['replays_same_trace']}/{hit['replays']}",
                      str(hit["faults"])) if hit else ("-", "-", "-", "-")
            print(f"| {name} | {scenario['trap']} | {oracle or 'clean'} | {found}{'' if holds else ' **(!)**'} | {detect[3]} | "
                  f"{detect[0]} | {detect[1]} | {detect[2]} | {res['runs']} |", flush=True)
        return EXIT_OK if ok else EXIT_FINDINGS
    except (ScriptError, subprocess.CalledProcessError) as e:
        print(f"error: {e}", file=sys.stderr)
        return getattr(e, "status", EXIT_INFRA)


if __name__ == "__main__":
    sys.exit(main())
