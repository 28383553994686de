"""Tests of mapfuzz_tools.nightly_report (and the modules it writes with:
report_data, report_junit, report_markdown, report_html, svg_chart)."""

import copy
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

from mapfuzz_tools import libfuzzer_log, nightly_report, svg_chart
from mapfuzz_tools.report_data import ResultsError

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
EVIL = "signal <script>alert('x')</script> | a & b ]]> \x01"


def series(name):
    """The points of fixtures/<name>."""
    return libfuzzer_log.parse_file(os.path.join(FIXTURES, name))["points"]


def finding(target, sig, status, count=1):
    """A finding dict as scripts/nightly writes it."""
    new = status == "new"
    return {"target": target, "signature": sig, "kind": sig.split()[0], "status": status, "count": count,
            "sources": ["fuzz"], "flaky": False, "what": "detail",
            "reproducer": f"reproducers/{target}-{count}.txt" if new else None,
            "replay": f"mapfuzz-{target} replay reproducers/{target}-{count}.txt",
            "add_command": f"cp reproducers/{target}-{count}.txt corpus/regressions/{target}/" if new else None,
            "known_as": None if new else f"corpus/regressions/{target}/x.txt"}


def sample():
    """Results with a plain-mode target, a fork-mode target with one point
    only, a property/enumerate-only target, an error, 2 new and 2 known findings."""
    fork = series("fork_tkrzw.log")
    return {"started": "2026-11-29T15:00:00Z", "budget_s": 600, "triage_budget_s": 120, "elapsed_s": 700.5,
            "host": "h", "exit_status": 1,
            "targets": [
                {"name": "reference", "series": series("plain_reference.log"),
                 "checks": [{"check": "fuzz", "status": "ok", "seconds": 31, "executions": 46583},
                            {"check": "property", "status": "ok", "seconds": 5, "seed": 42}]},
                {"name": "tkrzw", "series": fork[-1:],
                 "checks": [{"check": "fuzz", "status": "findings", "seconds": 41, "executions": 48436},
                            {"check": "triage", "status": "error", "seconds": 1, "message": "triage <died>"}]},
                {"name": "sqlite", "series": [],
                 "checks": [{"check": "fuzz", "status": "skipped", "message": "no budget"},
                            {"check": "enumerate", "status": "ok", "seconds": 2}]}],
            "findings": [finding("tkrzw", EVIL, "new", 3), finding("tkrzw", "not-atomic open", "known", 12),
                         finding("reference", "wrong-size resize", "new"),
                         finding("tkrzw", "signal read", "known", 2)]}


