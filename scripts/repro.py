#!/usr/bin/env python3
"""Reproduces a failing schedule in one command: from a finding file, a line of junit.xml, or
SCENARIO --schedule TEXT (or SCENARIO --seed S, which reruns that campaign to find it again).
Rebuilds the chosen preset (debug by default, --asan for asan+ubsan), replays with the full
trace (each await site as file:line) and the oracle's explanation; --gdb starts gdb on an
in-process replay, --no-fork replays in-process without gdb. Its flags are faultline replay's
(--finding, --schedule, --flaw, --trace, --no-fork, --times, --timeout) plus the build's.

Exit status: 0 the replay is clean, 1 it violates an oracle, 2 usage error, 3 infrastructure failure.
"""
import argparse
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultline_common import guarded, EXIT_USAGE, ScriptError, ensure_built  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", help="a .finding file, a line of junit.xml (quoted), or a SCENARIO name")
    p.add_argument("--finding", default=None, metavar="FILE", help="a finding file (as faultline replay --finding)")
    p.add_argument("--schedule", default=None, help="fault schedule for SCENARIO, e.g. '12:cancel;40+:signal=TERM'")
    p.add_argument("--seed", type=int, default=None, help="rerun SCENARIO's campaign with this seed and replay what it finds")
    p.add_argument("--flaw", action="append", default=[], help="runtime flaw to switch on (repeatable)")
    p.add_argument("--bin", default=None, metavar="PATH",
                   help="the faultline CLI to run: a binary of your own scenarios linked with faultline::cli_main (default: build this repository's)")
    p.add_argument("--preset", default="debug", help="CMake preset to build (default debug)")
    p.add_argument("--asan", action="store_true", help="build and replay with the asan+ubsan preset")
    p.add_argument("--gdb", action="store_true", help="start gdb on an in-process replay (--no-fork)")
    p.add_argument("--no-fork", action="store_true", help="replay in this process, without a fork")
    p.add_argument("--times", type=int, default=1, help="replay N times and report whether the trace stays the same")
    p.add_argument("--trace", action="store_true",
                   help="print every await point of the run (always on here; accepted as faultline replay takes it)")
    p.add_argument("--timeout", default=None, metavar="DURATION", help="per-run watchdog, e.g. 5s (as faultline replay; default 5s)")
    args = p.parse_args(argv)
    if (args.target is None) == (args.finding is None):
        p.error("give a target (finding file, junit.xml line, SCENARIO) or --finding FILE, one of them")
    if args.finding:
        args.target = args.finding
    return args


def replay_from_text(text):
    """(scenario, schedule, flaws) from a 'BINARY replay ...' command found in `text`."""
    text = text.replace("&apos;", "'").replace("&quot;", '"').replace("&amp;", "&")
    # The binary in front is whatever printed it (argv[0]): faultline, build/.../faultline, a user's own.
    match = re.search(r"\S+ replay ([A-Za-z0-9_.+-]+ .+?)(?:\"|<|$)", text)
    if not match:
        raise ScriptError("no '... replay SCENARIO --schedule ...' command in the given text", EXIT_USAGE)
    try:
        words = shlex.split(match.group(1))
    except ValueError as e:
        raise ScriptError(f"the replay command cannot be split into words: {e}", EXIT_USAGE) from e
    if not words:
        raise ScriptError("the replay command names no scenario", EXIT_USAGE)
    scenario, schedule, flaws = words[0], None, []
    i = 1
    while i < len(words):
        if words[i] == "--schedule" and i + 1 < len(words):
            schedule = words[i + 1]
            i += 2
        elif words[i] == "--flaw" and i + 1 < len(words):
            flaws.append(words[i + 1])
            i += 2
        else:
            i += 1
    if schedule is None:
        raise ScriptError("the replay command has no --schedule", EXIT_USAGE)
    return checked(scenario, schedule, flaws, "the replay command")


