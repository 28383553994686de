"""Tests of mapfuzz_tools/sandboxes.py: the run directories of processes
that are gone are removed, those of running processes and other files kept."""
import os
import subprocess
import tempfile
import unittest

from mapfuzz_tools import sandboxes


class ReapTest(unittest.TestCase):
    def test_removes_only_the_directories_of_processes_that_are_gone(self):
        with tempfile.TemporaryDirectory() as base:
            dead = subprocess.Popen(["true"])
            dead.wait()
            zombie = subprocess.Popen(["true"])  # not waited for: a zombie once it exits
            while True:
                with open("/proc/%d/stat" % zombie.pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break
            names = {
                "mapfuzz-%d-aaaaaa" % dead.pid: False,
                "mapfuzz-%d-bbbbbb" % zombie.pid: False,
                "mapfuzz-%d-cccccc" % os.getpid(): True,
                "mapfuzz-notapid-dddddd": True,
                "other-%d-eeeeee" % dead.pid: True,
            }
            for name in names:
                os.makedirs(os.path.join(base, name, "inside"))
            removed = sandboxes.reap(base)
            zombie.wait()
            for name, kept in names.items():
                self.assertEqual(os.path.isdir(os.path.join(base, name)), kept, name)
            self.assertEqual(sorted(removed), sorted(n for n, kept in names.items() if not kept))

    def test_base_dir_follows_tmpdir(self):
        old = os.environ.get("TMPDIR")
        try:
            os.environ["TMPDIR"] = "/some/where"
            self.assertEqual(sandboxes.base_dir(), "/some/where")
        finally:
            if old is None:
                del os.environ["TMPDIR"]
            else:
                os.environ["TMPDIR"] = old


if __name__ == "__main__":
    unittest.main()
