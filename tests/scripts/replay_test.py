"""replay.py: a replay's exit status read with the exit-code table."""
import unittest

from mapfuzz_tools import exit_codes
from mapfuzz_tools.replay import parse_output

REPORT = """==mapfuzz== ERROR: not-atomic in target 'reference_mut_non_atomic_resize' (replay)
  at step 3: resize size=65536
  what: the file changed although resize failed
  signature: not-atomic resize fault:fallocate
SUMMARY: mapfuzz: not-atomic at step 3 in reference_mut_non_atomic_resize
"""


class ParseOutputTest(unittest.TestCase):
    def test_a_report_with_the_finding_status_is_its_kind(self):
        out = parse_output(REPORT, exit_codes.FINDING)
        self.assertEqual((out.kind, out.step, out.inconclusive), ("not-atomic", 3, False))

    def test_clean(self):
        out = parse_output("", exit_codes.CLEAN)
        self.assertEqual((out.kind, out.inconclusive), (None, False))

    def test_inconclusive_is_no_finding_and_said_so(self):
        text = "mapfuzz: p.txt: inconclusive: step 1 (outside diskfull free=0) was skipped: no disk-full mode here\n"
        out = parse_output(text, exit_codes.INCONCLUSIVE)
        self.assertFalse(out.finding)
        self.assertTrue(out.inconclusive)

    def test_a_finding_status_without_a_report_is_a_crash(self):
        out = parse_output("something died\n", exit_codes.FINDING)
        self.assertEqual(out.kind, "crash")
        self.assertTrue(out.signature.startswith("crash exit-1 -"))

    def test_death_by_a_signal_is_a_crash(self):
        out = parse_output("", -9)
        self.assertEqual(out.kind, "crash")


if __name__ == "__main__":
    unittest.main()
