"""minimise.py: delta debugging keeps exactly the ops the signature needs and
shrinks numbers toward 0 and page boundaries; a candidate with another
signature is never kept."""
import tempfile
import unittest

from mapfuzz_tools.minimise import Budget, Minimiser, program_ops
from mapfuzz_tools.replay import Outcome


class FakeReplayer:
    """The 'bug': a fault op on ftruncate followed later by a resize of at
    least 4096 bytes gives signature A; a resize of any size without the
    fault gives signature B (another bug, smaller programs show it)."""

    def __init__(self):
        self.runs = 0

    def run(self, path):
        self.runs += 1
        ops = program_ops(open(path).read())
        fault = next((i for i, o in enumerate(ops) if o.startswith("fault call=ftruncate")), None)
        for i, o in enumerate(ops):
            if o.startswith("resize size="):
                size = int(o.split("=")[1])
                if fault is not None and fault < i and size >= 4096:
                    return Outcome(kind="not-atomic", signature="A")
                return Outcome(kind="wrong-size", signature="B")
        return Outcome()


PROGRAM = ["open create size=100", "write offset=0 length=10 seed=3", "fault call=ftruncate errno=EIO nth=2 once",
           "read offset=0 length=10", "sync offset=0 length=0", "resize size=12345", "close", "reopen"]


class MinimiseTest(unittest.TestCase):
    def minimiser(self, seconds=30):
        return Minimiser(FakeReplayer(), tempfile.mkdtemp(), Budget(seconds))

    def test_keeps_only_what_the_signature_needs(self):
        m = self.minimiser()
        self.assertEqual(m.minimise(PROGRAM, "A"),
                         ["fault call=ftruncate errno=EIO nth=1 once", "resize size=4096"])

    def test_never_turns_into_another_bug(self):
        m = self.minimiser()
        result = m.minimise(PROGRAM, "A")
        self.assertTrue(any(o.startswith("fault") for o in result))  # without it the program shows B, smaller

    def test_the_other_bug_minimises_to_its_own_program(self):
        self.assertEqual(self.minimiser().minimise(PROGRAM, "B"), ["resize size=0"])

    def test_an_exhausted_budget_returns_the_program_unchanged(self):
        m = self.minimiser(seconds=0)
        self.assertEqual(m.minimise(PROGRAM, "A"), PROGRAM)

    def test_number_candidates_go_toward_zero_and_pages(self):
        self.assertEqual(Minimiser.number_candidates("size", 12345), [0, 4096, 12288, 6172, 12344])
        self.assertEqual(Minimiser.number_candidates("nth", 3), [1])
        self.assertEqual(Minimiser.number_candidates("offset", 0), [])

    def test_program_ops_drops_comments_and_blanks(self):
        self.assertEqual(program_ops("# mapfuzz: x\n\nopen create size=1\n  # c\nclose\n"),
                         ["open create size=1", "close"])


if __name__ == "__main__":
    unittest.main()
