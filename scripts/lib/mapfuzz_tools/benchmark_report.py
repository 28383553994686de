"""The bug-finding benchmark's reports, from its results.json: a Markdown
page (BENCHMARK.md: the command, the machine and load, a table of found
fraction / median / RMST per bug and contestant, what was detected, the
false positives) and a self-contained HTML page (benchmark.html: the same
tables and a Kaplan-Meier survival plot per bug class, drawn with
svg_chart.line_chart)."""
import collections
import os

from mapfuzz_tools import benchmark_stats as stats
from mapfuzz_tools import svg_chart
from mapfuzz_tools.report_html import CSS
from mapfuzz_tools.report_markdown import cell
from mapfuzz_tools.svg_chart import esc


def _trials(results, contestant, bug):
    return [r for r in results["records"] if r["contestant"] == contestant and r["bug"] == bug]


def _label(results, r):
    """What a trial detected; a mapfuzz contestant's kind outside the planted
    bug's expected kinds (tests/targets/CMakeLists.txt) is marked with a †."""
    mapfuzz = any(c["mapfuzz"] for c in results["contestants"] if c["id"] == r["contestant"])
    odd = mapfuzz and r["bug"] != "correct" and not r.get("expected_kind", True)
    return r["kind"] + (" †" if odd else "")


def cell_stats(results, contestant, bug):
    """{found, total, median, rmst, kinds: Counter of what was detected}."""
    rs = _trials(results, contestant, bug)
    pairs = [(r["seconds"], r["found"]) for r in rs]
    found, total = stats.found_fraction(pairs)
    return {"found": found, "total": total, "median": stats.median_time(pairs),
            "rmst": stats.rmst(pairs, results["budget_s"]),
            "kinds": collections.Counter(_label(results, r) for r in rs if r["detected"])}


def _secs(v):
    return "—" if v is None else "%.1f s" % v if v < 100 else "%.0f s" % v


def cell_text(s):
    """"10/10 · 1.2 s · 1.3 s": found/total, median, RMST."""
    return "%d/%d · %s · %s" % (s["found"], s["total"], _secs(s["median"]), _secs(s["rmst"]))


def _kinds_text(counter):
    return ", ".join("%s ×%d" % (k, n) for k, n in counter.most_common()) or "nothing"


def _deterministic_note(results):
    det = [c["label"] for c in results["contestants"] if c["deterministic"]]
    return ("%s: runs once per bug, and that one result counts for every trial."
            % " and ".join(det)) if det else ""


def markdown(results):
    """BENCHMARK.md's generated part, as a string."""
    cs, budget = results["contestants"], results["budget_s"]
    out = ["Command: `%s`  " % results["command"],
           "Started %s, %.0f s in all. Machine: %s; load average %s at the end.  " % (
               results["started"], results["elapsed_s"], results["machine"], results["load_end"]),
           "%d trial(s) per (contestant, bug), seeds %d..%d, budget %g s per trial. %s" % (
               results["trials"], results["seed"], results["seed"] + results["trials"] - 1, budget,
               _deterministic_note(results)),
           ] + ["%s.  " % n for n in results.get("reports", [])] + [
           "", "Each cell: trials that found the bug / trials · median time to first detection "
           "(— when half or more missed) · restricted mean survival time (RMST, a miss counts as the budget).",
           "", "| bug | class | revealed by | " + " | ".join(cell(c["label"]) for c in cs) + " |",
           "|---|---|---|" + "---|" * len(cs)]
    for b in results["bugs"]:
        row = [cell_text(cell_stats(results, c["id"], b["name"])) for c in cs]
        out.append("| `%s` | %s | %s | %s |" % (b["name"], b["klass"], b["mode"], " | ".join(row)))
    out += ["", "**False positives on the correct library** (any report counts):", "",
            "| contestant | trials with a report | what |", "|---|---|---|"]
    for c in cs:
        s = cell_stats(results, c["id"], "correct")
        out.append("| %s | %d/%d | %s |" % (cell(c["label"]), sum(s["kinds"].values()), s["total"],
                                            cell(_kinds_text(s["kinds"]))))
    out += ["", "**What was detected** (a mapfuzz contestant's detection counts when it is a mapfuzz report; "
            "† marks a kind the planted-bug tests do not list for that bug; the baseline's any crash counts):", "",
            "| bug | contestant | detected |", "|---|---|---|"]
    for b in results["bugs"]:
        for c in cs:
            k = cell_stats(results, c["id"], b["name"])["kinds"]
            if k:
                out.append("| `%s` | %s | %s |" % (b["name"], cell(c["label"]), cell(_kinds_text(k))))
    if results["problems"] or results.get("notes"):
        out += ["", "**Exit status %d:**" % results["exit_status"], ""]
        out += ["- " + cell(p) for p in results["problems"] + results.get("notes", [])]
    return "\n".join(out) + "\n"


