#!/usr/bin/env python3
"""Coverage report: coverage/index.html from a campaign's results.json. Self-contained (no
network): per scenario, every await site x fault kind x timing with hits, faults injected and
outcomes; cells never injected in red; totals; an SVG plot of distinct (site, fault) pairs
covered over the runs; and, with --gcovr BUILD_DIR (a build compiled with --coverage), line and
branch coverage from gcovr, linked from each site.

Either render a results.json, or run a campaign first with --bin: any faultline binary (this
repository's, or your scenarios linked with faultline::cli_main), e.g. one built with coverage
flags, then gcovr over its build directory and your sources:
  coverage.py --bin build/cov/my_fuzz --budget 2m --gcovr build/cov --source src/

Exit status: 0 ok (a campaign's findings do not change it), 2 usage error, 3 infrastructure failure.
"""
import argparse
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_io  # noqa: E402
from faultline_common import guarded, ensure_built, EXIT_OK, EXIT_USAGE, EXIT_INFRA, REPO, REPORTS, ScriptError, load_results, write_atomic  # noqa: E402

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
th.site, td.site { text-align: left; font-family: monospace; }
td.none { background: #f8d0d0; }
td.handled { background: #d8f0d8; }
td.finding { background: #f6c26b; font-weight: bold; }
.totals { font-size: 15px; }
pre.excerpt { font-size: 12px; background: #f6f6f6; padding: 4px; margin: 4px 0; }
pre.excerpt mark { background: #ffe08a; font-weight: bold; }
td.status.new { color: #b00; font-weight: bold; }
.fixed { color: #070; }
.incomplete { color: #b00; }
#findings td { text-align: left; vertical-align: top; }
:target { outline: 3px solid #2a6ebb; }
"""

SCRIPT = """<script>
function copyCommand(button) {
  navigator.clipboard.writeText(button.dataset.cmd).then(function () { button.textContent = "copied"; });
}
</script>"""


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="?", help="a results.json written by faultline run or scripts/nightly.py (or give --bin)")
    p.add_argument("--bin", default=None, metavar="PATH",
                   help="run a campaign with this faultline binary first (its report goes to --out)")
    p.add_argument("--budget", default="60s", help="with --bin: the campaign's budget (default 60s)")
    p.add_argument("--seed", type=int, default=None, help="with --bin: the campaign's seed (default: drawn and printed)")
    p.add_argument("--scenario", action="append", default=[], help="with --bin: scenario to run (repeatable; default all)")
    p.add_argument("--out", default=None,
                   help="output directory (default: coverage/ beside results.json; with --bin, reports/coverage/ "
                        "holding the campaign's report and coverage/)")
    p.add_argument("--gcovr", default=None, metavar="BUILD_DIR", help="build directory compiled with --coverage to run gcovr on")
    p.add_argument("--source", default=None, metavar="DIR",
                   help="with --gcovr: the sources to report (default: this repository's runtime_under_test/)")
    args = p.parse_args(argv)
    if (args.results is None) == (args.bin is None):
        p.error("give a results.json or --bin PATH (one of them)")
    if args.source and not args.gcovr:
        p.error("--source needs --gcovr BUILD_DIR")
    return args


def fault_columns(scenarios):
    keys = sorted({k for s in scenarios for site in s.get("coverage", []) for k in site["faults"]})
    base = ["cancel", "throw", "exit=3", "signal=TERM", "signal=INT", "signal=HUP"]
    wanted = [k + t for t in ("", "+") for k in base]
    return wanted + [k for k in keys if k not in wanted]


def svg_curve(curve, width=640, height=200):
    """A line plot of (runs, distinct pairs covered), drawn here so the page needs nothing else."""
    if not curve:
        return "<p>No fault was injected.</p>"
    max_x = max(x for x, _ in curve) or 1
    max_y = max(y for _, y in curve) or 1
    pad = 36
    points = [(pad + (width - 2 * pad) * x / max_x, height - pad - (height - 2 * pad) * y / max_y) for x, y in curve]
    path = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py) in enumerate(points))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="coverage over runs">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>'
            f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#888"/>'
            f'<path d="{path}" fill="none" stroke="#2a6ebb" stroke-width="2"/>'
            f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle" font-size="12">runs (0..{max_x})</text>'
            f'<text x="10" y="{pad - 10}" font-size="12">site x fault pairs (max {max_y})</text></svg>')


def gcovr_pages(gcovr_index):
    """Source file basename -> its gcovr page (relative to coverage/), from gcovr's index page."""
    if not gcovr_index:
        return {}
    with open(gcovr_index, encoding="utf-8", errors="replace") as f:
        links = re.findall(r'<a href="([^"#]+\.html)">([^<]+)</a>', f.read())
    pages, seen = {}, set()
    for href, name in links:
        base = os.path.basename(html.unescape(name).strip())
        pages[base] = None if base in seen else "rt/" + href  # an ambiguous basename links nowhere
        seen.add(base)
    return {k: v for k, v in pages.items() if v}


def source_href(site, pages):
    """gcovr's page and line anchor for a site ("file.cpp:12 (function)"), or None."""
    m = re.match(r"(\S+):(\d+)", site or "")
    page = pages.get(os.path.basename(m.group(1))) if m else None
    return f"{page}#l{m.group(2)}" if page else None


def site_link(site, pages):
    """The site's text, linked to its source line in gcovr's pages when there is one."""
    href = source_href(site, pages)
    return f'<a href="{html.escape(href)}">{html.escape(site)}</a>' if href else html.escape(site)


def cell_id(suite, site, column):
    """The anchor of one site x fault cell: findings link to it."""
    return "cell-" + hashlib.sha1(f"{suite}|{site}|{column}".encode("utf-8")).hexdigest()[:12]


def deciding_fault(finding):
    """(fault column, site) of the fault that decided a finding, from its bucket; (None, None) if none."""
    parts = finding.get("bucket", "").split(" | ", 2)
    if len(parts) < 3 or " at " not in parts[2]:
        return None, None
    column, site = parts[2].split(" at ", 1)
    return column, site


def excerpt_html(lines):
    """A trace excerpt with each injected fault's line marked."""
    return "<pre class=\"excerpt\">" + "\n".join(
        f"<mark>{html.escape(line)}</mark>" if "<==" in line else html.escape(line) for line in lines) + "</pre>"


def findings_table(scenarios, pages, night):
    """The page's first table: every finding, with its status since the previous night."""
    status = report_io.statuses(night) if night else {}
    rows = []
    for s in scenarios:
        suite = report_io.suite_name(s)
        for f in s.get("findings", []):
            column, site = deciding_fault(f)
            href = source_href(site, pages)
            where = "-" if not site else (
                f'<a href="#{cell_id(suite, site, column)}">{html.escape(column)} at {html.escape(site)}</a>'
                + (f' (<a href="{html.escape(href)}">source</a>)' if href else ""))
            state = status.get(report_io.finding_key(s, f), "") if night else ""
            rows.append(
                f'<tr class="finding-row"><td class="status {state.replace(" ", "-")}">{html.escape(state or "-")}</td>'
                f'<td><a href="#{html.escape(suite)}">{html.escape(suite)}</a></td><td><b>{html.escape(f["oracle"])}</b></td>'
                f'<td>{html.escape(f["explanation"])}{excerpt_html(f.get("trace_tail", []))}</td>'
                f'<td><code>{html.escape(f["schedule"])}</code></td>'
                f'<td><code class="replay">{html.escape(f["replay"])}</code> '
                f'<button type="button" data-cmd="{html.escape(f["replay"])}" onclick="copyCommand(this)">copy</button></td>'
                f'<td class="site">{where}</td></tr>')
    fixed = "".join(f'<li class="fixed">fixed since the previous night: {html.escape(f["scenario"])}: <b>{html.escape(f["oracle"])}</b> '
                    f'— {html.escape(f["explanation"])}</li>' for f in (night or {}).get("fixed", []))
    if not rows:
        return f'<h2>Findings</h2><p>No finding.</p><ul>{fixed}</ul>'
    return ('<h2>Findings</h2><table id="findings"><tr><th>since last night</th><th>scenario</th><th>oracle</th>'
            '<th>what happened (the trace around each fault, marked)</th><th>shrunk schedule</th><th>replay</th>'
            f'<th>deciding fault</th></tr>{"".join(rows)}</table><ul>{fixed}</ul>')


def attention(scenarios):
    """Incomplete scenarios and health warnings, at the top: a scenario that did not finish is not green."""
    items = [f'<li class="incomplete"><b>{html.escape(report_io.suite_name(s))}</b> did not finish its sweep '
             f'({s.get("sweep_runs")} of {s.get("sweep_planned")}+ runs): its empty cells are not clean</li>'
             for s in scenarios if not s.get("complete", True)]
    items += [f'<li class="health">{html.escape(report_io.suite_name(s))}: health warning <b>{html.escape(w["id"])}</b>: '
              f'{html.escape(w["message"])}</li>' for s in scenarios for w in s.get("health", [])]
    return f'<h2>Needs attention</h2><ul id="attention">{"".join(items)}</ul>' if items else ""


def scenario_section(s, columns, pages):
    name = "+".join([s["name"]] + s.get("flaws", []))
    rows = []
    injected_total = handled_total = finding_total = 0
    for site in s.get("coverage", []):
        cells = []
        for col in columns:
            stats = site["faults"].get(col)
            if not stats:
                cells.append('<td class="none">0</td>')
                continue
            injected_total += stats["injected"]
            handled_total += stats["handled"]
            finding_total += stats["finding"]
            cls = "finding" if stats["finding"] else "handled"
            cells.append(f'<td class="{cls}" id="{cell_id(name, site["site"], col)}" title="injected / handled / finding">'
                         f'{stats["injected"]} / {stats["handled"]} / {stats["finding"]}</td>')
        rows.append(f'<tr><td class="site">{site_link(site["site"], pages)}</td><td>{site["hits"]}</td>{"".join(cells)}</tr>')
    header = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    findings = "".join(f"<li><b>{html.escape(f['oracle'])}</b>: <code>{html.escape(f['schedule'])}</code> — "
                       f"{html.escape(f['explanation'])}<br><code>{html.escape(f['replay'])}</code>"
                       f"{excerpt_html(f.get('trace_tail', []))}</li>"
                       for f in s.get("findings", []))
    state = "" if s.get("complete", True) else ' <span class="incomplete">(did not finish)</span>'
    return (f'<section id="{html.escape(name)}"><h2>{html.escape(name)}{state}</h2>'
            f'<p>{s.get("await_points")} await points in the fault-free run; {s.get("runs")} runs '
            f'(sweep {s.get("sweep_runs")}, deeper {s.get("deeper_runs")}, random {s.get("random_runs")}); '
            f'{injected_total} faults injected, {handled_total} handled, {finding_total} in violating runs. '
            f'Fault tree: {html.escape(report_io.tree_text(s))}.</p>'
            + "".join(f'<p class="health">health warning <b>{html.escape(w["id"])}</b>: {html.escape(w["message"])}</p>'
                      for w in s.get("health", [])) +
            f'<table><tr><th class="site">await site</th><th>hits</th>{header}</tr>{"".join(rows)}</table>'
            f'{svg_curve(s.get("coverage_curve", []))}'
            f'<ul>{findings or "<li>no finding</li>"}</ul></section>')


def run_gcovr(build_dir, out_dir, source=None):
    """Line/branch coverage of `source` (default rt's) into OUT/rt/index.html; returns that path."""
    if shutil.which("gcovr") is None:
        raise ScriptError("gcovr is not installed: run scripts/bootstrap")
    if not os.path.isdir(build_dir):
        raise ScriptError(f"--gcovr {build_dir} is not a directory", EXIT_USAGE)
    root = os.path.abspath(source) if source else REPO
    if not os.path.isdir(root):
        raise ScriptError(f"--source {source} is not a directory", EXIT_USAGE)
    target = os.path.join(out_dir, "rt")
    os.makedirs(target, exist_ok=True)
    cmd = ["gcovr", "--root", root, "--filter", root if source else os.path.join(REPO, "runtime_under_test"),
           "--html-details", os.path.join(target, "index.html"), build_dir]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise ScriptError(f"gcovr failed: {done.stdout[-2000:]}")
    return os.path.join(target, "index.html")


def generate(results, out_dir, gcovr_build=None, source=None, night=None):
    """Writes OUT_DIR/index.html for `results` (a parsed results.json); returns its path. `night`
    (report_index's entry for this run) adds each finding's status since the previous night."""
    gcovr_index = run_gcovr(gcovr_build, out_dir, source) if gcovr_build else None
    pages = gcovr_pages(gcovr_index)
    scenarios = results.get("scenarios", [])
    columns = fault_columns(scenarios)
    pairs = sum(1 for s in scenarios for site in s.get("coverage", []) for _ in site["faults"])
    possible = sum(len(s.get("coverage", [])) * len(columns) for s in scenarios)
    toc = "".join(f'<li><a href="#{html.escape(n)}">{html.escape(n)}</a></li>'
                  for n in ("+".join([s["name"]] + s.get("flaws", [])) for s in scenarios))
    partial = "<p><b>partial</b>: the campaign stopped before it finished.</p>" if results.get("partial") else ""
    rt_link = '<p><a href="rt/index.html">line/branch coverage (gcovr)</a></p>' if gcovr_index else ""
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>faultline coverage</title>"
            f"<style>{STYLE}</style></head><body><h1>faultline coverage</h1>"
            f'<p class="totals">seed {results.get("seed")}: {results.get("runs")} runs, {results.get("findings")} finding(s); '
            f"{pairs} of {possible} reached site x fault cells injected.</p>{partial}{rt_link}"
            f"{findings_table(scenarios, pages, night)}{attention(scenarios)}"
            f"<h2>Coverage</h2><p>Cells: injected / handled / in a violating run. Red: never injected. Orange: a finding.</p>"
            f"<ul>{toc}</ul>{''.join(scenario_section(s, columns, pages) for s in scenarios)}{SCRIPT}</body></html>\n")
    path = os.path.join(out_dir, "index.html")
    write_atomic(path, page)
    return path


def run_campaign(args):
    """--bin: runs `BIN run` into the report directory; returns its results.json."""
    binary = ensure_built(None, binary=args.bin)
    report = os.path.abspath(args.out or os.path.join(REPORTS, "coverage"))
    cmd = [binary, "run", *args.scenario, "--budget", args.budget, "--report", report]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    print("+ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd)
    if done.returncode not in (0, 1):  # 1: findings, which the report shows
        raise ScriptError(f"'{' '.join(cmd)}' failed (exit {done.returncode})", EXIT_USAGE if done.returncode == 2 else EXIT_INFRA)
    return os.path.join(report, "results.json")


def main(argv=None):
    args = parse_args(argv)

    def steps():
        results_path = args.results or run_campaign(args)
        results = load_results(results_path)
        out = os.path.join(os.path.dirname(os.path.abspath(results_path)), "coverage") if args.bin or not args.out else args.out
        print(generate(results, out, args.gcovr, args.source))
        return EXIT_OK

    return guarded(steps)


if __name__ == "__main__":
    sys.exit(main())
