"""scripts/fuzz (mapfuzz_tools/fuzz_main.py): its arguments are checked
before anything is installed, built or run; a short fork-mode run on a
planted bug lists distinct findings and writes nothing outside its work
directory; libFuzzer's own help is passed through without a summary."""
import os
import re
import subprocess
import tempfile
import time
import unittest

ROOT = os.environ.get("MAPFUZZ_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FUZZ = os.path.join(ROOT, "scripts", "fuzz")
BIN = os.environ.get("MAPFUZZ_BIN_DIR", os.path.join(ROOT, "build", "test", "targets"))
MUTANT = "reference_mut_swallowed_ftruncate_error"
STRAY = re.compile(r"^(mapfuzz-.*\.txt|crash-.*|leak-.*|timeout-.*|oom-.*|fuzz-\d+\.log)$")


def stray_files():
    """Files outside build/ and .git/ named like libFuzzer's or mapfuzz's outputs."""
    out = set()
    for d, dirs, files in os.walk(ROOT):
        if d == ROOT:
            dirs[:] = [x for x in dirs if x not in ("build", ".git")]
        out |= {os.path.join(d, f) for f in files if STRAY.match(f)}
    return out


class FuzzScriptTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mapfuzz-fuzz-test-")
        self.cwd = os.path.join(self.tmp.name, "cwd")
        self.work = os.path.join(self.tmp.name, "work")
        self.fake = os.path.join(self.tmp.name, "fakebin")
        self.marker = os.path.join(self.tmp.name, "ran")
        os.makedirs(self.cwd)
        os.makedirs(self.fake)
        # Any install or build step would run one of these and leave the marker.
        for tool in ("cmake", "ninja", "apt-get", "sudo", "dpkg-query"):
            path = os.path.join(self.fake, tool)
            with open(path, "w") as f:
                f.write("#!/bin/sh\necho \"%s $*\" >> %s\nexit 1\n" % (tool, self.marker))
            os.chmod(path, 0o755)

    def tearDown(self):
        self.tmp.cleanup()

    def fuzz(self, *args, env=None, timeout=120):
        e = dict(os.environ, PATH=self.fake + os.pathsep + os.environ["PATH"], **(env or {}))
        return subprocess.run([FUZZ] + list(args), cwd=self.cwd, env=e, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)

    def test_bad_arguments_exit_2_with_a_message_and_build_nothing(self):
        cases = [(["--jobs", "abc"], "--jobs.*'abc'"), (["--jobs", "0"], "--jobs.*'0'"),
                 (["--time", "0"], "--time.*'0'"), (["--time", "-5"], "--time.*'-5'"),
                 (["--time"], "--time: expected one argument"), (["--triage-budget", "x"], "--triage-budget"),
                 (["--bogus"], "unrecognized arguments: --bogus"), (["no_such_target"], "unknown target"),
                 (["--seeds", "/no/such/dir"], "no seed directory"), (["--bin", self.fake], "no executable"),
                 (["tkrzw", "--time", "10", "--jobs"], "--jobs: expected one argument")]
        for args, message in cases:
            with self.subTest(args=args):
                p = self.fuzz(*(args + ["--work", self.work]))
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertRegex(p.stderr, message)
                self.assertEqual(p.stdout, "")
        self.assertFalse(os.path.exists(self.marker), "something was installed or built")
        self.assertFalse(os.path.exists(self.work))
        self.assertEqual(os.listdir(self.cwd), [])

    def test_help_lists_the_options_and_the_exit_status(self):
        p = self.fuzz("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        for text in ("--triage-budget", "--bin", "MAPFUZZ_AVOID_KNOWN", "MAPFUZZ_ARTIFACT_DIR",
                     "Exit status: 0 no new finding", "1 new finding(s)", "-minimize_crash"):
            self.assertIn(text, p.stdout)
        self.assertFalse(os.path.exists(self.marker))

    @unittest.skipUnless(os.access(os.path.join(BIN, "fuzz_" + MUTANT), os.X_OK), "no planted-bug fuzzer")
    def test_libfuzzer_help_and_refusals_pass_through_without_a_summary(self):
        p = self.fuzz(MUTANT, "--bin", BIN, "--work", self.work, "--", "-help=1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Usage:", p.stdout + p.stderr)
        self.assertNotIn("mapfuzz summary", p.stdout)
        p = self.fuzz(MUTANT, "--bin", BIN, "--work", self.work, env={"MAPFUZZ_DISK_FULL": "maybe"})
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("MAPFUZZ_DISK_FULL", p.stdout + p.stderr)
        self.assertNotIn("mapfuzz summary", p.stdout)
        self.assertFalse(os.path.exists(self.marker))

    @unittest.skipUnless(os.access(os.path.join(BIN, "fuzz_" + MUTANT), os.X_OK), "no planted-bug fuzzer")
    def test_fork_mode_run_lists_distinct_findings_and_writes_only_its_work_dir(self):
        before, started = stray_files(), time.monotonic()
        p = self.fuzz(MUTANT, "--bin", BIN, "--work", self.work, "--jobs", "2", "--time", "10",
                      "--triage-budget", "30")
        took, out = time.monotonic() - started, p.stdout
        self.assertEqual(p.returncode, 1, out[-3000:] + p.stderr)
        self.assertIn("triage budget: 30 s; the whole command ends within 10 + 30 s", out)
        executions = int(re.search(r"^   executions: (\d+)", out, re.M).group(1))
        self.assertGreater(executions, 0)
        crashes = int(re.search(r"^   crash files: (\d+)", out, re.M).group(1))
        distinct = re.search(r"^   (\d+) distinct finding\(s\): (\d+) new", out, re.M)
        self.assertIsNotNone(distinct, out[-3000:])
        self.assertRegex(out, r"(?m)^   NEW   single +swallowed-error resize ")  # with its severity class
        self.assertRegex(out, r"(?m)^   by severity: .*\d+ single")
        new_lines = re.findall(r"(?m)^   NEW   \S+ +(.*?)  x\d+", out)
        self.assertEqual(len(new_lines), len(set(new_lines)))
        self.assertLessEqual(int(distinct.group(1)), crashes)
        self.assertLess(took, 10 + 30 + 15)  # + python and startup on a loaded machine
        self.assertEqual(os.listdir(self.cwd), [])
        self.assertEqual(sorted(os.listdir(self.tmp.name)), ["cwd", "fakebin", "work"])
        self.assertEqual(stray_files() - before, set())
        self.assertFalse(os.path.exists(self.marker))
        run = [d for d in os.listdir(self.work) if d.startswith("RUN-")]
        self.assertEqual(len(run), 1)
        reproducers = os.path.join(self.work, run[0], "triage", "reproducers", MUTANT)
        self.assertTrue(os.listdir(reproducers))


if __name__ == "__main__":
    unittest.main()
