"""triage.py end to end, against real targets: a planted bug
(reference_mut_swallowed_ftruncate_error) gives one new finding however many
programs show it, minimised and replaying to its signature; the correct
reference library gives none from the same programs; a finding listed in
EXPECTED is known; the budget bounds the whole triage."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from mapfuzz_tools import replay, triage

BIN = os.environ.get("MAPFUZZ_BIN_DIR", "")
ROOT = os.environ.get("MAPFUZZ_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
MUTANT = "reference_mut_swallowed_ftruncate_error"
SIGNATURE = "swallowed-error resize fault:ftruncate"

# Two programs with the planted bug (a shrinking resize whose ftruncate
# fails is reported as success), padded differently, and one without it.
PROGRAMS = {
    "a.txt": "open create size=8192\nwrite offset=0 length=50 seed=1\nfault call=ftruncate errno=EIO nth=1 once\n"
             "resize size=100\nread offset=0 length=10\nclose\n",
    "b.txt": "open create size=12000\nsync offset=0 length=0\nwrite offset=10 length=5 seed=2\n"
             "fault call=ftruncate errno=EPERM nth=1 once\nresize size=4096\nclose\nreopen\n",
    "clean.txt": "open create size=100\nwrite offset=0 length=10 seed=1\nclose\n",
}


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def cli(target):
    return os.path.join(BIN, "mapfuzz-" + target)


@unittest.skipUnless(os.access(cli(MUTANT), os.X_OK), "needs MAPFUZZ_BIN_DIR with the planted-bug mutants")
class TriageTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mapfuzz-triage-test-")
        self.inputs = []
        for name, text in PROGRAMS.items():
            path = os.path.join(self.dir, name)
            write(path, text)
            self.inputs.append((path, "fuzz" if name != "b.txt" else "property"))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def job(self, target, **kw):
        return triage.TriageJob(target=target, cli=cli(target), inputs=self.inputs, out_dir=self.dir,
                                root=ROOT, **kw)

    def test_a_planted_bug_is_one_new_minimised_finding(self):
        result = triage.triage(self.job(MUTANT, budget_s=120))
        self.assertEqual([g.signature for g in result.groups], [SIGNATURE])
        g = result.groups[0]
        self.assertEqual((g.count, g.sources, g.known, g.flaky), (2, {"fuzz", "property"}, None, False))
        self.assertEqual(result.not_reproduced, [os.path.join(self.dir, "clean.txt")])
        self.assertLessEqual(len(g.ops), 3)
        again = replay.Replayer(cli(MUTANT), root=ROOT).run(g.reproducer)
        self.assertEqual(again.signature, SIGNATURE)
        header = open(g.reproducer).read()
        self.assertTrue(header.startswith("# mapfuzz: new finding in " + MUTANT))
        self.assertIn("corpus/regressions/%s/EXPECTED" % MUTANT, header)
        self.assertEqual(g.severity_class, "single")
        self.assertIn("\n# Severity: single (1 fault, 0 outside events, 0 disk conditions, at most 1 in one call)\n",
                      header)

    def test_the_severity_is_the_minimised_programs(self):
        # A fault that fails an earlier sync (reported, so no finding) is not
        # needed: the input needs two faults, its minimised reproducer one.
        path = os.path.join(self.dir, "extra_fault.txt")
        write(path, "open create size=8192\nfault call=msync errno=EIO nth=1 once\nsync offset=0 length=0\n"
                    "fault call=ftruncate errno=EIO nth=1 once\nresize size=100\n")
        self.inputs = [(path, "fuzz")]
        self.assertEqual(replay.Replayer(cli(MUTANT), root=ROOT).run(path).severity.cls, "multiple")
        result = triage.triage(self.job(MUTANT, budget_s=60))
        self.assertEqual([(g.signature, g.severity_class) for g in result.groups], [(SIGNATURE, "single")])

    def test_the_correct_library_gives_no_finding_from_the_same_programs(self):
        result = triage.triage(self.job("reference", budget_s=60))
        self.assertEqual(result.groups, [])
        self.assertEqual(len(result.not_reproduced), 3)

    def test_a_finding_listed_in_expected_is_known(self):
        regressions = os.path.join(self.dir, "regressions")
        os.makedirs(os.path.join(regressions, MUTANT))
        shutil.copy(os.path.join(self.dir, "a.txt"), os.path.join(regressions, MUTANT, "known.txt"))
        write(os.path.join(regressions, MUTANT, "EXPECTED"), "known.txt swallowed-error\n")
        result = triage.triage(self.job(MUTANT, budget_s=60, regressions_dir=regressions))
        self.assertEqual(len(result.groups), 1)
        self.assertTrue(result.groups[0].known.file.endswith("known.txt"))
        self.assertIsNone(result.groups[0].reproducer)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "reproducers")))

    def test_a_binary_fuzz_input_joins_its_text_twin(self):
        binary = os.path.join(self.dir, "crash-0001")
        subprocess.run([cli(MUTANT), "encode", self.inputs[0][0], binary], check=True, stdout=subprocess.DEVNULL)
        self.inputs.append((binary, "fuzz"))
        result = triage.triage(self.job(MUTANT, budget_s=60, minimise=False))
        self.assertEqual([(g.signature, g.count) for g in result.groups], [(SIGNATURE, 3)])

    def test_the_budget_bounds_the_triage(self):
        for i in range(40):
            path = os.path.join(self.dir, "x%d.txt" % i)
            write(path, PROGRAMS["a.txt"] + "reopen\n" * (i + 1))
            self.inputs.append((path, "fuzz"))
        # A budget shorter than one replay (about 20 ms each here): whatever
        # the machine's speed, the replays started before it ran out finish
        # and the rest are left, named, instead of overrunning it.
        began = time.monotonic()
        result = triage.triage(self.job(MUTANT, budget_s=0.001))
        self.assertGreater(len(result.not_triaged), 0)
        self.assertLess(time.monotonic() - began, 0.001 + 3 * replay.DEFAULT_TIMEOUT / 10)


if __name__ == "__main__":
    unittest.main()
