"""The nightly job's reports: write_reports(results, out_dir) writes
junit.xml, summary.md and report.html from the results dict (results.json).

Results schema (version 1; every field optional unless marked):

    {"schema": 1, "started": "2026-11-29T15:00:00Z", "budget_s": 600,
     "triage_budget_s": 120, "elapsed_s": 700.5, "host": "...",
     "command": "scripts/nightly --budget 600", "exit_status": 0|1|2,
     "errors": ["job-level harness error", {"target": "x", "message": "..."}],
     "targets": [{"name": "tkrzw" (required),
                  "checks": [{"check": "fuzz"|"property"|"enumerate"|"triage",
                              "status": "ok"|"findings"|"error"|"skipped",
                              "seconds": 120.0, "message": "...", "executions": 12345,
                              "seed": 42, "log": "path"}],
                  "series": [{"t", "execs", "exec_per_s", "cov", "ft", "corpus"}]}],
     "findings": [{"target": "tkrzw", "signature": "..." (required),
                   "kind": "not-atomic", "status": "new"|"known" (required),
                   "count": 12, "sources": ["fuzz", "enumerate"], "flaky": false,
                   "what": "one-line detail", "reproducer": "reproducers/....txt",
                   "replay": "command", "add_command": "command", "known_as": "path",
                   "severity": "none"|"single"|"outside"|"multiple"|"compound"|"unknown",
                   "severity_text": "single (1 fault, 0 outside events, ...)"}]}

Series come from libfuzzer_log.parse()["points"]. Paths in the results are
shown as given; relative ones become links in report.html, so make them
relative to the output directory.

Command line: python3 -m mapfuzz_tools.nightly_report RESULTS.json OUT_DIR
(exit 0, or 2 with a message on bad input), or --demo OUT_DIR for an example.
"""

import argparse
import json
import os
import sys

from . import report_data, report_html, report_junit, report_markdown
from .report_data import ResultsError

__all__ = ["write_reports", "ResultsError", "main"]


def write_reports(results, out_dir):
    """Write junit.xml, summary.md and report.html for the results dict into
    out_dir (created if missing). Returns {"junit", "summary", "html"} ->
    path. Raises ResultsError (a ValueError) if results break the schema,
    before writing anything, and OSError if a file cannot be written."""
    normalized = report_data.normalize(results)
    os.makedirs(out_dir, exist_ok=True)
    return {"junit": report_junit.write(normalized, os.path.join(out_dir, "junit.xml")),
            "summary": report_markdown.write(normalized, os.path.join(out_dir, "summary.md")),
            "html": report_html.write(normalized, os.path.join(out_dir, "report.html"))}


def load_results(path):
    """The results dict read from a JSON file. Raises ResultsError with a
    readable message if the file is missing, unreadable or not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise ResultsError(f"cannot read {path}: {e.strerror or e}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ResultsError(f"{path} is not valid JSON: {e}") from e


def _parser():
    """The command line's argument parser."""
    p = argparse.ArgumentParser(
        prog="python3 -m mapfuzz_tools.nightly_report",
        description="Write junit.xml, summary.md and report.html (self-contained, offline) "
                    "from the nightly job's results.json.",
        epilog="Exit status: 0 reports written, 2 bad input or output directory. "
               "--demo OUT_DIR writes the reports of a made-up night (several targets, "
               "new and known findings) to check how they look; --demo-log TARGET=LOG "
               "uses a real libFuzzer log for that target's series.")
    p.add_argument("results", nargs="?", help="results.json written by scripts/nightly")
    p.add_argument("out_dir", nargs="?", help="directory for the three reports (created if missing)")
    p.add_argument("--demo", metavar="OUT_DIR", help="write example reports to OUT_DIR")
    p.add_argument("--demo-log", metavar="TARGET=LOG", action="append", default=[],
                   help="with --demo: take TARGET's series from a libFuzzer log")
    return p


def main(argv=None):
    """The command line; returns the exit status (0 written, 2 bad input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    prog = parser.prog
    try:
        if args.demo:
            from . import report_demo
            results, out_dir = report_demo.results(args.demo_log), args.demo
        elif args.results and args.out_dir:
            results, out_dir = load_results(args.results), args.out_dir
        else:
            parser.print_usage(sys.stderr)
            print(f"{prog}: needs RESULTS.json and OUT_DIR (or --demo OUT_DIR)", file=sys.stderr)
            return 2
        paths = write_reports(results, out_dir)
    except ResultsError as e:
        print(f"{prog}: bad results: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{prog}: cannot write the reports: {e}", file=sys.stderr)
        return 2
    for kind in ("junit", "summary", "html"):
        print(paths[kind])
    return 0


if __name__ == "__main__":
    sys.exit(main())