def text_summary(results):
    """The table for the console: one line per bug, a column per contestant."""
    cs = results["contestants"]
    width = max(24, *(len(c["id"]) for c in cs))
    lines = ["%-27s" % "bug (found · median · RMST)" + "".join(" %-*s" % (width, c["id"]) for c in cs)]
    for b in [{"name": "correct"}] + results["bugs"]:
        cells = []
        for c in cs:
            s = cell_stats(results, c["id"], b["name"])
            cells.append("FP %d/%d" % (sum(s["kinds"].values()), s["total"]) if b["name"] == "correct"
                         else cell_text(s))
        lines.append("%-27s" % b["name"] + "".join(" %-*s" % (width, t) for t in cells))
    note = _deterministic_note(results)
    return "\n".join(lines + ([note] if note else []))


def survival_charts(results):
    """One Kaplan-Meier chart per bug class: each contestant's trials on all
    the bugs of that class pooled."""
    by_class = collections.OrderedDict()
    for b in results["bugs"]:
        by_class.setdefault(b["klass"], []).append(b["name"])
    budget, charts = results["budget_s"], []
    for klass, names in by_class.items():
        series = []
        for c in results["contestants"]:
            pairs = [(r["seconds"], r["found"]) for r in results["records"]
                     if r["contestant"] == c["id"] and r["bug"] in names]
            series.append({"label": c["label"], "points": stats.survival_points(pairs, budget)})
        svg = svg_chart.line_chart(series, "%s (%s)" % (klass, ", ".join(names)), "bugs not yet found (%)",
                                   x_label="time since start of trial", width=560, height=300, y_max=100)
        charts.append("<figure>%s<figcaption>Kaplan-Meier estimate over %d trial(s) of %d bug(s); lower is "
                      "better; a line that stays at 100%% never found it.</figcaption></figure>"
                      % (svg, results["trials"] * len(names), len(names)))
    return '<div class="charts">' + "".join(charts) + "</div>"


def _html_table(results):
    cs = results["contestants"]
    head = "".join("<th>%s</th>" % esc(c["label"]) for c in cs)
    rows = []
    for b in results["bugs"]:
        tds = []
        for c in cs:
            s = cell_stats(results, c["id"], b["name"])
            cls = "ok" if s["found"] == s["total"] else "findings" if s["found"] else "error"
            tds.append('<td class="n" title="%s"><span class="st %s">%s</span></td>'
                       % (esc(_kinds_text(s["kinds"])), cls, esc(cell_text(s))))
        rows.append("<tr><td><code>%s</code></td><td>%s</td><td>%s</td>%s</tr>"
                    % (esc(b["name"]), esc(b["klass"]), esc(b["mode"]), "".join(tds)))
    fp = "".join("<tr><td>%s</td><td class=\"n\">%d/%d</td><td>%s</td></tr>" % (
        esc(c["label"]), sum(s["kinds"].values()), s["total"], esc(_kinds_text(s["kinds"])))
        for c in cs for s in [cell_stats(results, c["id"], "correct")])
    return ("<table><tr><th>bug</th><th>class</th><th>revealed by</th>%s</tr>%s</table>"
            "<h2>False positives on the correct library</h2><table><tr><th>contestant</th>"
            "<th class=\"n\">trials with a report</th><th>what</th></tr>%s</table>" % (head, "".join(rows), fp))


def html(results):
    ok = results["exit_status"] == 0
    verdict = "every mapfuzz contestant found every planted bug, no false positive" if ok else \
        "; ".join(results["problems"][:4]) + (" …" if len(results["problems"]) > 4 else "")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mapfuzz bug-finding benchmark"
            "</title><style>%s</style></head><body><header class=\"verdict %s\"><h1>mapfuzz bug-finding benchmark"
            "</h1><p>%s</p></header><main><p><code>%s</code><br>%s; load average %s at the end. %d trial(s), "
            "%g s budget. %s</p><h2>Survival per bug class</h2>%s<h2>Found · median · RMST per bug</h2>"
            "<p class=\"note\">Hover a cell for what was detected.</p>%s<footer>Started %s; %.0f s in all."
            "</footer></main></body></html>\n"
            % (CSS, "ok" if ok else "new", esc(verdict), esc(results["command"]), esc(results["machine"]),
               esc(results["load_end"]), results["trials"], results["budget_s"], esc(_deterministic_note(results)),
               survival_charts(results), _html_table(results), esc(results["started"]), results["elapsed_s"]))


def write(results, out_dir):
    """Writes BENCHMARK.md and benchmark.html to out_dir; returns their paths."""
    paths = []
    for name, text in (("BENCHMARK.md", markdown(results)), ("benchmark.html", html(results))):
        path = os.path.join(out_dir, name)
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    return paths
