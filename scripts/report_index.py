#!/usr/bin/env python3
"""Nights over time: REPORT_ROOT/index.json and index.html across the runs in a report root
(one directory per run with a results.json). Per night: runs, findings, which are new, still
failing or fixed since the previous night, coverage, exhausted and incomplete scenarios, health
warnings; and a self-contained SVG plot of findings and coverage over the nights.

A finding is the same from night to night when its scenario, oracle and bucket (what broke, the
deciding fault and its site) are. A finding of the previous night is *fixed* when its scenario
ran again and it was not found; a scenario that did not run leaves its findings out of the
comparison. nightly.py updates the index after each run; run this script to rebuild it.

Exit status: 0 ok, 2 usage error, 3 infrastructure failure.
"""
import argparse
import contextlib
import fcntl
import html
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_io import finding_key  # noqa: E402
from faultline_common import guarded, EXIT_OK, EXIT_USAGE, ScriptError, load_results, write_atomic  # noqa: E402

INDEX_VERSION = 1


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("root", help="the report root: a directory holding one directory per run (e.g. reports/)")
    return p.parse_args(argv)


def coverage_pairs(results):
    """(site x fault pairs injected, pairs possible) over the run's scenarios."""
    columns = {k for s in results.get("scenarios", []) for site in s.get("coverage", []) for k in site["faults"]}
    injected = sum(len(site["faults"]) for s in results.get("scenarios", []) for site in s.get("coverage", []))
    possible = sum(len(s.get("coverage", [])) for s in results.get("scenarios", [])) * max(len(columns), 1)
    return injected, possible


def summarize(run, results):
    """One night's entry, without its comparison with the night before."""
    scenarios = results.get("scenarios", [])
    injected, possible = coverage_pairs(results)
    return {
        "run": run,
        "seed": results.get("seed"),
        "runs": results.get("runs"),
        "seconds": results.get("seconds"),
        "partial": bool(results.get("partial")),
        "scenarios": sorted({s["name"] for s in scenarios}),
        "exhausted": sorted({s["name"] for s in scenarios if s.get("exhausted")}),
        "incomplete": sorted({s["name"] for s in scenarios if not s.get("complete", True)}),
        "health": [{"scenario": s["name"], "id": w["id"], "message": w["message"]} for s in scenarios for w in s.get("health", [])],
        "coverage": {"injected": injected, "possible": possible},
        "findings": [{"key": finding_key(s, f), "scenario": s["name"], "flaws": s.get("flaws", []), "oracle": f["oracle"],
                      "explanation": f["explanation"], "schedule": f["schedule"], "replay": f["replay"]}
                     for s in scenarios for f in s.get("findings", [])],
    }


def compare(previous, night):
    """Fills night's new / still / fixed from the previous night (None: the first night)."""
    keys = {f["key"] for f in night["findings"]}
    before = {f["key"]: f for f in previous["findings"]} if previous else {}
    night["new"] = sorted(keys - set(before))
    night["still"] = sorted(keys & set(before))
    ran = set(night["scenarios"])
    night["fixed"] = [before[k] for k in sorted(set(before) - keys) if before[k]["scenario"] in ran]
    return night


def read_index(root):
    """The entries of ROOT/index.json, or [] when it is missing or not ours (it is rebuilt)."""
    try:
        with open(os.path.join(root, "index.json"), encoding="utf-8") as f:
            data = json.load(f)
        if data.get("index_version") == INDEX_VERSION and isinstance(data.get("nights"), list):
            return [n for n in data["nights"] if isinstance(n, dict) and isinstance(n.get("run"), str)]
    except (OSError, ValueError, AttributeError):
        pass
    return []


def run_dirs(root):
    """(mtime, name) of the run directories under ROOT that hold a results.json, oldest first."""
    found = []
    for name in os.listdir(root):
        path = os.path.join(root, name, "results.json")
        if os.path.isfile(path):
            found.append((os.stat(path).st_mtime_ns, name))
    return sorted(found)


def nights(root):
    """Every night in ROOT, oldest first, each compared with the one before. An entry of the
    index is reused while its results.json is unchanged (a rewritten reports/latest is read again)."""
    known = {n["run"]: n for n in read_index(root)}
    entries, previous = [], None
    for mtime, name in run_dirs(root):
        entry = known.get(name)
        if entry is None or entry.get("mtime_ns") != mtime:
            try:
                entry = summarize(name, load_results(os.path.join(root, name, "results.json")))
            except ScriptError as e:  # a damaged run is left out, and said so
                print(f"warning: {e}", file=sys.stderr)
                continue
            entry["mtime_ns"] = mtime
        entries.append(compare(previous, dict(entry)))
        previous = entries[-1]
    return entries


