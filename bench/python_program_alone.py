"""Runs/s of a Python zoo program by itself: its code exec'd again and again in one warm
interpreter, sleeps made instant, no shim and no harness. The most a served run could reach;
compare with bench/python_runs_bench.sh.

Usage: python3 bench/python_program_alone.py PROGRAM.py [PROGRAM.py ...] [--runs N]
Exit: 0 measured, 2 usage (a program that does not exist or fails)."""
import argparse
import asyncio
import contextlib
import io
import os
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programs", nargs="+", help="the Python programs to time (e.g. python/zoo/collector_fixed.py)")
    parser.add_argument("--runs", type=int, default=1000, help="runs of each program (default 1000)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def make_sleeps_instant():
    real_sleep = asyncio.sleep

    async def instant(delay, result=None):
        return await real_sleep(0, result)

    asyncio.sleep = instant


def runs_per_second(program, runs):
    # NOTE: each run gets fresh globals; the program's own modules stay imported (a warm server
    # keeps the standard library only, so this is an upper bound).
    with open(program, encoding="utf-8") as f:
        code = compile(f.read(), program, "exec")
    sys.path.insert(0, os.path.dirname(os.path.abspath(program)))
    start = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(runs):
            exec(code, {"__name__": "__main__", "__file__": program})
    return runs / (time.monotonic() - start)


def main():
    args = parse_args()
    make_sleeps_instant()
    for program in args.programs:
        try:
            rate = runs_per_second(program, args.runs)
        except (OSError, SyntaxError) as e:
            print(f"error: cannot run {program}: {e}", file=sys.stderr)
            return 2
        except BaseException as e:  # noqa: B036  the program's own failure: not a figure
            print(f"error: {program} failed alone ({type(e).__name__}: {e}); only a program that ends cleanly is timed",
                  file=sys.stderr)
            return 2
        print(f"{os.path.basename(program):34} {rate:8.0f} runs/s alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