class ReportTest(unittest.TestCase):
    """The three reports of sample() and of edge cases."""

    def write(self, results):
        """write_reports into a fresh directory; returns {kind: text}."""
        d = tempfile.mkdtemp(prefix="nightly_report_test.")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        paths = nightly_report.write_reports(results, d)
        self.assertEqual(set(paths), {"junit", "summary", "html"})
        texts = {}
        for kind, path in paths.items():
            self.assertEqual(os.path.dirname(path), d)
            with open(path, encoding="utf-8") as f:
                texts[kind] = f.read()
        return texts

    def test_junit_failures_are_the_new_findings(self):
        root = ET.fromstring(self.write(sample())["junit"].encode())
        self.assertEqual(root.tag, "testsuites")
        suites = {s.get("name"): s for s in root.findall("testsuite")}
        self.assertEqual(set(suites), {"mapfuzz.reference", "mapfuzz.tkrzw", "mapfuzz.sqlite"})
        failures = root.findall(".//failure")
        self.assertEqual(len(failures), 2)
        self.assertEqual(root.get("failures"), "2")
        self.assertEqual(sum(int(s.get("failures")) for s in suites.values()), 2)
        self.assertEqual(len(root.findall(".//error")), 1)
        self.assertEqual(len(root.findall(".//skipped")), 1)
        evil = next(f for f in failures if "script" in f.get("message"))
        self.assertIn("<script>", evil.get("message"))  # escaped in the file, intact once parsed
        self.assertIn("reproducers/tkrzw-3.txt", evil.text)
        self.assertIn("replay", evil.text)
        names = [c.get("name") for c in suites["mapfuzz.tkrzw"].findall("testcase")]
        self.assertEqual(names[:2], ["fuzz", "triage"])
        self.assertEqual(sum(n.startswith("known finding") for n in names), 2)

    def test_html_is_self_contained_and_escaped(self):
        page = self.write(sample())["html"]
        for bad in ("http://", "https://", "src=", "<script", "<link", "@import", "url("):
            self.assertNotIn(bad, page)
        self.assertIn("&lt;script&gt;alert(", page)
        self.assertEqual(len(re.findall(r"<figure><svg", page)), 4)
        self.assertGreaterEqual(page.count("<polyline"), 2 * 1)  # reference has a line in both charts
        self.assertIn("<circle", page)  # tkrzw's single point
        self.assertIn("sqlite", page.split("No libFuzzer series")[1][:200])
        parser = html.parser.HTMLParser()
        parser.feed(page)
        parser.close()

    def test_summary_headline_tables_and_commands(self):
        md = self.write(sample())["summary"]
        self.assertTrue(md.startswith("# "))
        self.assertIn("2 new findings", md.splitlines()[0])
        tables, current = [], []
        for line in md.splitlines() + [""]:
            if line.startswith("|"):
                current.append(line)
            elif current:
                tables, current = tables + [current], []
        self.assertEqual(len(tables), 2)  # targets, known findings
        self.assertEqual([r.split("|")[1].strip() for r in tables[0][2:]], ["reference", "tkrzw", "sqlite"])
        self.assertEqual(len(tables[1]), 2 + 2)
        for table in tables:  # no cell text adds or removes a column
            self.assertEqual({r.count("|") for r in table}, {table[0].count("|")})
        evil_row = next(r for r in md.splitlines() if "alert" in r)
        self.assertNotIn("<script>", evil_row)
        self.assertIn("cp reproducers/tkrzw-3.txt corpus/regressions/tkrzw/", md)
        self.assertIn("Known findings (2", md)

    def test_severity_is_shown_and_orders_the_findings(self):
        results = sample()
        compound = finding("tkrzw", "not-atomic resize fault:fallocate,fault:ftruncate", "new", 9)
        compound.update(severity="compound", severity_text="compound (2 faults, 0 outside events, "
                        "0 disk conditions, at most 2 in one call)")
        single = finding("tkrzw", "not-atomic resize fault:mremap", "new", 1)
        single.update(severity="single", severity_text="single (1 fault, 0 outside events, "
                      "0 disk conditions, at most 1 in one call)")
        results["findings"] += [compound, single]
        texts = self.write(results)
        md, page = texts["summary"], texts["html"]
        # Within a target: single failures first, the unknown (no severity) last.
        order = [md.index(code) for code in ("fault:mremap", "fault:fallocate,fault:ftruncate", "alert")]
        self.assertEqual(order, sorted(order))
        self.assertIn("- severity: **single** (1 fault, 0 outside events, 0 disk conditions, at most 1 in one "
                      "call)", md)
        self.assertIn("- severity: **unknown**", md)
        self.assertIn("| severity |", md)
        self.assertIn("<b>compound</b> (2 faults,", page)
        self.assertLess(page.index("fault:mremap"), page.index("fault:fallocate,fault:ftruncate"))
        with self.assertRaises(ResultsError) as caught:
            nightly_report.write_reports({"findings": [dict(single, severity="grave")]}, "/nonexistent")
        self.assertTrue(str(caught.exception).startswith("findings[0].severity"))

    def test_no_findings_and_no_series(self):
        results = {"targets": [{"name": "sqlite", "checks": [{"check": "property", "status": "ok"}]}]}
        texts = self.write(results)
        self.assertIn("no new finding", texts["summary"].splitlines()[0])
        self.assertEqual(ET.fromstring(texts["junit"].encode()).get("failures"), "0")
        self.assertEqual(texts["html"].count("<svg"), 4)
        self.assertIn("no target was fuzzed", texts["html"])
        self.assertIn("no findings", texts["html"])
        self.write({})  # nothing at all still gives three valid reports

    def test_huge_numbers(self):
        results = sample()
        results["targets"][0]["checks"][0]["executions"] = 12_345_678_901_234
        for p in results["targets"][0]["series"]:
            p["cov"] *= 10**9
        texts = self.write(results)
        self.assertIn("12.3T", texts["summary"])
        self.assertIn("232G", texts["html"])

    def test_bad_results_are_refused_before_writing(self):
        for bad, where in ((["not a dict"], "results"), ({"targets": {}}, "targets"),
                           ({"targets": [{"checks": []}]}, "targets[0].name"),
                           ({"findings": [{"signature": "x", "status": "maybe"}]}, "findings[0].status"),
                           ({"targets": [{"name": "a", "checks": [{"status": "ok", "seconds": "9"}]}]},
                            "targets[0].checks[0].seconds")):
            with self.assertRaises(ResultsError) as caught:
                nightly_report.write_reports(bad, "/nonexistent/never/created")
            self.assertTrue(str(caught.exception).startswith(where), str(caught.exception))

    def test_input_is_not_modified(self):
        results = sample()
        before = copy.deepcopy(results)
        self.write(results)
        self.assertEqual(results, before)


