"""Shared helpers for faultline's Python scripts (standard library only)."""
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# NOTE: installed (<prefix>/share/faultline/scripts) the scripts are not in a checkout: nothing
# to build, and reports go under the current directory, never into the install prefix.
IN_CHECKOUT = os.path.isfile(os.path.join(REPO, "CMakeLists.txt")) and os.path.isdir(os.path.join(REPO, "harness"))
REPORTS = os.path.join(REPO if IN_CHECKOUT else os.getcwd(), "reports")

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
    return os.environ.get("FAULTLINE_BIN") or os.path.join(REPO, "build", preset, "faultline")


def ensure_built(preset, log=print, binary=None):
    """The CLI to run: `binary` (--bin: a user's own faultline-based binary) as given, checked;
    else FAULTLINE_BIN; else installs what is missing (scripts/bootstrap) and builds `preset`."""
    if binary:
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise ScriptError(f"--bin {binary} is not an executable file", EXIT_USAGE)
        return os.path.abspath(binary)
    if os.environ.get("FAULTLINE_BIN"):
        return faultline_binary(preset)
    if not IN_CHECKOUT:
        raise ScriptError("these scripts are installed, not in a faultline checkout: nothing to build; "
                          "pass --bin PATH (your binary linked with faultline::cli_main)", EXIT_USAGE)
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


def current_umask():
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path, text):
    """Writes `text` to `path` atomically (temp file, fsync, rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        # NOTE: mkstemp creates 0600; a report is as readable as any file the user creates.
        os.fchmod(fd, 0o666 & ~current_umask())
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
    """Reads a results.json and checks every field the scripts use (ScriptError, usage, if not)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError as e:
        raise ScriptError(f"{path} does not exist", EXIT_USAGE) from e
    except IsADirectoryError as e:
        raise ScriptError(f"{path} is a directory without a results.json", EXIT_USAGE) from e
    except UnicodeDecodeError as e:
        raise ScriptError(f"{path} is not UTF-8 text: {e.reason} at byte {e.start}", EXIT_USAGE) from e
    except (json.JSONDecodeError, RecursionError) as e:
        raise ScriptError(f"{path} is not valid JSON: {e}", EXIT_USAGE) from e
    if not isinstance(data, dict) or data.get("schema_version") not in SCHEMA_VERSIONS:
        version = data.get("schema_version") if isinstance(data, dict) else None
        raise ScriptError(f"{path} has schema_version {version}, expected one of {SCHEMA_VERSIONS}", EXIT_USAGE)
    check_results(data, path)
    return data


def _expect(cond, path, where, what):
    if not cond:
        raise ScriptError(f"{path}: {where} {what} (not a faultline results.json, or a damaged one)", EXIT_USAGE)


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_results(data, path):
    """The shape of a results.json as the C++ harness writes it: types and ranges of what the
    scripts read. Raises ScriptError (usage) naming the first field that is wrong."""
    _expect(_count(data.get("seed")), path, "seed", "is missing or not a non-negative integer")
    shard = data.get("shard", {"index": 0, "count": 1})
    _expect(isinstance(shard, dict), path, "shard", "is not an object")
    count = shard.get("count", 1)
    _expect(_count(count) and count >= 1, path, "shard.count", "is not a positive integer")
    index = shard.get("index", 0)
    _expect(index is None or (_count(index) and index < count), path, "shard.index", "is not in 0..count-1")
    _expect(isinstance(data.get("partial", False), bool), path, "partial", "is not true/false")
    _expect(isinstance(data.get("seconds", 0), (int, float)) and not isinstance(data.get("seconds", 0), bool), path, "seconds", "is not a number")
    scenarios = data.get("scenarios", [])
    _expect(isinstance(scenarios, list), path, "scenarios", "is not a list")
    for i, sc in enumerate(scenarios):
        where = f"scenarios[{i}]"
        _expect(isinstance(sc, dict), path, where, "is not an object")
        _expect(isinstance(sc.get("name"), str) and sc["name"] != "", path, where + ".name", "is not a name")
        _expect(isinstance(sc.get("flaws", []), list) and all(isinstance(x, str) for x in sc.get("flaws", [])), path, where + ".flaws",
                "is not a list of names")
        for field in ("await_points", "runs", "corpus_runs", "sweep_runs", "sweep_planned", "deeper_runs", "random_runs", "worker_restarts", "mutation_pool",
                      "unconfirmed", "determinism_checks", "watchdog_kills", "further_findings", "repeats_skipped", "exhausted_depth"):
            _expect(_count(sc.get(field, 0)), path, f"{where}.{field}", "is not a non-negative integer")
        _expect("await_points" in sc, path, where, "has no await_points")
        for field in ("complete", "exhausted"):
            _expect(isinstance(sc.get(field, True), bool), path, f"{where}.{field}", "is not true/false")
        _expect(isinstance(sc.get("seconds", 0), (int, float)) and not isinstance(sc.get("seconds", 0), bool), path, where + ".seconds",
                "is not a number")
        tree = sc.get("tree_schedules", [])
        _expect(isinstance(tree, list) and all(_count(x) for x in tree), path, where + ".tree_schedules", "is not a list of counts")
        health = sc.get("health", [])
        _expect(isinstance(health, list) and all(isinstance(w, dict) and isinstance(w.get("id"), str) and isinstance(w.get("message"), str)
                                                 for w in health), path, where + ".health", "is not a list of {id, message}")
        coverage = sc.get("coverage", [])
        _expect(isinstance(coverage, list), path, where + ".coverage", "is not a list")
        for j, site in enumerate(coverage):
            w = f"{where}.coverage[{j}]"
            _expect(isinstance(site, dict) and isinstance(site.get("site"), str) and _count(site.get("hits")), path, w,
                    "is not {site, hits, faults}")
            faults = site.get("faults")
            _expect(isinstance(faults, dict), path, w + ".faults", "is missing or not an object")
            for key, st in faults.items():
                _expect(isinstance(st, dict) and all(_count(st.get(n)) for n in ("injected", "handled", "finding")), path,
                        f"{w}.faults[{key}]", "is not {injected, handled, finding}")
        findings = sc.get("findings", [])
        _expect(isinstance(findings, list), path, where + ".findings", "is not a list")
        for j, f in enumerate(findings):
            w = f"{where}.findings[{j}]"
            _expect(isinstance(f, dict), path, w, "is not an object")
            for field in ("oracle", "schedule", "explanation", "replay", "expected", "actual"):
                _expect(isinstance(f.get(field), str), path, f"{w}.{field}", "is not text")
            for field in ("bucket", "divergence"):
                _expect(isinstance(f.get(field, ""), str), path, f"{w}.{field}", "is not text")
            for field in ("faults", "runs_until_found"):
                _expect(_count(f.get(field)), path, f"{w}.{field}", "is not a non-negative integer")
            tail = f.get("trace_tail", [])
            _expect(isinstance(tail, list) and all(isinstance(x, str) for x in tail), path, w + ".trace_tail", "is not a list of lines")


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
    except UnicodeDecodeError as e:
        print(f"error: an input is not UTF-8 text ({e.reason} at byte {e.start})", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INFRA
