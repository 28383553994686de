"""report.html: one self-contained page (inline CSS and SVG, no script, no
external reference, works offline) with the verdict, plots of executions
per second and coverage over time per target, findings per target and kind,
known vs new, the per-target table, each new finding with its commands, the
known findings and the harness errors. Every text from the results is
HTML-escaped."""

from . import report_data, svg_chart
from .libfuzzer_log import downsample
from .svg_chart import esc, fmt_duration, fmt_num

CSS = """
:root{--ok:#2e7d32;--new:#c62828;--err:#ef6c00;--ink:#1f2328;--mute:#59636e;--line:#d8dee4}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:#f6f8fa}
main{max-width:1200px;margin:0 auto;padding:0 24px 40px}
header.verdict{padding:20px 24px;color:#fff;margin-bottom:20px}
header.verdict.ok{background:var(--ok)}header.verdict.new{background:var(--new)}header.verdict.error{background:var(--err)}
header.verdict h1{margin:0 auto;max-width:1152px;font-size:24px}
header.verdict p{margin:4px auto 0;max-width:1152px;opacity:.92}
h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 16px;min-width:140px}
.card b{display:block;font-size:22px}.card span{color:var(--mute)}
.card.new b{color:var(--new)}.card.err b{color:var(--err)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:16px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px}
figure svg{width:100%;height:auto;display:block}
figcaption{color:var(--mute);font-size:12px;margin-top:4px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f0f2f4;border:1px solid var(--line);border-radius:4px;padding:8px 10px;white-space:pre-wrap;word-break:break-all;margin:4px 0 10px}
.st{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;margin:1px 2px;border:1px solid}
.st.ok{color:var(--ok);border-color:#a5d6a7;background:#e8f5e9}.st.findings{color:#8a6d00;border-color:#ffe082;background:#fff8e1}
.st.error{color:var(--new);border-color:#ef9a9a;background:#ffebee}.st.skipped{color:var(--mute);border-color:var(--line);background:#f6f8fa}
.finding{background:#fff;border:1px solid var(--line);border-left:4px solid var(--new);border-radius:6px;padding:10px 16px;margin:10px 0}
.finding h3{margin:0 0 4px;font-size:15px;word-break:break-word}.finding h3 code{font-size:14px}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}
.finding dt{color:var(--mute)}.finding dd{margin:0;word-break:break-word}
.flaky{color:var(--err);font-weight:600}
.note{color:var(--mute)}
footer{color:var(--mute);font-size:12px;margin-top:32px}
"""


def _series(results, field):
    """Line-chart series of one point field for every target that has a
    series (at most 300 points each), in target order so both time charts
    give a target the same color. Leading zeros are dropped when later
    values are not zero: fork mode reports cov 0 until its first merge."""
    out = []
    for t in results["targets"]:
        if not t["series"]:
            continue
        points = [(p["t"], p[field]) for p in downsample(t["series"], 300)]
        while len(points) > 1 and not points[0][1] and any(v for _, v in points):
            points.pop(0)
        out.append({"label": t["name"], "points": points})
    return out


def _figure(svg, caption):
    """A chart in a <figure> with its caption."""
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def time_charts(results):
    """The exec/s and coverage line charts, and a note naming the targets
    that have no libFuzzer series."""
    without = [t["name"] for t in results["targets"] if not t["series"]]
    note = (f'<p class="note">No libFuzzer series (fuzzing skipped, or property and enumerate only): '
            f'{esc(", ".join(without))}.</p>') if without else ""
    rate = svg_chart.line_chart(_series(results, "exec_per_s"), "Executions per second", "exec/s",
                                empty_message="no target was fuzzed")
    cov = svg_chart.line_chart(_series(results, "cov"), "Coverage", "cov (edges)",
                               empty_message="no target was fuzzed")
    return ('<div class="charts">'
            + _figure(rate, "Average executions per second since the start of each target's fuzzing run.")
            + _figure(cov, "libFuzzer's cov: code edges reached, per target.") + "</div>" + note)