NAME = re.compile(r"[A-Za-z0-9_.+-]{1,200}")
REPLAY_COMMAND = re.compile(r"\S+ replay \S")
SCHEDULE = re.compile(r"[0-9+:;=A-Za-z]{0,4000}")


def checked(scenario, schedule, flaws, source):
    """The replay's words, if they look like a scenario, a schedule and flaws (the CLI checks the rest)."""
    if not NAME.fullmatch(scenario):
        raise ScriptError(f"{source} names no valid scenario ({scenario[:60]!r})", EXIT_USAGE)
    if not SCHEDULE.fullmatch(schedule):
        raise ScriptError(f"{source} has a malformed schedule ({schedule[:60]!r})", EXIT_USAGE)
    for flaw in flaws:
        if not NAME.fullmatch(flaw):
            raise ScriptError(f"{source} has a malformed flaw ({flaw[:60]!r})", EXIT_USAGE)
    return scenario, schedule, flaws


def replay_from_finding(path):
    fields = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except UnicodeDecodeError as e:
        raise ScriptError(f"{path} is not UTF-8 text ({e.reason} at byte {e.start}): not a finding file", EXIT_USAGE) from e
    except FileNotFoundError as e:
        raise ScriptError(f"{path} does not exist", EXIT_USAGE) from e
    for line in lines:
        if ": " in line and not line.startswith(" "):
            key, value = line.rstrip("\n").split(": ", 1)
            fields[key] = value
        elif line.rstrip("\n") in ("schedule:", "flaws:"):
            fields[line.strip(": \n")] = ""
    if "scenario" not in fields or "schedule" not in fields:
        raise ScriptError(f"{path} is not a finding file (no scenario: / schedule: line)", EXIT_USAGE)
    flaws = [x for x in fields.get("flaws", "").split(",") if x]
    return checked(fields["scenario"], fields["schedule"], flaws, path)


def resolve_target(args, binary):
    if args.target.endswith(".finding") or (os.path.isfile(args.target) and not args.target.endswith(".xml")):
        return replay_from_finding(args.target)
    if REPLAY_COMMAND.search(args.target):
        return replay_from_text(args.target)
    if args.schedule is not None:
        return args.target, args.schedule, args.flaw
    if args.seed is not None:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [binary, "run", args.target, "--seed", str(args.seed), "--report", tmp, "--runs", "2000", "--budget", "60s"]
            cmd += [w for f in args.flaw for w in ("--flaw", f)]
            subprocess.run(cmd, stdout=subprocess.DEVNULL)
            findings = sorted(glob.glob(os.path.join(tmp, "findings", "*.finding")))
            if not findings:
                raise ScriptError(f"the campaign of {args.target} with seed {args.seed} finds nothing to replay", EXIT_USAGE)
            return replay_from_finding(findings[0])
    raise ScriptError("give a .finding file, a junit.xml line, or SCENARIO with --schedule or --seed", EXIT_USAGE)


def main(argv=None):
    args = parse_args(argv)
    if args.times < 1:
        print("error: --times must be at least 1", file=sys.stderr)
        return EXIT_USAGE

    def steps():
        preset = "asan" if args.asan else args.preset
        binary = ensure_built(preset, lambda m: print(f"repro: {m}", file=sys.stderr), args.bin)
        scenario, schedule, flaws = resolve_target(args, binary)
        cmd = [binary, "replay", scenario, "--schedule", schedule, "--trace", "--times", str(args.times)]
        for f in flaws:
            cmd += ["--flaw", f]
        if args.timeout:
            cmd += ["--timeout", args.timeout]
        if args.no_fork or args.gdb:
            cmd.append("--no-fork")
        if args.gdb:
            cmd = ["gdb", "-ex", "catch throw faultline::InjectedError", "-ex", "run", "--args"] + cmd
        print("repro: + " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
        return subprocess.call(cmd)

    return guarded(steps)


if __name__ == "__main__":
    sys.exit(main())
