"""The bugs of the bug-finding benchmark (scripts/benchmark): every planted
mutant of the reference library, each with its class, the fault mode that
reveals it and the finding kinds that count as catching it.

The names, their order and the expected kinds come from the build files, so
there is one source of truth: MAPFUZZ_REFERENCE_MUTANTS in
targets/CMakeLists.txt, MAPFUZZ_REFERENCE_MUTANT_EXPECTATIONS and
MAPFUZZ_REFERENCE_FAULT_MUTANTS in tests/targets/CMakeLists.txt. Only the
class and the fault mode are kept here (LABELS)."""
import dataclasses
import os
import re

# mutant -> (class, the fault mode that reveals it). The mode is one of
# MODES; the classes are the kinds of mmap bug (targets/reference/mutants.h).
LABELS = {
    "bounds_wrap": ("bounds", "none"),
    "bounds_by_page": ("bounds", "none"),
    "no_remap_after_grow": ("remap", "none"),
    "stale_length_after_shrink": ("remap", "none"),
    "msync_unaligned_ignored": ("swallowed-error", "none"),
    "fd_leak_on_close_empty": ("leak", "none"),
    "mmap_null_check": ("swallowed-error", "injected fault"),
    "swallowed_ftruncate_error": ("swallowed-error", "injected fault"),
    "swallowed_fallocate_error": ("swallowed-error", "injected fault"),
    "non_atomic_resize": ("atomicity", "injected fault"),
    "ignored_msync_result": ("swallowed-error", "injected fault"),
    "fd_leak_when_mmap_fails": ("leak", "injected fault"),
    "claims_truncation_safety": ("signal/outside", "outside event"),
    "sparse_growth": ("disk-full", "disk full"),
    "locks_ignores_held_lock": ("locks", "outside event"),
    "locks_unchecked_result": ("locks", "outside event"),
    "threads_resize_unexcluded": ("threads", "racing threads"),
    "threads_size_before_mapping": ("threads", "racing threads"),
}
MODES = ("none", "injected fault", "outside event", "disk full", "racing threads")
CLASS_ORDER = ("bounds", "remap", "swallowed-error", "atomicity", "leak", "signal/outside", "disk-full", "locks", "threads")

# One bug of each class: the --quick selection.
QUICK = ("bounds_by_page", "no_remap_after_grow", "swallowed_ftruncate_error", "non_atomic_resize",
         "fd_leak_on_close_empty", "claims_truncation_safety", "sparse_growth")


@dataclasses.dataclass(frozen=True)
class Bug:
    name: str                 # the mutant's name; "correct" for the correct library
    klass: str
    mode: str                 # the fault mode that reveals it (MODES)
    kinds: tuple              # mapfuzz finding kinds that count as catching it
    fault_only: bool          # only injected faults reveal it (enumerate is expected to find it)

    @property
    def is_correct(self):
        return self.name == "correct"


CORRECT = Bug("correct", "-", "-", (), False)


class BugTableError(Exception):
    """The build files and LABELS disagree, or a file cannot be read."""


def _cmake_list(text, var):
    """The items of `set(<var> item item ... [CACHE ...])` in CMake text
    (quotes dropped, comments ignored)."""
    m = re.search(r"set\(%s\s+(.*?)\)" % re.escape(var), re.sub(r"#[^\n]*", "", text), re.S)
    if not m:
        raise BugTableError("no set(%s ...) found" % var)
    items = [w.strip('"') for w in m.group(1).split()]
    return items[:items.index("CACHE")] if "CACHE" in items else items


def load(root):
    """Every planted bug, in the order of MAPFUZZ_REFERENCE_MUTANTS. Raises
    BugTableError when a mutant has no label or no expectation."""
    try:
        targets = open(os.path.join(root, "targets", "CMakeLists.txt")).read()
        tests = open(os.path.join(root, "tests", "targets", "CMakeLists.txt")).read()
    except OSError as e:
        raise BugTableError(str(e)) from e
    names = _cmake_list(targets, "MAPFUZZ_REFERENCE_MUTANTS")
    expected = dict(e.split("=", 1) for e in _cmake_list(tests, "MAPFUZZ_REFERENCE_MUTANT_EXPECTATIONS"))
    fault_only = set(_cmake_list(tests, "MAPFUZZ_REFERENCE_FAULT_MUTANTS"))
    bugs = []
    for n in names:
        if n not in LABELS or n not in expected:
            raise BugTableError("mutant %s has no %s" % (n, "label (benchmark_bugs.LABELS)" if n not in LABELS
                                                          else "expectation in tests/targets/CMakeLists.txt"))
        klass, mode = LABELS[n]
        bugs.append(Bug(n, klass, mode, tuple(expected[n].split("|")), n in fault_only))
    return bugs


def select(bugs, spec, quick):
    """The bugs named in `spec` (comma-separated), else QUICK with `quick`,
    else all. Raises BugTableError naming an unknown one."""
    names = [s.strip() for s in spec.split(",") if s.strip()] if spec else list(QUICK) if quick else None
    if names is None:
        return bugs
    by_name = {b.name: b for b in bugs}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise BugTableError("unknown bug(s) %s (known: %s)" % (", ".join(unknown), " ".join(by_name)))
    return [by_name[n] for n in names]
