"""scripts/benchmark end to end on prebuilt executables, in a tiny
configuration (2 bugs, 2 trials, 4 s): the output has the right shape,
mapfuzz fuzzing finds both planted bugs in every trial and reports nothing
on the correct library (exit 0); a planted bug mapfuzz cannot see (sparse
growth with the disk-full mode off) makes it exit 1 naming the miss; bad
arguments exit 2 before anything runs; nothing is left running."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("MAPFUZZ_BIN_DIR", "")
BUILD = os.path.dirname(os.path.abspath(BIN)) if BIN else ""
ROOT = os.environ.get("MAPFUZZ_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
BENCHMARK = os.path.join(ROOT, "scripts", "benchmark")
BUGS = ["bounds_by_page", "fd_leak_on_close_empty"]
CONTESTANTS = ["mapfuzz-fuzz-seeds", "mapfuzz-enumerate", "baseline"]
# The last CPU this test may run on (taskset -c 0 ctest ... keeps it off CPU 1).
CPU = str(max(os.sched_getaffinity(0)))


def benchmark(out, *args, env=None):
    p = subprocess.run([BENCHMARK, "--no-build", "--bin", BUILD, "--cpu", CPU, "--out", out] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout


def read(path):
    with open(path) as f:
        return f.read()


def built():
    return all(os.access(os.path.join(BUILD, "tests", "bench", "baseline_fuzz_" + b), os.X_OK) for b in BUGS)


@unittest.skipUnless(BIN and built(), "needs MAPFUZZ_BIN_DIR and the baseline_fuzz_* executables")
class BenchmarkTest(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="mapfuzz-benchmark-test-")

    def tearDown(self):
        leftover = subprocess.run(["pgrep", "-f", self.out], stdout=subprocess.PIPE, text=True).stdout
        shutil.rmtree(self.out)
        self.assertEqual(leftover, "", "processes left running")

    def test_mapfuzz_finds_the_planted_bugs_without_false_positive(self):
        status, output = benchmark(self.out, "--bugs", ",".join(BUGS), "--contestants", ",".join(CONTESTANTS),
                                   "--trials", "2", "--budget", "4")
        self.assertEqual(status, 0, output)
        with open(os.path.join(self.out, "results.json")) as f:
            results = json.load(f)
        records = results["records"]
        self.assertEqual(len(records), (1 + len(BUGS)) * len(CONTESTANTS) * 2, output)
        for bug in ["correct"] + BUGS:
            for c in CONTESTANTS:
                self.assertEqual(sorted(r["trial"] for r in records if r["bug"] == bug and r["contestant"] == c),
                                 [0, 1], (bug, c))
        fuzz = [r for r in records if r["contestant"] == "mapfuzz-fuzz-seeds"]
        for bug in BUGS:
            hits = [r for r in fuzz if r["bug"] == bug]
            self.assertTrue(all(r["found"] and r["seconds"] <= 4 for r in hits), hits)
        self.assertEqual([r for r in records if r["bug"] == "correct" and r["contestant"].startswith("mapfuzz")
                          and r["detected"]], [], output)
        self.assertIn("missing-error", {r["kind"] for r in fuzz if r["bug"] == "bounds_by_page"})
        md = read(os.path.join(self.out, "BENCHMARK.md"))
        self.assertIn("| bug | class | revealed by | mapfuzz fuzz, seed corpus |", md)
        for bug in BUGS:
            self.assertRegex(md, r"\| `%s` \| \S+ \| none \| 2/2 · [0-9.]+ s · [0-9.]+ s \|" % bug)
        page = read(os.path.join(self.out, "benchmark.html"))
        self.assertEqual(page.count("<svg"), 2)  # one survival plot per class: bounds, leak
        # (per library 2 fuzz trials, 1 enumerate run, 2 baseline trials: 5 x 3 = 15 runs)
        self.assertIn("Kaplan-Meier", page)
        self.assertRegex(output, r"\[\d+/15\] mapfuzz-fuzz-seeds +bounds_by_page +trial 0")

    def test_a_missed_bug_exits_1_and_says_which(self):
        status, output = benchmark(self.out, "--bugs", "sparse_growth", "--contestants", "mapfuzz-fuzz-seeds",
                                   "--trials", "1", "--budget", "2", env={"MAPFUZZ_DISK_FULL": "0"})
        self.assertEqual(status, 1, output)
        self.assertIn("MISSED: mapfuzz-fuzz-seeds found sparse_growth in 0 of 1 trial(s)", output)

    def test_bad_arguments_exit_2_before_running(self):
        for args in (["--trials", "0"], ["--bugs", "no_such_bug"], ["--contestants", "afl"], ["--cpu", "99"]):
            status, output = benchmark(self.out, *args)
            self.assertEqual(status, 2, (args, output))
            self.assertFalse(os.path.exists(os.path.join(self.out, "results.json")), args)


if __name__ == "__main__":
    unittest.main()
