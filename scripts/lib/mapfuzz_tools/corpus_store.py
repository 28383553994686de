"""A persistent, crash-safe corpus directory (issue 10: the nightly job's corpus).

Layout under a store root, e.g. build/nightly/corpus/<target>/:

    current -> gen-<N>      a relative symlink, only ever replaced by rename()
    gen-<N>/<sha1>          the inputs, each named by the SHA-1 of its content

libFuzzer reads current_dir(). Nothing but this module may write into a
generation: give the fuzzer a separate, fresh directory for its new inputs
(first on its command line, current_dir() after it) and merge() that one into
the store once the fuzzer has exited. One process at a time per store (there
is no lock). Inputs are hard-linked from the sources where possible: a source
file must not be rewritten in place afterwards (libFuzzer never does).

merge() never loses an input, even when killed at any moment. It writes the
union into a fresh gen-<N+1>.tmp (each file hard-linked or copied under a
temporary name, fsync'd, renamed; the directory fsync'd), renames that to
gen-<N+1>, swaps `current` to it (a new symlink renamed over the old one, root
fsync'd) and only then removes gen-<N>. Sources are only read. So at every
instant each input is reachable through `current` or is still in its source.

Recovery (when a store is opened and at the start of every merge) removes what
a killed merge leaves: gen-<K>.tmp, current.tmp and every gen-<K> that
`current` does not point at. None can hold the only copy of an input: a
generation that is not current is either older (current is a superset of it)
or newer and not yet swapped in (current plus inputs still in their sources).
The generation `current` points at is never removed; other names are never
touched. If `current` is missing (a first open killed before creating it, or
a deleted link), the sole non-empty generation is adopted (or an empty one
created); with several non-empty ones nothing is touched and an error raised.

Every failure raises CorpusStoreError with a message naming the path.
MAPFUZZ_CORPUS_STORE_TEST_DELAY=<seconds> (tests only) sleeps after each file
written or removed and between the steps, so that a test can kill a merge.
"""
import argparse
import collections
import contextlib
import hashlib
import os
import re
import shutil
import sys
import time

CURRENT = "current"
CURRENT_TMP = "current.tmp"
GEN_RE = re.compile(r"gen-(\d+)")
GEN_TMP_RE = re.compile(r"gen-\d+\.tmp")
DELAY_ENV = "MAPFUZZ_CORPUS_STORE_TEST_DELAY"

MergeCounts = collections.namedtuple("MergeCounts", "before added after")


class CorpusStoreError(Exception):
    """Any failure of this module; the message names the path concerned."""


@contextlib.contextmanager
def _errors(what):
    try:
        yield
    except OSError as e:
        raise CorpusStoreError(f"{what}: {e}") from e


def open_store(root):
    """The CorpusStore at root (created if missing, recovered if a merge was
    killed). Raises CorpusStoreError if root cannot be used."""
    return CorpusStore(root)


