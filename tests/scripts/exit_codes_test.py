"""exit_codes.py: the same table as harness/exit_codes.h."""
import os
import re
import unittest

from mapfuzz_tools import exit_codes

ROOT = os.environ.get("MAPFUZZ_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))


class ExitCodesTest(unittest.TestCase):
    def test_python_table_is_the_header_table(self):
        with open(os.path.join(ROOT, "harness", "exit_codes.h")) as f:
            header = dict((name, int(value)) for name, value in re.findall(r"^\s*k(\w+) = (\d+),", f.read(), re.M))
        self.assertEqual(header, {"Clean": exit_codes.CLEAN, "Finding": exit_codes.FINDING,
                                  "Usage": exit_codes.USAGE, "Inconclusive": exit_codes.INCONCLUSIVE})


if __name__ == "__main__":
    unittest.main()
