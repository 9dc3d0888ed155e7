"""python3 -m faultline_asyncio PROGRAM.py [ARGS...]: runs PROGRAM under faultline's shim."""
import os
import runpy
import sys

from faultline_asyncio import channel, install


def main():
    if sys.argv[1:] == ["--serve"]:
        from faultline_asyncio import server
        return server.serve()
    if len(sys.argv) < 2:
        print("usage: python3 -m faultline_asyncio PROGRAM.py [ARGS...]", file=sys.stderr)
        return 2
    program = sys.argv[1]
    if not os.path.isfile(program):
        print(f"error: {program} does not exist", file=sys.stderr)
        return 2
    sys.argv = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(program)))
    install()
    try:
        runpy.run_path(program, run_name="__main__")
    finally:
        channel.flush()  # NOTE: what the interpreter's end reports (atexit, teardown) is sent at once
        channel.queue = channel.send
    return 0


if __name__ == "__main__":
    sys.exit(main())
