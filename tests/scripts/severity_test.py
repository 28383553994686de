"""Tests of mapfuzz_tools.severity, and of how replay.py, triage.py and
triage_main.py carry it: a report's `severity:` line is parsed into a
Severity, groups and the summary sort by its class, and the summary says
how many findings each class has. No target needed (made-up reports and
groups)."""
import os
import unittest

from mapfuzz_tools import replay, severity, triage, triage_main

REPORT = """==mapfuzz== ERROR: not-atomic in target 'reference' (replay)
  at step 2: resize size=8192
  events: mmap→ENOMEM, ftruncate→EIO
  what: the file holds 8192 bytes, the model 4096
  why: a failed call must leave the file as it was
  signature: not-atomic resize fault:ftruncate,fault:mmap
  severity: compound (2 faults, 0 outside events, 0 disk conditions, at most 2 in one call)
  trace (3 ops, text form):
    open create size=4096
    fault call=mmap errno=ENOMEM nth=1 once
    resize size=8192
SUMMARY: mapfuzz: not-atomic at step 2 in reference
"""


def group(signature, sev, count=1, known=None):
    outcome = replay.Outcome(kind=signature.split()[0], signature=signature, what="w", severity=sev)
    g = triage.Group(signature, outcome.kind, outcome, "/x/" + signature.replace(" ", "_"), count=count,
                     sources={"fuzz"}, known=known, severity=sev)
    g.reproducer = "/r/" + signature.replace(" ", "_")
    return g


class SeverityTest(unittest.TestCase):
    def test_the_text_form_round_trips(self):
        for text in ("none (0 faults, 0 outside events, 0 disk conditions, at most 0 in one call)",
                     "single (1 fault, 0 outside events, 0 disk conditions, at most 1 in one call)",
                     "outside (0 faults, 1 outside event, 1 disk condition, at most 0 in one call)",
                     "compound (3 faults, 2 outside events, 0 disk conditions, at most 2 in one call)"):
            self.assertEqual(severity.parse(text).text, text)
        s = severity.parse("compound (3 faults, 2 outside events, 0 disk conditions, at most 2 in one call)")
        self.assertEqual((s.cls, s.faults, s.outside_events, s.disk_conditions, s.max_in_one_call),
                         ("compound", 3, 2, 0, 2))

    def test_other_text_is_no_severity(self):
        for text in ("", "grave (1 fault, 0 outside events, 0 disk conditions, at most 1 in one call)",
                     "single", "single (1 fault)"):
            self.assertIsNone(severity.parse(text), text)
        self.assertEqual(severity.class_of(None), severity.UNKNOWN)

    def test_classes_rank_from_plain_bugs_to_compound_then_unknown(self):
        ranked = sorted(["compound", "unknown", "single", "none", "multiple", "outside"], key=severity.rank)
        self.assertEqual(ranked, ["none", "single", "outside", "multiple", "compound", "unknown"])

    def test_a_replay_report_gives_its_severity(self):
        out = replay.parse_output(REPORT, 19)
        self.assertEqual(out.signature, "not-atomic resize fault:ftruncate,fault:mmap")
        self.assertEqual(out.severity, severity.Severity("compound", 2, 0, 0, 2))
        # A report without the line (older builds, a sanitizer's own report) has none.
        old = REPORT.replace(REPORT.splitlines()[6] + "\n", "")
        self.assertIsNone(replay.parse_output(old, 19).severity)

    def test_the_summary_sorts_and_counts_by_severity(self):
        single = severity.Severity("single", 1, 0, 0, 1)
        compound = severity.Severity("compound", 2, 0, 0, 2)
        known = type("Known", (), {"file": os.path.join(triage_main.ROOT, "corpus", "k.txt")})()
        result = triage.TriageResult("t", [group("not-atomic resize fault:a,fault:b", compound, count=9),
                                           group("signal write SIGSEGV", None, count=5),
                                           group("swallowed-error resize fault:c", single, count=1),
                                           group("leak end -", severity.Severity("none"), known=known),
                                           group("wrong-size resize fault:d", single, known=known)],
                                     [], [], [])
        lines = triage_main.summary_lines(result, 60, 1)
        self.assertEqual(lines[1], "   by severity: 1 none, 2 single, 1 compound, 1 unknown")
        new = [line.split()[1:3] for line in lines if line.startswith("   NEW")]
        self.assertEqual(new, [["single", "swallowed-error"], ["compound", "not-atomic"], ["unknown", "signal"]])
        known_lines = [line.split()[1:3] for line in lines if line.startswith("   known")]
        self.assertEqual(known_lines, [["none", "leak"], ["single", "wrong-size"]])
        self.assertIn("         severity: " + compound.text, lines)
        dicts = triage.finding_dicts(result, "cli")
        self.assertEqual([(d["status"], d["severity"]) for d in dicts],
                         [("new", "single"), ("new", "compound"), ("new", "unknown"), ("known", "none"),
                          ("known", "single")])
        self.assertEqual(dicts[1]["severity_text"], compound.text)
        self.assertIsNone(dicts[2]["severity_text"])


if __name__ == "__main__":
    unittest.main()