class CorpusStore:
    def __init__(self, root):
        """Create root if missing, then recover (see the module docstring)."""
        self.root = os.path.abspath(root)
        self._delay = float(os.environ.get(DELAY_ENV) or 0)
        with _errors(f"cannot open corpus store {self.root}"):
            os.makedirs(self.root, exist_ok=True)
            self._recover()

    def current_dir(self):
        """The generation directory `current` points at: libFuzzer reads it."""
        n = self._current_number()
        if n is None:
            raise CorpusStoreError(f"{self.root}/{CURRENT} has disappeared")
        return self._gen(n)

    def merge(self, sources):
        """Make `current` the union, deduplicated by content, of the current
        generation and every regular file under the source directories
        (recursively; they are only read). Returns MergeCounts(before, added,
        after), counting distinct contents. Nothing new: no new generation.
        A missing source: CorpusStoreError, and the store is left unchanged."""
        check_sources(sources)
        with _errors(f"merge into corpus store {self.root} failed"):
            self._recover()
            n = self._current_number()
            inputs = _hash_files(self._gen(n))
            before = len(inputs)
            for source in sources:
                for sha, path in _hash_files(source).items():
                    inputs.setdefault(sha, path)
            if len(inputs) > before:
                self._write_generation(n + 1, inputs)
                self._point_current(n + 1)
                self._remove_tree(self._gen(n))
            return MergeCounts(before, len(inputs) - before, len(inputs))

    def _gen(self, n):
        return os.path.join(self.root, f"gen-{n}")

    def _pause(self):
        if self._delay:
            time.sleep(self._delay)

    def _current_number(self):
        """N of the gen-<N> `current` points at, None if there is no link."""
        link = os.path.join(self.root, CURRENT)
        if not os.path.lexists(link):
            return None
        if not os.path.islink(link):
            raise CorpusStoreError(f"{link} is not a symlink")
        target = os.readlink(link)
        m = GEN_RE.fullmatch(target)
        if not m or not os.path.isdir(os.path.join(self.root, target)):
            raise CorpusStoreError(f"{link} points at {target!r}, not an existing"
                                   " gen-<N> directory of the store; fix the link")
        return int(m.group(1))

    def _recover(self):
        n = self._current_number()
        if n is None:
            n = self._adopt()
        removed = False
        for name in os.listdir(self.root):
            m = GEN_RE.fullmatch(name)
            if (name == CURRENT_TMP or GEN_TMP_RE.fullmatch(name)
                    or (m and int(m.group(1)) != n)):
                self._remove_tree(os.path.join(self.root, name))
                removed = True
        if removed:
            _fsync_dir(self.root)

    def _adopt(self):
        """No `current`: point it at the sole non-empty generation, or at an
        empty one (created if none), and return its number."""
        gens = sorted(int(m.group(1)) for name in os.listdir(self.root)
                      if (m := GEN_RE.fullmatch(name)) and os.path.isdir(self._gen(int(m.group(1)))))
        full = [n for n in gens if os.listdir(self._gen(n))]
        if len(full) > 1:
            names = ", ".join(f"gen-{n}" for n in full)
            raise CorpusStoreError(
                f"{self.root} has no '{CURRENT}' link but several non-empty generations"
                f" ({names}); point it at the right one: ln -sfn gen-N {self.root}/{CURRENT}")
        n = full[0] if full else (gens[-1] if gens else 0)
        if not gens:
            os.mkdir(self._gen(n))
            _fsync_dir(self.root)
        self._point_current(n)
        return n

    def _write_generation(self, n, inputs):
        tmp = self._gen(n) + ".tmp"
        os.mkdir(tmp)
        for sha, path in inputs.items():
            _place(path, os.path.join(tmp, sha))
            self._pause()
        _fsync_dir(tmp)
        os.rename(tmp, self._gen(n))
        _fsync_dir(self.root)
        self._pause()

    def _point_current(self, n):
        """Atomically make `current` point at gen-<n>."""
        tmp = os.path.join(self.root, CURRENT_TMP)
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(f"gen-{n}", tmp)
        os.replace(tmp, os.path.join(self.root, CURRENT))
        _fsync_dir(self.root)
        self._pause()

    def _remove_tree(self, path):
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
            return
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                self._pause()
        os.rmdir(path)


def check_sources(sources):
    """Raise CorpusStoreError unless every source is an existing directory."""
    for source in sources:
        if not os.path.isdir(source):
            raise CorpusStoreError(f"source corpus directory {source} does not exist"
                                   " or is not a directory")


def _hash_files(directory):
    """{sha1 hex: path} of every regular file under directory, first path wins."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    found.setdefault(hashlib.sha1(f.read()).hexdigest(), path)
    return found


def _place(src, dst):
    """Make dst a durable copy of src: a hard link when the filesystem allows
    (a name appears whole or not at all), else a copy fsync'd then renamed."""
    try:
        os.link(src, dst)
    except OSError:
        part = dst + ".part"
        shutil.copyfile(src, part)
        _fsync(part, os.O_RDONLY)
        os.rename(part, dst)
        return
    _fsync(dst, os.O_RDONLY)


def _fsync(path, flags):
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path):
    _fsync(path, os.O_RDONLY | os.O_DIRECTORY)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m mapfuzz_tools.corpus_store",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 success, 2 usage or store error (message on stderr).")
    sub = parser.add_subparsers(dest="command", required=True)
    merge = sub.add_parser("merge", help="merge the inputs of SRC... into the store ROOT")
    merge.add_argument("root", metavar="ROOT")
    merge.add_argument("sources", metavar="SRC", nargs="+")
    path = sub.add_parser("path", help="print the directory libFuzzer should read")
    path.add_argument("root", metavar="ROOT")
    args = parser.parse_args(argv)
    try:
        if args.command == "merge":
            check_sources(args.sources)
            counts = open_store(args.root).merge(args.sources)
            print(f"{args.root}: before {counts.before}, added {counts.added},"
                  f" after {counts.after}")
        else:
            print(open_store(args.root).current_dir())
    except CorpusStoreError as e:
        print(f"corpus_store: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