def finding_charts(results):
    """Bar charts: distinct findings per target and kind; new vs known."""
    targets = sorted({f["target"] or "job" for f in results["findings"]})
    kinds = sorted({f["kind"] for f in results["findings"]})
    by_kind, by_status = [], []
    for name in targets:
        mine = [f for f in results["findings"] if (f["target"] or "job") == name]
        by_kind.append((name, {k: sum(f["kind"] == k for f in mine) for k in kinds}))
        by_status.append((name, {s: sum(f["status"] == s for f in mine) for s in ("new", "known")}))
    kind_svg = svg_chart.hbar_chart(by_kind, kinds, "Findings per target and kind", "distinct findings",
                                    empty_message="no findings")
    status_svg = svg_chart.hbar_chart(by_status, ["new", "known"], "New vs known findings",
                                      "distinct findings", colors=["#c62828", "#9e9e9e"],
                                      empty_message="no findings")
    return ('<div class="charts">'
            + _figure(kind_svg, "Distinct findings (one per signature), by kind.")
            + _figure(status_svg, "New findings fail the job; known ones are counted and listed.")
            + "</div>")


def _badge(check, status):
    """A check's status as a small colored badge."""
    return f'<span class="st {esc(status)}" title="{esc(check)}: {esc(status)}">{esc(check)}</span>'


def targets_table(results):
    """The per-target table as HTML."""
    rows = []
    for r in report_data.target_rows(results):
        checks = "".join(_badge(c, s) for c, s in r["checks"]) or '<span class="note">none</span>'
        new = f'<b style="color:var(--new)">{r["new"]}</b>' if r["new"] else "0"
        rows.append(f'<tr><td><b>{esc(r["name"])}</b></td><td>{checks}</td>'
                    f'<td class="n" title="{esc(r["executions"])}">{fmt_num(r["executions"])}</td>'
                    f'<td class="n">{fmt_num(r["exec_per_s"])}</td><td class="n">{fmt_num(r["cov"])}</td>'
                    f'<td class="n">{new} / {r["known"]}</td><td class="n">{fmt_duration(r["seconds"])}</td></tr>')
    return ('<table><thead><tr><th>target</th><th>checks</th><th class="n">executions</th>'
            '<th class="n">exec/s</th><th class="n">coverage</th><th class="n">findings new / known</th>'
            '<th class="n">time</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
            '<p class="note">Check badges: <span class="st ok">ok</span><span class="st findings">findings</span>'
            '<span class="st error">error</span><span class="st skipped">skipped</span></p>')


def _link(path):
    """A relative path as a link (paths with a scheme or absolute ones stay text)."""
    if not path:
        return "—"
    if ":" in path or path.startswith(("/", "\\")):
        return f"<code>{esc(path)}</code>"
    return f'<a href="{esc(path)}"><code>{esc(path)}</code></a>'


def new_findings(results):
    """One block per new finding, by target and severity: signature, details
    and commands."""
    new = report_data.by_severity(f for f in results["findings"] if f["status"] == "new")
    if not new:
        return '<p class="note">No new finding.</p>'
    out = []
    for f in new:
        flaky = ' <span class="flaky">flaky</span>' if f["flaky"] else ""
        out.append(f'<div class="finding"><h3><code>{esc(f["signature"])}</code>{flaky}</h3><dl>'
                   f'<dt>target</dt><dd>{esc(f["target"] or "job")}</dd><dt>kind</dt><dd>{esc(f["kind"])}</dd>'
                   f'<dt>severity</dt><dd><b>{esc(f["severity"])}</b> {esc(report_data.severity_detail(f))}</dd>'
                   + (f'<dt>what</dt><dd>{esc(f["what"])}</dd>' if f["what"] else "")
                   + f'<dt>seen</dt><dd>{f["count"]} time(s) in {esc(", ".join(f["sources"]) or "—")}</dd>'
                   f'<dt>reproducer</dt><dd>{_link(f["reproducer"])}</dd></dl>'
                   + (f'<div>Replay:</div><pre>{esc(f["replay"])}</pre>' if f["replay"] else "")
                   + (f'<div>Add it to the regression corpus:</div><pre>{esc(f["add_command"])}</pre>'
                      if f["add_command"] else "") + "</div>")
    return "".join(out)


