"""The three checks the nightly job runs on one target, each bounded in time:
fuzzing in fork mode over the persistent corpus, the property tests with a
fresh seed, and `enumerate` over the seed and regression corpora. Each check
leaves the programs of its findings in its own artifacts directory, for
triage, and returns a check entry of the nightly results (nightly_report.py).
"""
import os
import random
import time

from mapfuzz_tools import bounded, corpus_store, exit_codes, libfuzzer_log

# A check gets this long after its own time limit to stop by itself.
GRACE_S = 20
# Rapidcheck cases per property: high; the time limit ends the run first.
PROPERTY_CASES = 100000


class Target:
    """Where one target's executables, seeds and work files are."""

    def __init__(self, name, bin_dir, root, work_dir, corpus_root):
        self.name, self.bin_dir, self.root = name, bin_dir, root
        self.work = os.path.join(work_dir, name)
        self.store_root = os.path.join(corpus_root, name)
        # The reference library's styles and mutants share its seeds.
        seeds = os.path.join(root, "corpus", name)
        self.seeds = seeds if os.path.isdir(seeds) else os.path.join(root, "corpus", "reference")
        self.regressions = os.path.join(root, "corpus", "regressions", name)

    def exe(self, kind):
        return os.path.join(self.bin_dir, "%s_%s" % (kind, self.name))

    @property
    def cli(self):
        return os.path.join(self.bin_dir, "mapfuzz-" + self.name)

    def artifacts(self, check):
        path = os.path.join(self.work, check, "artifacts")
        os.makedirs(path, exist_ok=True)
        return path


def _entry(check, finished, log, **extra):
    """The check's entry, its status from the exit-code table (exit_codes.py):
    clean or inconclusive (said in the message) is ok, a finding is
    findings, a usage error or a death by a signal is error."""
    code = finished.status
    inconclusive = code == exit_codes.INCONCLUSIVE and not finished.timed_out
    status = ("ok" if code in (exit_codes.CLEAN, exit_codes.INCONCLUSIVE) or finished.timed_out else
              "error" if code == exit_codes.USAGE or code < 0 else "findings")
    entry = {"check": check, "status": status, "seconds": round(finished.seconds, 1), "log": log}
    entry.update(extra)
    if inconclusive:
        entry["message"] = ((entry.get("message") or "") + "; inconclusive: a fault mode some program needs "
                            "is unavailable here (see the log)").lstrip("; ")
    return entry


def _encode_seeds(target, env):
    out = os.path.join(target.work, "fuzz", "seeds")
    log = os.path.join(target.work, "fuzz", "encode.log")
    done = bounded.run([target.cli, "encode-dir", target.seeds, out], log, 60, env=env)
    if done.status != 0:
        raise RuntimeError("cannot encode the seeds %s (see %s)" % (target.seeds, log))
    return out


def fuzz(target, seconds, jobs, env):
    """libFuzzer in fork mode for `seconds`, reading the persistent corpus and
    merging what it found into it afterwards."""
    store = corpus_store.open_store(target.store_root)
    new = os.path.join(target.work, "fuzz", "new")
    os.makedirs(new, exist_ok=True)
    seeds = _encode_seeds(target, env)
    artifacts = target.artifacts("fuzz")
    log = os.path.join(target.work, "fuzz", "fuzz.log")
    cmd = [target.exe("fuzz"), new, store.current_dir(), seeds, "-dict=" + os.path.join(target.root, "corpus",
           "mapfuzz.dict"), "-fork=%d" % jobs, "-ignore_crashes=1", "-ignore_timeouts=1", "-ignore_ooms=1",
           "-max_total_time=%d" % max(1, int(seconds)), "-print_final_stats=1", "-artifact_prefix=" + artifacts + "/"]
    # cwd: fork mode's per-job logs and anything a job saves without a prefix land with the artifacts.
    done = bounded.run(cmd, log, seconds + GRACE_S, env=dict(env, MAPFUZZ_ARTIFACT_DIR=artifacts), cwd=artifacts)
    counts = store.merge([new])
    parsed = libfuzzer_log.parse_file(log, duration=done.seconds)
    entry = _entry("fuzz", done, log, executions=parsed["totals"]["executions"],
                   message="%d exec/s; corpus %d -> %d inputs" % (parsed["totals"]["exec_per_s"], counts.before,
                                                                  counts.after))
    entry["status"] = "ok"  # crash files are triaged; libFuzzer's status says nothing more
    return entry, libfuzzer_log.downsample(parsed["points"])


def property_tests(target, seconds, env, seed=None):
    """The target's rapidcheck properties with a fresh seed (printed), until
    PROPERTY_CASES cases or `seconds`."""
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    artifacts = target.artifacts("property")
    log = os.path.join(target.work, "property", "property.log")
    env = dict(env, RC_PARAMS="seed=%d max_success=%d" % (seed, PROPERTY_CASES), MAPFUZZ_ARTIFACT_DIR=artifacts)
    proc = bounded.start([target.exe("property")], log, env=env, cwd=artifacts)
    return proc, seed, log


def finish_property(proc, seconds, seed, log):
    done = bounded.wait(proc, seconds)
    entry = _entry("property", done, log, seed=seed,
                   message="seed %d%s" % (seed, ", stopped at its time limit" if done.timed_out else ""))
    return entry


def enumerate_faults(target, env):
    """`enumerate` over the seed corpus and the regression corpus."""
    artifacts = target.artifacts("enumerate")
    log = os.path.join(target.work, "enumerate", "enumerate.log")
    dirs = [d for d in (target.seeds, target.regressions) if os.path.isdir(d)]
    env = dict(env, MAPFUZZ_ARTIFACT_DIR=artifacts)
    return bounded.start([target.cli, "enumerate", "--quiet"] + dirs, log, env=env, cwd=artifacts), log


def finish_enumerate(proc, seconds, log):
    done = bounded.wait(proc, seconds)
    return _entry("enumerate", done, log,
                  message="stopped at its time limit" if done.timed_out else "every fault of every seed")
