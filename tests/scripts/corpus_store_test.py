"""Tests of mapfuzz_tools.corpus_store: dedup, recovery, errors, idempotence,
and a merge killed (SIGKILL) at random moments that must lose no input."""
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from mapfuzz_tools import corpus_store
from mapfuzz_tools.corpus_store import CorpusStoreError, open_store

PYTHONPATH = os.path.dirname(os.path.dirname(os.path.abspath(corpus_store.__file__)))
# fsync costs milliseconds per file on a disk and nothing on tmpfs; a SIGKILL
# (unlike a power cut) does not depend on it, so the tests prefer tmpfs.
TMPFS = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def sha1(data):
    return hashlib.sha1(data).hexdigest()


def contents(directory):
    """{sha1: bytes} of every file under directory."""
    found = {}
    for dirpath, _, filenames in os.walk(directory):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as f:
                data = f.read()
            found[sha1(data)] = data
    return found


def snapshot(directory):
    """Everything under directory: {relative path: bytes or link target or None for a dir}."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, directory)
            if os.path.islink(path):
                found[rel] = "-> " + os.readlink(path)
            elif os.path.isdir(path):
                found[rel] = None
            else:
                with open(path, "rb") as f:
                    found[rel] = f.read()
    return found


def write_inputs(directory, inputs, names=None):
    os.makedirs(directory, exist_ok=True)
    for i, data in enumerate(inputs):
        name = names[i] if names else f"input-{i}"
        os.makedirs(os.path.dirname(os.path.join(directory, name)), exist_ok=True)
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


def run_cli(*args, env=None):
    full_env = dict(os.environ, PYTHONPATH=PYTHONPATH, **(env or {}))
    return subprocess.run([sys.executable, "-m", "mapfuzz_tools.corpus_store", *args],
                          capture_output=True, text=True, env=full_env)


class CorpusStoreTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="corpus_store_test.", dir=TMPFS)
        self.addCleanup(shutil.rmtree, self.tmp)
        self.root = os.path.join(self.tmp, "store")

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def test_first_open_creates_an_empty_generation(self):
        store = open_store(self.root)
        self.assertEqual(os.readlink(os.path.join(self.root, "current")), "gen-0")
        self.assertEqual(store.current_dir(), os.path.join(self.root, "gen-0"))
        self.assertEqual(os.listdir(store.current_dir()), [])

    def test_merge_dedups_by_content_and_names_files_by_sha1(self):
        write_inputs(self.path("a"), [b"one", b"two", b"one"])
        write_inputs(self.path("b"), [b"two", b"three", b""], ["x", "sub/y", "sub/deeper/z"])
        store = open_store(self.root)
        counts = store.merge([self.path("a"), self.path("b")])
        self.assertEqual(counts, (0, 4, 4))
        expected = {sha1(d): d for d in [b"one", b"two", b"three", b""]}
        self.assertEqual(snapshot(store.current_dir()), expected)
        write_inputs(self.path("c"), [b"three", b"four"])
        self.assertEqual(store.merge([self.path("c")]), (4, 1, 5))
        self.assertEqual(set(os.listdir(self.root)), {"current", "gen-2"})

    def test_merge_is_idempotent_and_leaves_sources_untouched(self):
        write_inputs(self.path("a"), [b"one", b"two"])
        before = snapshot(self.path("a"))
        store = open_store(self.root)
        self.assertEqual(store.merge([self.path("a")]), (0, 2, 2))
        tree = snapshot(self.root)
        self.assertEqual(store.merge([self.path("a")]), (2, 0, 2))
        self.assertEqual(open_store(self.root).merge([self.path("a"), store.current_dir()]),
                         (2, 0, 2))
        self.assertEqual(snapshot(self.root), tree)
        self.assertEqual(snapshot(self.path("a")), before)

    def test_missing_source_is_an_error_and_changes_nothing(self):
        write_inputs(self.path("a"), [b"one"])
        store = open_store(self.root)
        store.merge([self.path("a")])
        tree = snapshot(self.root)
        missing = self.path("no-such-dir")
        with self.assertRaisesRegex(CorpusStoreError, "no-such-dir.* does not exist"):
            store.merge([self.path("a"), missing])
        self.assertEqual(snapshot(self.root), tree)
        result = run_cli("merge", self.root, missing)
        self.assertEqual(result.returncode, 2)
        self.assertIn("no-such-dir does not exist", result.stderr)
        self.assertEqual(snapshot(self.root), tree)
        result = run_cli("merge", self.path("new-store"), missing)
        self.assertEqual(result.returncode, 2)
        self.assertFalse(os.path.exists(self.path("new-store")))

    def test_recovery_removes_the_leftovers_of_a_killed_merge(self):
        write_inputs(self.path("a"), [b"one", b"two"])
        open_store(self.root).merge([self.path("a")])  # current -> gen-1
        tree = snapshot(self.root)
        write_inputs(os.path.join(self.root, "gen-2.tmp"), [b"one"], ["part.part"])
        write_inputs(os.path.join(self.root, "gen-3"), [b"one", b"new"])
        os.symlink("gen-3", os.path.join(self.root, "current.tmp"))
        write_inputs(self.root, [b"keep me"], ["notes.txt"])
        store = open_store(self.root)
        self.assertEqual(snapshot(self.root), dict(tree, **{"notes.txt": b"keep me"}))
        self.assertEqual(store.current_dir(), os.path.join(self.root, "gen-1"))

    def test_recovery_after_the_swap_removes_the_old_generation(self):
        write_inputs(self.path("a"), [b"one", b"two"])
        open_store(self.root).merge([self.path("a")])
        write_inputs(os.path.join(self.root, "gen-0"), [b"one"])  # half removed
        open_store(self.root)
        self.assertEqual(set(os.listdir(self.root)), {"current", "gen-1"})

    def test_missing_current_link(self):
        write_inputs(os.path.join(self.root, "gen-0"), [])
        write_inputs(os.path.join(self.root, "gen-4"), [b"one"], [sha1(b"one")])
        write_inputs(os.path.join(self.root, "gen-5.tmp"), [b"two"])
        store = open_store(self.root)  # the sole non-empty generation is adopted
        self.assertEqual(store.current_dir(), os.path.join(self.root, "gen-4"))
        self.assertEqual(set(os.listdir(self.root)), {"current", "gen-4"})
        os.unlink(os.path.join(self.root, "current"))
        write_inputs(os.path.join(self.root, "gen-7"), [b"two"])
        tree = snapshot(self.root)
        with self.assertRaisesRegex(CorpusStoreError, r"no 'current' link .*gen-4, gen-7"):
            open_store(self.root)
        self.assertEqual(snapshot(self.root), tree)

    def test_dangling_current_link_is_an_error(self):
        os.makedirs(self.root)
        os.symlink("gen-3", os.path.join(self.root, "current"))
        with self.assertRaisesRegex(CorpusStoreError, "points at 'gen-3'"):
            open_store(self.root)

    def test_cli(self):
        write_inputs(self.path("a"), [b"one", b"two"])
        result = run_cli("merge", self.root, self.path("a"))
        self.assertEqual((result.returncode, result.stderr), (0, ""))
        self.assertIn("before 0, added 2, after 2", result.stdout)
        result = run_cli("path", self.root)
        self.assertEqual(result.stdout, os.path.join(self.root, "gen-1") + "\n")
        self.assertEqual(run_cli("--help").returncode, 0)
        self.assertEqual(run_cli("merge", self.root).returncode, 2)
        self.assertEqual(run_cli("frobnicate").returncode, 2)


class KilledMergeTest(unittest.TestCase):
    """SIGKILL the merge CLI at random moments; after each kill, recovery must
    leave every input reachable, and a completed merge must hold them all."""
    KILLS_MID_MERGE = 20
    MAX_ATTEMPTS = 60
    DELAY = "0.0005"  # seconds per file written or removed

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="corpus_store_kill_test.", dir=TMPFS)
        self.addCleanup(shutil.rmtree, self.tmp)
        rng = random.Random(10)
        old = [rng.randbytes(rng.randrange(1, 64)) for _ in range(200)]
        new = [rng.randbytes(rng.randrange(1, 64)) for _ in range(100)] + old[:20]
        write_inputs(os.path.join(self.tmp, "seed"), old)
        self.template = os.path.join(self.tmp, "template")
        open_store(self.template).merge([os.path.join(self.tmp, "seed")])  # -> gen-1
        self.source = os.path.join(self.tmp, "source")
        write_inputs(self.source, new)
        self.source_tree = snapshot(self.source)
        self.expected = set(contents(self.template)) | set(contents(self.source))

    def start_merge(self, root, copy=True):
        if copy:
            shutil.copytree(self.template, root, symlinks=True)
        env = dict(os.environ, PYTHONPATH=PYTHONPATH,
                   MAPFUZZ_CORPUS_STORE_TEST_DELAY=self.DELAY)
        return subprocess.Popen([sys.executable, "-m", "mapfuzz_tools.corpus_store",
                                 "merge", root, self.source], env=env,
                                stdout=subprocess.DEVNULL)

    @staticmethod
    def phase(root):
        """Where a merge of the template (gen-1) into gen-2 was stopped."""
        names = set(os.listdir(root))
        current = os.readlink(os.path.join(root, "current"))
        if "gen-2.tmp" in names:
            return "writing gen-2.tmp"
        if current == "gen-1":
            return "renamed gen-2, not swapped" if "gen-2" in names else "not started"
        return "swapped, removing gen-1" if "gen-1" in names else "done"

    def check_nothing_lost(self, root, phase):
        store = open_store(root)  # recovery
        self.assertEqual(len(os.listdir(root)), 2, os.listdir(root))
        self.assertEqual(snapshot(self.source), self.source_tree)
        lost = self.expected - set(contents(store.current_dir())) - set(contents(self.source))
        self.assertEqual(lost, set(), f"{len(lost)} inputs lost after a kill ({phase})")
        store.merge([self.source])
        self.assertEqual(set(contents(store.current_dir())), self.expected)

    def test_killed_merge_loses_no_input(self):
        timed = os.path.join(self.tmp, "timed")
        start = time.monotonic()
        self.assertEqual(run_cli("path", self.template).returncode, 0)
        startup = time.monotonic() - start  # python, imports, opening the store
        shutil.copytree(self.template, timed, symlinks=True)
        start = time.monotonic()
        self.start_merge(timed, copy=False).wait()
        duration = time.monotonic() - start
        self.assertEqual(self.phase(timed), "done")
        rng, phases, attempts = random.Random(), {}, 0
        while sum(n for p, n in phases.items() if p not in ("not started", "done")) \
                < self.KILLS_MID_MERGE and attempts < self.MAX_ATTEMPTS:
            attempts += 1
            root = os.path.join(self.tmp, f"store-{attempts}")
            process = self.start_merge(root)
            time.sleep(rng.uniform(startup, duration))
            process.send_signal(signal.SIGKILL)
            process.wait()
            phase = self.phase(root)
            phases[phase] = phases.get(phase, 0) + 1
            self.check_nothing_lost(root, phase)
            shutil.rmtree(root)
        mid = attempts - phases.get("not started", 0) - phases.get("done", 0)
        print(f"\n  merge takes {duration:.2f} s (startup {startup:.2f} s); {attempts} kills, {mid} mid-merge: {phases}",
              file=sys.stderr)
        self.assertGreaterEqual(mid, self.KILLS_MID_MERGE)


if __name__ == "__main__":
    unittest.main()