def known_findings(results):
    """The known findings as a table with their counts."""
    known = report_data.by_severity(f for f in results["findings"] if f["status"] == "known")
    if not known:
        return '<p class="note">No known finding showed up.</p>'
    rows = "".join(
        f'<tr><td>{esc(f["target"] or "job")}</td><td><code>{esc(f["signature"])}</code>'
        f'{" <span class=flaky>flaky</span>" if f["flaky"] else ""}</td><td>{esc(f["severity"])}</td>'
        f'<td class="n">{f["count"]}</td>'
        f'<td>{esc(", ".join(f["sources"]) or "—")}</td><td>{_link(f["known_as"])}</td></tr>' for f in known)
    return ('<table><thead><tr><th>target</th><th>signature</th><th>severity</th><th class="n">count</th>'
            '<th>sources</th><th>known as</th></tr></thead><tbody>' + rows + "</tbody></table>")


def errors(results):
    """The harness errors (job-level, and checks that could not run)."""
    items = [(e["target"] or "job", "", e["message"]) for e in results["errors"]]
    items += [(t["name"], c["check"], c["message"] or "error") for t in results["targets"]
              for c in t["checks"] if c["status"] == "error"]
    if not items:
        return ""
    rows = "".join(f"<tr><td>{esc(t)}</td><td>{esc(c)}</td><td><pre>{esc(m)}</pre></td></tr>"
                   for t, c, m in items)
    return ('<h2 id="errors">Harness errors</h2><table><thead><tr><th>target</th><th>check</th>'
            '<th>message</th></tr></thead><tbody>' + rows + "</tbody></table>")


def _header(results):
    """The colored verdict banner with the job's facts."""
    level, text = report_data.verdict(results)
    facts = []
    if results["started"]:
        facts.append(f"started {esc(results['started'])}")
    if results["budget_s"] is not None:
        facts.append(f"budget {fmt_duration(results['budget_s'])}"
                     + (f" + triage {fmt_duration(results['triage_budget_s'])}"
                        if results["triage_budget_s"] is not None else ""))
    if results["elapsed_s"] is not None:
        facts.append(f"took {fmt_duration(results['elapsed_s'])}")
    if results["host"]:
        facts.append(f"on {esc(results['host'])}")
    if results["exit_status"] is not None:
        facts.append(f"exit status {esc(results['exit_status'])}")
    command = f"<p><code>{esc(results['command'])}</code></p>" if results["command"] else ""
    return (f'<header class="verdict {level}"><h1>mapfuzz nightly: {esc(text)}</h1>'
            f'<p>{" · ".join(facts)}</p>{command}</header>')


def _cards(results):
    """The row of headline numbers."""
    rows = report_data.target_rows(results)
    execs = sum(r["executions"] or 0 for r in rows)
    new = sum(f["status"] == "new" for f in results["findings"])
    known = len(results["findings"]) - new
    errs = len(results["errors"]) + sum(r["errors"] for r in rows)
    cards = [("", len(rows), "targets"), ("", fmt_num(execs), "fuzzing executions"),
             ("new" if new else "", new, "new findings"), ("", known, "known findings"),
             ("err" if errs else "", errs, "harness errors")]
    return '<div class="cards">' + "".join(
        f'<div class="card {c}"><b title="{esc(v)}">{esc(v)}</b><span>{esc(label)}</span></div>'
        for c, v, label in cards) + "</div>"


def render(results):
    """The whole report.html text for normalized results."""
    level, text = report_data.verdict(results)
    new = sum(f["status"] == "new" for f in results["findings"])
    body = [_header(results), "<main>", _cards(results),
            '<h2 id="time">Fuzzing over time</h2>', time_charts(results),
            '<h2 id="findings">Findings</h2>', finding_charts(results),
            '<h2 id="targets">Targets</h2>', targets_table(results),
            f'<h2 id="new">New findings ({new})</h2>', new_findings(results),
            '<h2 id="known">Known findings</h2>', known_findings(results),
            errors(results),
            "<footer>Written by mapfuzz_tools.nightly_report from the nightly job's results.json; "
            "self-contained (no script, no external resource).</footer>", "</main>"]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>mapfuzz nightly: {esc(text)}</title><style>{CSS}</style></head>"
            f'<body class="{level}">' + "\n".join(body) + "</body></html>\n")


def write(results, path):
    """Write report.html for normalized results to path (UTF-8). Raises
    OSError if the file cannot be written."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(render(results))
    return path
