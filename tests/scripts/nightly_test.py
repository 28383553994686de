"""scripts/nightly end to end on prebuilt executables, with small budgets: a
planted bug makes it exit 1 with a reproducer that replays to the reported
signature and a failing junit case; the correct reference library exits 0;
bad arguments exit 2 before anything runs; nothing is left running."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

from mapfuzz_tools import replay

BIN = os.environ.get("MAPFUZZ_BIN_DIR", "")
ROOT = os.environ.get("MAPFUZZ_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
NIGHTLY = os.path.join(ROOT, "scripts", "nightly")
MUTANT = "reference_mut_swallowed_ftruncate_error"


def nightly(*args):
    began = time.monotonic()
    p = subprocess.run([NIGHTLY, "--bin", BIN] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    return p.returncode, p.stdout, time.monotonic() - began


def junit_failures(out):
    return int(ET.parse(os.path.join(out, "junit.xml")).getroot().get("failures"))


@unittest.skipUnless(os.access(os.path.join(BIN, "mapfuzz-" + MUTANT), os.X_OK), "needs MAPFUZZ_BIN_DIR")
class NightlyTest(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="mapfuzz-nightly-test-")

    def tearDown(self):
        shutil.rmtree(self.out)

    def test_a_planted_bug_fails_the_night_with_a_reproducer(self):
        status, output, seconds = nightly("--targets", MUTANT, "--budget", "24", "--triage-budget", "60",
                                          "--out", self.out)
        self.assertEqual(status, 1, output)
        self.assertLess(seconds, 24 + 60 + 30, output)
        with open(os.path.join(self.out, "results.json")) as f:
            results = json.load(f)
        new = [f for f in results["findings"] if f["status"] == "new"]
        self.assertTrue(new, output)
        self.assertEqual(len({f["signature"] for f in new}), len(new))
        self.assertEqual(junit_failures(self.out), len(new))
        for f in new:
            path = os.path.join(self.out, f["reproducer"])
            self.assertEqual(replay.Replayer(os.path.join(BIN, "mapfuzz-" + MUTANT), root=ROOT).run(path).signature,
                             f["signature"])
        for name in ("summary.md", "report.html"):
            self.assertTrue(os.path.getsize(os.path.join(self.out, name)) > 0)
        self.assertTrue(os.listdir(os.path.join(self.out, "corpus", MUTANT, "current")))
        leftover = subprocess.run(["pgrep", "-f", self.out], stdout=subprocess.PIPE, text=True).stdout
        self.assertEqual(leftover, "", "processes left running")

    def test_the_correct_library_passes_the_night(self):
        status, output, _ = nightly("--targets", "reference", "--budget", "20", "--triage-budget", "30",
                                    "--out", self.out)
        self.assertEqual(status, 0, output)
        self.assertEqual(junit_failures(self.out), 0)

    def test_bad_arguments_exit_2_and_run_nothing(self):
        for args in (["--budget", "0"], ["--budget", "abc"], ["--targets", "no_such_target"], ["--jobs", "0"],
                     ["--budget"]):
            status, output, _ = nightly("--out", self.out, *args)
            self.assertEqual(status, 2, (args, output))
            self.assertFalse(os.path.exists(os.path.join(self.out, "results.json")))


if __name__ == "__main__":
    unittest.main()
