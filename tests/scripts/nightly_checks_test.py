"""nightly_checks.py: a check's status read from the exit-code table."""
import unittest

from mapfuzz_tools import exit_codes
from mapfuzz_tools.bounded import Finished
from mapfuzz_tools.nightly_checks import _entry


def status(code, timed_out=False):
    return _entry("enumerate", Finished(code, timed_out, 1.0), "log", message="m")


class EntryTest(unittest.TestCase):
    def test_statuses(self):
        self.assertEqual(status(exit_codes.CLEAN)["status"], "ok")
        self.assertEqual(status(exit_codes.FINDING)["status"], "findings")
        self.assertEqual(status(exit_codes.USAGE)["status"], "error")
        self.assertEqual(status(-9)["status"], "error")
        self.assertEqual(status(exit_codes.FINDING, timed_out=True)["status"], "ok")

    def test_inconclusive_is_ok_and_said_so(self):
        entry = status(exit_codes.INCONCLUSIVE)
        self.assertEqual(entry["status"], "ok")
        self.assertIn("inconclusive", entry["message"])
        self.assertTrue(entry["message"].startswith("m; "))


if __name__ == "__main__":
    unittest.main()
