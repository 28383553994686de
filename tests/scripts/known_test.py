"""known.py: EXPECTED entries and their 'also' patterns decide what is known."""
import os
import tempfile
import unittest

from mapfuzz_tools import known
from mapfuzz_tools.replay import Outcome


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def write_expected(text, files=()):
    root = tempfile.mkdtemp()
    os.makedirs(os.path.join(root, "lib"))
    with open(os.path.join(root, "lib", "EXPECTED"), "w") as f:
        f.write(text)
    for name in files:
        write(os.path.join(root, "lib", name), "open create size=1\n")
    return root


class KnownTest(unittest.TestCase):
    def index(self, text, signatures):
        root = write_expected(text, signatures.keys())
        entries = known.load(root, "lib")
        return known.KnownIndex(entries, lambda path: Outcome(kind="x", signature=signatures[os.path.basename(path)]))

    def test_a_reproducer_s_signature_is_known(self):
        idx = self.index("a.txt not-atomic\nb.txt signal\n", {"a.txt": "not-atomic open fault:mmap",
                                                              "b.txt": "signal read SIGSEGV @ f"})
        self.assertTrue(idx.match("not-atomic open fault:mmap").file.endswith("a.txt"))
        self.assertTrue(idx.match("signal read SIGSEGV @ f").file.endswith("b.txt"))
        self.assertIsNone(idx.match("not-atomic reopen fault:mmap"))
        self.assertIsNone(idx.match("signal read SIGSEGV @ g"))

    def test_also_patterns_widen_an_entry(self):
        idx = self.index("# comment\na.txt not-atomic\nalso not-atomic * fault:mremap  # other ops\n",
                         {"a.txt": "not-atomic write fault:mremap"})
        self.assertTrue(idx.match("not-atomic sync fault:mremap").file.endswith("a.txt"))
        self.assertIsNone(idx.match("not-atomic sync fault:mmap"))

    def test_clean_and_hazard_entries_match_nothing(self):
        idx = self.index("c.txt clean\nh.txt hazard\n", {"c.txt": None, "h.txt": None})
        self.assertIsNone(idx.match("leak end -"))

    def test_no_expected_file_no_known_findings(self):
        self.assertEqual(known.load(tempfile.mkdtemp(), "lib"), [])

    def test_malformed_lines_are_errors_with_their_line(self):
        root = write_expected("also x\n")
        with self.assertRaisesRegex(known.KnownError, "EXPECTED:1"):
            known.load(root, "lib")
        root = write_expected("a.txt\n")
        with self.assertRaisesRegex(known.KnownError, "EXPECTED:1"):
            known.load(root, "lib")


if __name__ == "__main__":
    unittest.main()
