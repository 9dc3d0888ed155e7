"""Human and CI views of a results.json: summary.md and junit.xml (standard library only)."""
from xml.sax.saxutils import escape, quoteattr

ORACLES = ["exit-code", "protected-work", "hung-future", "leaked-task", "swallowed-cancel", "lost-exception", "crash"]


def suite_name(scenario):
    return "+".join([scenario["name"]] + scenario.get("flaws", []))


def tree_text(scenario):
    """'exhausted to 3 faults (2,100 schedules)', or how deep it got."""
    schedules = sum(scenario.get("tree_schedules", []))
    if scenario.get("exhausted"):
        return f"exhausted: every schedule of <= {scenario.get('exhausted_depth')} faults ({schedules:,} schedules)"
    depth = scenario.get("exhausted_depth", 0)
    return f"complete to {depth} fault(s) ({schedules:,} schedules)" if depth else f"{schedules:,} schedules"


def finding_key(scenario, finding):
    """What makes a finding the same one on another night (scenario, oracle, bucket)."""
    return f"{scenario['name']} | {finding['oracle']} | {finding.get('bucket', finding.get('explanation', ''))}"


def statuses(night):
    """finding key -> 'new' or 'still failing', from the nights index's entry for a run."""
    return {**{k: "new" for k in night.get("new", [])}, **{k: "still failing" for k in night.get("still", [])}}


def summary_markdown(results, title="faultline campaign", night=None):
    """The page a person reads in the morning. `night` (the nights index's entry for this run)
    marks each finding new or still failing and lists what was fixed since the previous night."""
    lines = [f"# {title}", ""]
    shard = results.get("shard", {})
    lines.append(f"- seed: `{results.get('seed')}`" + (f", shard {shard.get('index')}/{shard.get('count')}" if shard.get("count", 1) != 1 else ""))
    lines.append(f"- runs: {results.get('runs')} in {results.get('seconds', 0):.1f}s; findings: {results.get('findings')}")
    if results.get("partial"):
        lines.append("- **partial**: the campaign was stopped before it finished (budget or signal)")
    lines += ["", "| scenario | await points | runs (sweep / deeper / random) | complete | fault tree | findings |", "|---|---|---|---|---|---|"]
    for s in results.get("scenarios", []):
        found = ", ".join(f"`{f['oracle']}`" for f in s.get("findings", [])) or "none"
        lines.append(f"| {suite_name(s)} | {s.get('await_points')} | {s.get('runs')} ({s.get('sweep_runs')} / {s.get('deeper_runs')} / "
                     f"{s.get('random_runs')}) | {'yes' if s.get('complete') else 'no'} | {tree_text(s)} | {found} |")
    status = {}
    if night:
        status = statuses(night)
        lines += ["", f"Since the previous night: {len(night.get('new', []))} new, {len(night.get('still', []))} still failing, "
                      f"{len(night.get('fixed', []))} fixed."]
        lines += [f"- fixed: {f['scenario']}: `{f['oracle']}`: {f['explanation']}" for f in night.get("fixed", [])]
    incomplete = [s for s in results.get("scenarios", []) if not s.get("complete", True)]
    warnings = [(s, w) for s in results.get("scenarios", []) for w in s.get("health", [])]
    if warnings or incomplete:
        lines += ["", "## Needs attention", ""]
        lines += [f"- {suite_name(s)} did not finish its sweep ({s.get('sweep_runs')} of {s.get('sweep_planned')}+ runs)" for s in incomplete]
        lines += [f"- {suite_name(s)}: health warning `{w['id']}`: {w['message']}" for s, w in warnings]
    findings = [(s, f) for s in results.get("scenarios", []) for f in s.get("findings", [])]
    if findings:
        lines += ["", "## Findings", ""]
        for s, f in findings:
            state = status.get(finding_key(s, f))
            lines += [f"### {suite_name(s)}: `{f['oracle']}`" + (f" ({state})" if state else ""), "", f"{f['explanation']}", "",
                      f"- schedule: `{f['schedule']}` ({f['faults']} fault(s); found after {f['runs_until_found']} runs)",
                      f"- expected {f['expected']}, got {f['actual']}",
                      f"- replay: `{f['replay']}`"] + ([f"- replays diverged: {f['divergence']}"] if f.get("divergence") else []) + \
                     ["", "```"] + f.get("trace_tail", []) + ["```", ""]
    return "\n".join(lines) + "\n"


def junit_xml(results):
    """One testsuite per scenario x flaws, one testcase per oracle, a failure per finding."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    scenarios = results.get("scenarios", [])
    total = len(scenarios) * len(ORACLES)
    failures = sum(len(s.get("findings", [])) for s in scenarios)
    out.append(f'<testsuites name="faultline" tests="{total}" failures="{failures}" time="{results.get("seconds", 0):.3f}">')
    for s in scenarios:
        name = suite_name(s)
        out.append(f'  <testsuite name={quoteattr(name)} tests="{len(ORACLES)}" failures="{len(s.get("findings", []))}" '
                   f'time="{s.get("seconds", 0):.3f}">')
        oracles = ORACLES + sorted({f["oracle"] for f in s.get("findings", [])} - set(ORACLES))
        for oracle in oracles:
            out.append(f'    <testcase classname={quoteattr(name)} name={quoteattr(oracle)}>')
            for f in s.get("findings", []):
                if f["oracle"] == oracle:
                    message = f"{f['explanation']} | replay: {f['replay']}"
                    body = "\n".join([f"schedule: {f['schedule']}"] + f.get("trace_tail", []))
                    out.append(f'      <failure message={quoteattr(message)} type={quoteattr(oracle)}>{escape(body)}</failure>')
            out.append("    </testcase>")
        if s.get("health"):
            text = "\n".join(f"health warning {w['id']}: {w['message']}" for w in s["health"])
            out.append(f"    <system-err>{escape(text)}</system-err>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
