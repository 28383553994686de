"""summary.md, GitHub-flavoured Markdown fit for $GITHUB_STEP_SUMMARY: the
verdict as a headline, a table per target, each new finding with its
reproducer and the commands to replay it and to add it to the regression
corpus, then the known findings with their counts. Text from the results
is escaped so a signature can neither break a table nor inject HTML."""

import html

from . import report_data
from .svg_chart import fmt_duration, fmt_num

STATUS_MARK = {"ok": "✅", "findings": "⚠️", "error": "❌", "skipped": "⏭️"}
_HEAD = {"ok": "✅", "new": "❌", "error": "⚠️"}


def cell(text):
    """text for a table cell or inline prose: HTML-escaped, | and newlines
    neutralised, Markdown emphasis characters escaped."""
    s = html.escape(str(text), quote=False).replace("|", "&#124;").replace("\n", "<br>")
    for ch in "\\`*_[]":
        s = s.replace(ch, "\\" + ch)
    return s


def code(text):
    """text as inline code that survives tables: <code> with HTML escaping."""
    return "<code>" + html.escape(str(text), quote=False).replace("|", "&#124;").replace("\n", " ") + "</code>"


def fence(text, lang="sh"):
    """text in a fenced code block whose fence is longer than any backtick
    run inside it."""
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    f = "`" * max(3, longest + 1)
    return f"{f}{lang}\n{text}\n{f}"


def _meta(results):
    """The line under the headline: start, budget, elapsed, host, exit status."""
    parts = []
    if results["started"]:
        parts.append(f"started {cell(results['started'])}")
    if results["budget_s"] is not None:
        budget = f"budget {fmt_duration(results['budget_s'])}"
        if results["triage_budget_s"] is not None:
            budget += f" + triage {fmt_duration(results['triage_budget_s'])}"
        parts.append(budget)
    if results["elapsed_s"] is not None:
        parts.append(f"took {fmt_duration(results['elapsed_s'])}")
    if results["host"]:
        parts.append(f"on {cell(results['host'])}")
    if results["exit_status"] is not None:
        parts.append(f"exit status {results['exit_status']}")
    return " · ".join(parts)


def targets_table(results):
    """The per-target table as Markdown lines."""
    lines = ["| target | checks | executions | exec/s | coverage | findings new / known | time |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in report_data.target_rows(results):
        checks = " ".join(f"{c} {STATUS_MARK.get(s, s)}" for c, s in row["checks"]) or "—"
        lines.append(f"| {cell(row['name'])} | {checks} | {fmt_num(row['executions'])} | "
                     f"{fmt_num(row['exec_per_s'])} | {fmt_num(row['cov'])} | "
                     f"{'**' + str(row['new']) + '**' if row['new'] else 0} / {row['known']} | "
                     f"{fmt_duration(row['seconds'])} |")
    lines.append("")
    lines.append("checks: ✅ ok · ⚠️ findings (all judged below) · ❌ could not run · ⏭️ skipped; "
                 "coverage: libFuzzer's cov (edges reached)")
    return lines


def _new_finding(f, i):
    """The Markdown section of the i-th new finding."""
    out = [f"### {i}. {cell(f['target'] or 'job')}: {code(f['signature'])}", ""]
    if f["what"]:
        out += [cell(f["what"]), ""]
    out.append(f"- seen {f['count']} time(s) in {cell(', '.join(f['sources']) or '—')}"
               + (" — **flaky**: does not reproduce every time" if f["flaky"] else ""))
    out.append(f"- severity: **{cell(f['severity'])}** {cell(report_data.severity_detail(f))}".rstrip())
    out.append(f"- reproducer: {code(f['reproducer']) if f['reproducer'] else '—'}")
    out.append("")
    if f["replay"]:
        out += ["Replay:", "", fence(f["replay"]), ""]
    if f["add_command"]:
        out += ["Add it to the regression corpus:", "", fence(f["add_command"]), ""]
    return out


def _errors(results):
    """The harness errors (job-level and checks that could not run)."""
    out = []
    for e in results["errors"]:
        out.append(f"- {cell(e['target'] or 'job')}: {cell(e['message'])}")
    for t in results["targets"]:
        for c in t["checks"]:
            if c["status"] == "error":
                out.append(f"- {cell(t['name'])} {cell(c['check'])}: {cell(c['message'] or 'error')}")
    return (["## Harness errors", ""] + out + [""]) if out else []


def _known(results):
    """The known findings as a table with their counts."""
    known = [f for f in results["findings"] if f["status"] == "known"]
    if not known:
        return ["## Known findings", "", "none", ""]
    lines = [f"## Known findings ({len(known)}, never failures)", "",
             "| target | signature | severity | count | sources | known as |",
             "| --- | --- | --- | ---: | --- | --- |"]
    for f in report_data.by_severity(known):
        lines.append(f"| {cell(f['target'] or 'job')} | {code(f['signature'])}"
                     f"{' (flaky)' if f['flaky'] else ''} | {cell(f['severity'])} | {f['count']} | "
                     f"{cell(', '.join(f['sources']) or '—')} | {code(f['known_as']) if f['known_as'] else '—'} |")
    return lines + [""]


def render(results):
    """The whole summary.md text for normalized results."""
    level, text = report_data.verdict(results)
    out = [f"# {_HEAD[level]} mapfuzz nightly: {text}", "", _meta(results), "", "## Targets", ""]
    out += targets_table(results) + [""]
    out += _errors(results)
    new = report_data.by_severity(f for f in results["findings"] if f["status"] == "new")
    if new:
        out += [f"## New findings ({len(new)}, by target and severity)", ""]
        for i, f in enumerate(new, 1):
            out += _new_finding(f, i)
    out += _known(results)
    return "\n".join(out).rstrip() + "\n"


def write(results, path):
    """Write summary.md for normalized results to path (UTF-8). Raises
    OSError if the file cannot be written."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(render(results))
    return path
