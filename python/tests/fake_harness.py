"""A stand-in for faultline's harness on the shim's side of the await protocol: runs a program
under the shim, answers await points from a schedule {ordinal: (kind, timing, arg)}, and
returns the events and the exit status."""
import os
import subprocess
import sys

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(program, schedule=None, timeout=30):
    schedule = schedule or {}
    ev_r, ev_w = os.pipe()
    dec_r, dec_w = os.pipe()
    env = dict(os.environ, FAULTLINE_EVENTS_FD="3", FAULTLINE_DECISIONS_FD="4", PYTHONPATH=PYTHON_DIR)
    child = subprocess.Popen([sys.executable, "-m", "faultline_asyncio", program], env=env, pass_fds=(3, 4),
                             preexec_fn=lambda: (os.dup2(ev_w, 3), os.dup2(dec_r, 4)),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.close(ev_w)
    os.close(dec_r)
    events, ordinal = [], 0
    with os.fdopen(ev_r, "r") as inp, os.fdopen(dec_w, "w") as out:
        for line in inp:
            fields = line.rstrip("\n").split("\t")
            events.append(fields)
            if fields[0] == "A":
                ordinal += 1
                kind, timing, arg = schedule.get(ordinal, ("none", "at", 0))
                try:
                    out.write(f"{kind}\t{timing}\t{arg}\t{ordinal}\n")
                    out.flush()
                except BrokenPipeError:
                    break
    with child.stdout:
        output = child.stdout.read().decode(errors="replace")
    status = child.wait(timeout)
    return status, events, output


if __name__ == "__main__":
    import json
    status, events, output = run(sys.argv[1], {int(k): tuple(v) for k, v in json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}").items()})
    for e in events:
        print("\t".join(e))
    print("status", status)
    print(output[-2000:])