def percent(night):
    c = night["coverage"]
    return 100.0 * c["injected"] / c["possible"] if c["possible"] else 0.0


def svg_nights(entries, width=720, height=220):
    """Findings (red) and coverage % (blue) over the nights, drawn here: the page needs nothing else."""
    if not entries:
        return "<p>No night yet.</p>"
    pad, n = 40, len(entries)
    max_findings = max(len(e["findings"]) for e in entries) or 1
    x = [pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]

    def line(values, top, color, label):
        pts = [(x[i], height - pad - (height - 2 * pad) * v / top) for i, v in enumerate(values)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py) in enumerate(pts))
        dots = "".join(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"/>' for px, py in pts)
        return f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2" aria-label="{label}"/>{dots}'

    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="findings and coverage over nights">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>'
            + line([len(e["findings"]) for e in entries], max_findings, "#c0392b", "findings")
            + line([percent(e) for e in entries], 100.0, "#2a6ebb", "coverage")
            + f'<text x="{pad}" y="16" font-size="12" fill="#c0392b">findings (max {max_findings})</text>'
            f'<text x="{width - pad}" y="16" font-size="12" fill="#2a6ebb" text-anchor="end">coverage % of site x fault cells</text>'
            f'<text x="{width / 2}" y="{height - 10}" text-anchor="middle" font-size="12">nights ({n}), oldest left</text></svg>')


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; }
.new { color: #b00; font-weight: bold; }
.fixed { color: #070; }
.warn { color: #a60; }
"""


def index_html(entries):
    rows = []
    for e in reversed(entries):
        link = f'<a href="{html.escape(e["run"])}/coverage/index.html">{html.escape(e["run"])}</a>'
        fixed = "".join(f'<li class="fixed">{html.escape(f["scenario"])}: {html.escape(f["oracle"])}</li>' for f in e["fixed"])
        new = "".join(f'<li class="new">{html.escape(k)}</li>' for k in e["new"])
        health = "".join(f'<li class="warn">{html.escape(w["scenario"])}: {html.escape(w["id"])}</li>' for w in e["health"])
        rows.append(
            f'<tr class="night"><td>{link}{" <b>partial</b>" if e["partial"] else ""}</td><td class="num">{e["runs"]:,}</td>'
            f'<td class="num">{len(e["findings"])}</td><td class="num new-count">{len(e["new"])}</td>'
            f'<td class="num fixed-count">{len(e["fixed"])}</td><td class="num">{percent(e):.1f}%</td>'
            f'<td>{len(e["exhausted"])} of {len(e["scenarios"])}</td>'
            f'<td>{", ".join(html.escape(s) for s in e["incomplete"]) or "-"}</td>'
            f'<td><ul>{new}</ul></td><td><ul>{fixed}</ul></td><td><ul>{health}</ul></td></tr>')
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>faultline nights</title><style>{STYLE}</style></head>'
            f'<body><h1>faultline nights</h1>{svg_nights(entries)}'
            f'<table id="nights"><tr><th>night</th><th>runs</th><th>findings</th><th>new</th><th>fixed</th><th>coverage</th>'
            f'<th>exhausted</th><th>incomplete</th><th>new findings</th><th>fixed findings</th><th>health warnings</th></tr>'
            f'{"".join(rows)}</table></body></html>\n')


@contextlib.contextmanager
def locked(root):
    """Holds ROOT/.index.lock: shards finishing together update the index one after the other."""
    with open(os.path.join(root, ".index.lock"), "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update(root):
    """Rewrites ROOT/index.json and index.html (each atomically); returns the nights."""
    if not os.path.isdir(root):
        raise ScriptError(f"{root} is not a directory", EXIT_USAGE)
    with locked(root):
        entries = nights(root)
        write_atomic(os.path.join(root, "index.json"),
                     json.dumps({"index_version": INDEX_VERSION, "nights": entries}, indent=1) + "\n")
        write_atomic(os.path.join(root, "index.html"), index_html(entries))
    return entries


def main(argv=None):
    args = parse_args(argv)

    def steps():
        entries = update(args.root)
        print(f"{os.path.join(args.root, 'index.html')}: {len(entries)} night(s)")
        return EXIT_OK

    return guarded(steps)


if __name__ == "__main__":
    sys.exit(main())
