"""What the traceback tests share: a script's opening with a module whose source file changes
(`changing`, `write_changing(number, mtime)`: `boom()` divides `number` by zero), and running
a script from a file (a traceback shows source lines only from files)."""
import os
import subprocess
import sys
import tempfile
import textwrap

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OPENING = textwrap.dedent("""
    import io, logging, os, re, sys, tempfile, traceback
    sys.path.insert(0, sys.argv[1])
    folder = tempfile.mkdtemp()
    sys.path.insert(0, folder)
    changing_path = os.path.join(folder, "changing.py")

    def write_changing(number, mtime):
        with open(changing_path, "w") as f:
            f.write(f"def boom():\\n    return {number} / 0\\n")
        os.utime(changing_path, (mtime, mtime))

    write_changing(1, 1_000_000)
    import changing
""")


def run_script(body):
    """Runs OPENING + `body` (with the shim's folder as argv[1]); returns the value of the repr
    it prints, or raises AssertionError with its stderr."""
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(folder, "script.py")
        with open(script, "w") as f:
            f.write(OPENING + textwrap.dedent(body))
        done = subprocess.run([sys.executable, script, PYTHON_DIR], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    if done.returncode != 0:
        raise AssertionError(f"the script failed:\n{done.stderr}")
    return eval(done.stdout)  # noqa: S307 (our own repr)
