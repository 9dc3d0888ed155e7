"""Shared helpers for faultline's Python scripts (standard library only)."""
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INFRA = 0, 1, 2, 3


class ScriptError(Exception):
    """An error with the exit status it should end the script with."""

    def __init__(self, message, status=EXIT_INFRA):
        super().__init__(message)
        self.status = status


SCHEMA_VERSIONS = (1, 2)  # 2 added health warnings, divergence and determinism checks


def error(message, status):
    """Prints 'error: ...' on stderr and exits with `status`."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)


def faultline_binary(preset):
    """Path of the faultline CLI for a build preset (FAULTLINE_BIN overrides)."""
    return os.environ.get("FAULTLINE_BIN") or os.path.join(REPO, "build", preset, "harness", "cli", "faultline")


def ensure_built(preset, log=print):
    """Installs what is missing (scripts/bootstrap) and builds `preset` if needed."""
    if os.environ.get("FAULTLINE_BIN"):
        return faultline_binary(preset)
    steps = [
        [os.path.join(REPO, "scripts", "bootstrap")],
        ["cmake", "--preset", preset],
        ["cmake", "--build", "--preset", preset, "--target", "faultline", "-j", str(os.cpu_count() or 2)],
    ]
    for step in steps:
        log("+ " + " ".join(step))
        done = subprocess.run(step, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            tail = "\n".join(done.stdout.splitlines()[-30:])
            raise ScriptError(f"'{' '.join(step)}' failed (exit {done.returncode}):\n{tail}")
    return faultline_binary(preset)


def write_atomic(path, text):
    """Writes `text` to `path` atomically (temp file, fsync, rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ScriptError(f"cannot write {path}: {e.strerror} (free disk space and run again)") from e


def load_results(path):
    """Reads a results.json, checking its schema version."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError as e:
        raise ScriptError(f"{path} does not exist", EXIT_USAGE) from e
    except json.JSONDecodeError as e:
        raise ScriptError(f"{path} is not valid JSON: {e}", EXIT_USAGE) from e
    if data.get("schema_version") not in SCHEMA_VERSIONS:
        raise ScriptError(f"{path} has schema_version {data.get('schema_version')}, expected one of {SCHEMA_VERSIONS}", EXIT_USAGE)
    return data


def shard_from_env(environ=None):
    """(index, count) from the variables CI engines set, or None."""
    env = os.environ if environ is None else environ
    pairs = [("GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"), ("CI_NODE_INDEX", "CI_NODE_TOTAL")]
    for index_var, total_var in pairs:
        if index_var in env and total_var in env:
            index, total = int(env[index_var]), int(env[total_var])
            # GitLab's CI_NODE_INDEX is 1-based.
            return (index - 1, total) if index_var == "CI_NODE_INDEX" else (index, total)
    if "JOB_COMPLETION_INDEX" in env:
        total = env.get("FAULTLINE_TOTAL_SHARDS") or env.get("JOB_COMPLETIONS")
        if not total:
            raise ScriptError("JOB_COMPLETION_INDEX is set but neither FAULTLINE_TOTAL_SHARDS nor JOB_COMPLETIONS is", EXIT_USAGE)
        return int(env["JOB_COMPLETION_INDEX"]), int(total)
    return None


def parse_shard(text):
    """'I/N' -> (I, N), 0 <= I < N."""
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError as e:
        raise ScriptError(f"bad shard '{text}': write it as I/N, e.g. 0/4", EXIT_USAGE) from e
    if count < 1 or not 0 <= index < count:
        raise ScriptError(f"bad shard '{text}': need 0 <= I < N", EXIT_USAGE)
    return index, count


def guarded(step):
    """Runs `step()` and returns its exit status; the one place errors become 'error: ...' on
    stderr with their status (ScriptError's, or 3 for an OSError such as a full disk)."""
    try:
        return step()
    except ScriptError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.status
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INFRA