class CommandLineTest(unittest.TestCase):
    """python3 -m mapfuzz_tools.nightly_report."""

    def run_cli(self, *args):
        """(exit status, stdout, stderr) of the command line."""
        p = subprocess.run([sys.executable, "-m", "mapfuzz_tools.nightly_report", *args],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_writes_the_reports_and_refuses_bad_input(self):
        with tempfile.TemporaryDirectory() as d:
            good, bad = os.path.join(d, "results.json"), os.path.join(d, "bad.json")
            with open(good, "w") as f:
                json.dump(sample(), f)
            with open(bad, "w") as f:
                f.write("{not json")
            code, out, _ = self.run_cli(good, os.path.join(d, "out"))
            self.assertEqual(code, 0)
            self.assertEqual(sorted(os.listdir(os.path.join(d, "out"))), ["junit.xml", "report.html", "summary.md"])
            code, _, err = self.run_cli(bad, os.path.join(d, "out2"))
            self.assertEqual(code, 2)
            self.assertIn("not valid JSON", err)
            code, _, err = self.run_cli(os.path.join(d, "missing.json"), d)
            self.assertEqual((code, "cannot read" in err), (2, True))
            self.assertEqual(self.run_cli()[0], 2)
            self.assertEqual(self.run_cli("--help")[0], 0)
            code, out, _ = self.run_cli("--demo", os.path.join(d, "demo"))
            self.assertEqual(code, 0)
            self.assertTrue(out.strip().endswith("report.html"))


class SvgChartTest(unittest.TestCase):
    """Formats and ticks of svg_chart."""

    def test_formats(self):
        self.assertEqual([svg_chart.fmt_num(v) for v in (None, 0, 950, 1500, 46583, 2.5e6, 1e15)],
                         ["—", "0", "950", "1.5k", "46.6k", "2.5M", "1000T"])
        self.assertEqual([svg_chart.fmt_duration(s) for s in (0, 59, 61, 3600, 90061)],
                         ["0s", "59s", "1m01s", "1h00m", "1d01h"])

    def test_ticks_cover_the_range(self):
        for hi in (0, 0.3, 1, 7, 232, 48436, 1e13):
            ticks = svg_chart.nice_ticks(hi)
            self.assertEqual(ticks[0], 0)
            self.assertGreaterEqual(ticks[-1], hi)
            self.assertLessEqual(len(ticks), 12)
        self.assertEqual(svg_chart.time_ticks(41), [0, 10, 20, 30, 40, 50])
        self.assertEqual(svg_chart.nice_ticks(3, integer=True), [0, 1, 2, 3])


if __name__ == "__main__":
    unittest.main()
