#!/usr/bin/env python3
"""Nightly fuzzing campaign: build if needed, replay the corpus, sweep, random schedules;
write reports/<run-id>/ with results.json, junit.xml, summary.md and coverage/index.html.

Exit status: 0 clean, 1 findings, 2 usage error, 3 infrastructure failure (build, disk).
"""
import argparse
import os
import secrets
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coverage as coverage_report  # noqa: E402
import report_index  # noqa: E402
import report_io  # noqa: E402
from faultline_common import (guarded, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, REPORTS, ScriptError,  # noqa: E402
                              ensure_built, load_results, parse_shard, shard_from_env, write_atomic)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", default="3m", help="wall-clock budget for the campaign, e.g. 90s, 3m, 8h (default 3m)")
    p.add_argument("--runs", type=int, default=None, help="random schedules per scenario (default: as many as the budget allows)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="scenarios explored in parallel (default: cores)")
    p.add_argument("--shard", default=None, help="run shard I/N; default from GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS, "
                   "CI_NODE_INDEX/CI_NODE_TOTAL or JOB_COMPLETION_INDEX (+FAULTLINE_TOTAL_SHARDS)")
    p.add_argument("--scenario", action="append", default=[], help="scenario to run (repeatable; default all)")
    p.add_argument("--flaw", action="append", default=[], help="runtime flaw to switch on (repeatable)")
    p.add_argument("--seed", type=int, default=None, help="campaign seed (default: drawn and printed)")
    p.add_argument("--reports", default=REPORTS, help="where run directories go (default reports/ of the checkout, or of the current directory)")
    p.add_argument("--run-id", default=None, help="run directory name (default: date-time, plus shard)")
    p.add_argument("--corpus", default=None, help="corpus directory replayed first, new findings added (default: REPORTS/corpus)")
    p.add_argument("--bin", default=None, metavar="PATH",
                   help="the faultline CLI to run: a binary of your own scenarios linked with faultline::cli_main (default: build this repository's)")
    p.add_argument("--preset", default="release", help="CMake preset to build and run (default release)")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    if args.corpus is None:
        args.corpus = os.path.join(args.reports, "corpus")
    return args


def log(message):
    print(f"nightly: {message}", flush=True)


def resolve_shard(args):
    if args.shard:
        return parse_shard(args.shard)
    return shard_from_env() or (0, 1)


def run_campaign(binary, args, run_dir, shard, seed):
    """Runs faultline; SIGTERM/SIGINT are passed on so it writes its partial reports."""
    cmd = [binary, "run", *args.scenario, "--budget", args.budget, "--jobs", str(args.jobs), "--seed", str(seed),
           "--shard", f"{shard[0]}/{shard[1]}", "--report", run_dir, "--corpus", args.corpus]
    if args.runs is not None:
        cmd += ["--runs", str(args.runs)]
    else:
        cmd += ["--runs", "1000000000"]  # the budget bounds it
    for flaw in args.flaw:
        cmd += ["--flaw", flaw]
    log("+ " + " ".join(cmd))
    child = subprocess.Popen(cmd)
    stopped = []

    def forward(signo, _frame):
        stopped.append(signo)
        child.send_signal(signo)

    old = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        status = child.wait()
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    return status, bool(stopped)


def write_views(reports, run_id, stopped):
    """summary.md and coverage/ from results.json (a stopped run marked partial), each finding
    compared with the previous night; then REPORTS/index.html and index.json over the nights."""
    run_dir = os.path.join(reports, run_id)
    results_path = os.path.join(run_dir, "results.json")
    results = load_results(results_path)
    if stopped and not results.get("partial"):
        results["partial"] = True
    entries = report_index.update(reports)
    night = next((e for e in entries if e["run"] == run_id), None)
    write_atomic(os.path.join(run_dir, "summary.md"), report_io.summary_markdown(results, "faultline nightly", night))
    coverage_report.generate(results, os.path.join(run_dir, "coverage"), night=night)
    return results, night


def main(argv=None):
    args = parse_args(argv)

    def steps():
        shard = resolve_shard(args)
        seed = args.seed if args.seed is not None else secrets.randbits(63)
        log(f"seed {seed} (rerun with --seed {seed}), shard {shard[0]}/{shard[1]}")
        run_id = args.run_id or time.strftime("%Y%m%d-%H%M%S") + (f"-shard{shard[0]}of{shard[1]}" if shard[1] > 1 else "")
        run_dir = os.path.join(args.reports, run_id)
        binary = ensure_built(args.preset, log, args.bin)
        status, stopped = run_campaign(binary, args, run_dir, shard, seed)
        if status == EXIT_USAGE:
            return EXIT_USAGE
        if status not in (EXIT_OK, EXIT_FINDINGS) and not stopped:
            raise ScriptError(f"faultline ended with status {status}; see the output above")
        results, night = write_views(args.reports, run_id, stopped)
        since = f" ({len(night['new'])} new, {len(night['fixed'])} fixed since the previous night)" if night else ""
        log(f"{results['runs']} runs, {results['findings']} finding(s){since}; open {os.path.join(run_dir, 'coverage', 'index.html')}, "
            f"{os.path.join(run_dir, 'summary.md')} and, over the nights, {os.path.join(args.reports, 'index.html')}")
        return EXIT_FINDINGS if results["findings"] else EXIT_OK

    return guarded(steps)


if __name__ == "__main__":
    sys.exit(main())
