"""The contestants of the bug-finding benchmark: how each one is run on one
bug (a planted mutant of the reference library, or the correct library) for
one trial. Every contestant gets the same bug, budget and CPU.

  mapfuzz-fuzz-empty   fuzz_<target> from an empty corpus, all fault modes on (the defaults)
  mapfuzz-fuzz-seeds   the same from the seed corpus (corpus/reference, encoded with encode-dir)
  mapfuzz-property     property_<target>, a different RC_PARAMS seed per trial
                       (max_success=300 as in tests/targets; run again with the next seed
                       until the budget is spent)
  mapfuzz-enumerate    mapfuzz-<target> enumerate over corpus/reference: deterministic,
                       run once, its one result counted for every trial
  baseline             baseline_fuzz_<bug> (tests/bench/baseline_fuzz.cc), empty corpus
  baseline-fiu         the same under libfiu's `fiu-run -x` with random faults (FIU_POINTS)
"""
import dataclasses
import os
import re

FIU_PROBABILITY = 0.05
# libfiu's POSIX failure points for the calls the reference library makes
# (it has none for posix_fallocate or mremap).
FIU_POINTS = ("posix/mm/*", "posix/io/oc/*", "posix/io/rw/ftruncate", "posix/io/sync/*")
PROPERTY_CASES = 300


@dataclasses.dataclass
class Context:
    """Where things are, shared by every trial."""
    root: str            # the mapfuzz checkout
    targets_bin: str     # build/test/targets
    bench_bin: str       # build/test/tests/bench
    seeds: str           # encoded seed corpus (binary, for libFuzzer)
    text_seeds: str      # corpus/reference (text programs, for enumerate)
    lsan_supp: str       # LeakSanitizer suppressions for fiu-run's preload
    cpu: int
    budget: float


@dataclasses.dataclass(frozen=True)
class Contestant:
    id: str
    label: str
    mapfuzz: bool        # one of mapfuzz's own: must find every planted bug (exit status 1 if not)
    kind: str            # fuzz | property | enumerate | baseline
    seeds: bool = False  # fuzz from the seed corpus
    fiu: bool = False
    deterministic: bool = False
    repeat: bool = False  # run again (next seed) when it ends clean before the budget

    def target(self, bug):
        """The executable's target name for `bug`."""
        if self.kind == "baseline":
            return "baseline_fuzz_" + ("correct" if bug.is_correct else bug.name)
        return "reference" if bug.is_correct else "reference_mut_" + bug.name

    def executable(self, ctx, bug):
        t = self.target(bug)
        if self.kind == "baseline":
            return os.path.join(ctx.bench_bin, t)
        prefix = {"fuzz": "fuzz_", "property": "property_", "enumerate": "mapfuzz-"}[self.kind]
        return os.path.join(ctx.targets_bin, prefix + t)

    def command(self, ctx, bug, seed, trial_dir):
        """(argv, extra environment) of one run in `trial_dir` with `seed`."""
        exe, art = self.executable(ctx, bug), os.path.join(trial_dir, "artifacts")
        pin = ["taskset", "-c", str(ctx.cpu)]
        env = {"MAPFUZZ_ARTIFACT_DIR": art, "TMPDIR": trial_dir}
        if self.kind == "property":
            env["RC_PARAMS"] = "seed=%d max_success=%d" % (seed, PROPERTY_CASES)
            return pin + [exe], env
        if self.kind == "enumerate":
            return pin + [exe, "enumerate", "--quiet", ctx.text_seeds], env
        lib = ["-seed=%d" % seed, "-max_total_time=%d" % max(1, int(round(ctx.budget))),
               "-artifact_prefix=" + art + "/", "-print_final_stats=1"]
        corpus = [os.path.join(trial_dir, "corpus")]
        if self.kind == "fuzz":
            extra = [ctx.seeds] if self.seeds else []
            return pin + [exe] + corpus + extra + lib + ["-dict=" + os.path.join(ctx.root, "corpus",
                                                                                "mapfuzz.dict")], env
        if not self.fiu:
            return pin + [exe] + corpus + lib, env
        fiu = ["fiu-run", "-x", "-f", ""]
        for p in FIU_POINTS:
            fiu += ["-c", "enable_random name=%s,probability=%s" % (p, FIU_PROBABILITY)]
        env.update(BASELINE_FAULTS="1", LSAN_OPTIONS="suppressions=" + ctx.lsan_supp)
        return pin + fiu + [exe] + corpus + lib, env


ALL = (
    Contestant("mapfuzz-fuzz-empty", "mapfuzz fuzz, empty corpus", True, "fuzz"),
    Contestant("mapfuzz-fuzz-seeds", "mapfuzz fuzz, seed corpus", True, "fuzz", seeds=True),
    Contestant("mapfuzz-property", "mapfuzz property test", True, "property", repeat=True),
    Contestant("mapfuzz-enumerate", "mapfuzz enumerate (deterministic)", True, "enumerate", deterministic=True),
    Contestant("baseline", "baseline libFuzzer target", False, "baseline"),
    Contestant("baseline-fiu", "baseline under fiu-run", False, "baseline", fiu=True),
)


def select(spec):
    """The contestants named in `spec` (comma-separated ids), else all.
    Raises ValueError naming an unknown one."""
    if not spec:
        return list(ALL)
    by_id = {c.id: c for c in ALL}
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in by_id]
    if unknown:
        raise ValueError("unknown contestant(s) %s (known: %s)" % (", ".join(unknown), " ".join(by_id)))
    return [by_id[n] for n in names]


def expected(contestant, bug):
    """Whether mapfuzz's own tests expect `contestant` to catch `bug`
    (tests/targets/CMakeLists.txt): fuzzing and property tests every planted
    bug, enumerate the ones only injected faults reveal. The baseline is
    never held to it."""
    if not contestant.mapfuzz or bug.is_correct:
        return False
    return bug.fault_only if contestant.kind == "enumerate" else True


def is_mapfuzz_kind(kind):
    """True for a mapfuzz finding kind ("not-atomic", "signal", ...): what a
    mapfuzz report or saved program names. Other detections ("UBSan runtime
    error", "baseline data-mismatch", "exit status 1") have spaces."""
    return bool(re.fullmatch(r"[a-z]+(-[a-z]+)*", kind or ""))


def counts_as_found(contestant, bug, kind, detected):
    """Whether a trial's detection counts as finding `bug`: for a mapfuzz
    contestant, a mapfuzz report of any kind (the correct library's runs
    measure what it reports without a bug; a kind outside the planted-bug
    tests' expectation is flagged in the tables, not dropped); for the
    baseline, any crash. What was detected is recorded either way."""
    if not detected or bug.is_correct:
        return False
    return is_mapfuzz_kind(kind) if contestant.mapfuzz else True


def expected_kind(bug, kind):
    """Whether `kind` is one tests/targets/CMakeLists.txt expects `bug` to be caught as."""
    return kind in bug.kinds
