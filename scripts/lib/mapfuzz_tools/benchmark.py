"""scripts/benchmark: the bug-finding benchmark, the FuzzBench/Magma way.
Every contestant (mapfuzz fuzzing from an empty corpus and from the seeds,
the property test, `enumerate`, and a plain libFuzzer baseline bare and
under libfiu's fiu-run) runs on the same planted bugs of the reference
library, with the same budget, on the same CPU, for N trials with different
seeds; and on the correct library, where any report is a false positive.
Per (contestant, bug) it reports the fraction of trials that found the bug,
the median time to first detection and the restricted mean survival time
(RMST) censored at the budget. Writes results.json, BENCHMARK.md and
benchmark.html (a survival plot per bug class) to --out.
"""
import argparse
import dataclasses
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

from mapfuzz_tools import benchmark_bugs as bugs_mod, benchmark_contestants as contestants_mod
from mapfuzz_tools import benchmark_report, benchmark_trial, bounded, exit_codes

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EPILOG = """Exit status: 0 done, every mapfuzz contestant (of --gate) found every planted bug it is expected to
catch in every trial (fuzzing and the property test: all; enumerate: the bugs only injected faults
reveal) and reported nothing on the correct library; 1 a mapfuzz contestant missed a planted bug in
some trial or reported a false positive (each is named); 2 usage error, build error, or a run that
could not be judged. The baseline's misses and false positives are reported, never fatal."""


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scripts/benchmark", description=__doc__.split("\n\n")[0].replace(
        "scripts/benchmark: ", ""), epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="one bug per class (%s), 2 trials, 3 s budget "
                   "unless given (a few minutes: for CI)" % ", ".join(bugs_mod.QUICK))
    p.add_argument("--trials", type=int, metavar="N", help="trials per (contestant, bug) (default 10; --quick 2)")
    p.add_argument("--budget", type=float, metavar="S", help="seconds per trial (default 10; --quick 3)")
    p.add_argument("--bugs", default="", metavar="LIST", help="comma-separated mutant names (default: all; "
                   "--quick: one per class); the correct library always runs too")
    p.add_argument("--contestants", default="", metavar="LIST",
                   help="comma-separated ids (default all: %s)" % ", ".join(c.id for c in contestants_mod.ALL))
    p.add_argument("--gate", default="", metavar="LIST",
                   help="the mapfuzz contestants whose misses set exit status 1 (default: every mapfuzz "
                        "contestant that runs); false positives of any mapfuzz contestant always do")
    p.add_argument("--cpu", type=int, default=(os.cpu_count() or 1) - 1,
                   help="the CPU every trial is pinned to (default: the last one, %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="trial i uses seed SEED+i (default 1)")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "benchmark"), metavar="DIR",
                   help="results.json, BENCHMARK.md, benchmark.html and logs/ (default build/benchmark)")
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "test"), metavar="DIR",
                   help="the test preset's build directory (default build/test)")
    p.add_argument("--report-only", action="store_true", help="run nothing: judge OUT/results.json again "
                   "with the current rules and rewrite BENCHMARK.md and benchmark.html")
    p.add_argument("--no-build", action="store_true", help="use --bin as it is (default: scripts/setup bench, "
                   "then build what runs with the test preset first)")
    args = p.parse_args(argv)
    args.trials = args.trials if args.trials is not None else 2 if args.quick else 10
    args.budget = args.budget if args.budget is not None else 3.0 if args.quick else 10.0
    if args.trials < 1 or args.budget <= 0:
        p.error("--trials must be at least 1 and --budget more than 0")
    if not 0 <= args.cpu < (os.cpu_count() or 1):
        p.error("--cpu %d: this machine has CPUs 0-%d" % (args.cpu, (os.cpu_count() or 1) - 1))
    try:
        args.bug_list = bugs_mod.select(bugs_mod.load(ROOT), args.bugs, args.quick)
        args.contestant_list = contestants_mod.select(args.contestants)
        gate = contestants_mod.select(args.gate) if args.gate else args.contestant_list
        args.gate_ids = {c.id for c in gate if c.mapfuzz}
    except (bugs_mod.BugTableError, ValueError) as e:
        p.error(str(e))
    args.out, args.bin = os.path.abspath(args.out), os.path.abspath(args.bin)
    return args


def say(text):
    print(text, flush=True)


def build(args, bugs):
    """Installs what is missing (scripts/setup bench: fiu-run), configures the
    test preset and builds the executables the run needs."""
    want = set()
    for c in args.contestant_list:
        for b in [bugs_mod.CORRECT] + bugs:
            want.add(os.path.basename(c.executable(_context(args, ""), b)))
    want.add("mapfuzz-reference")
    log = os.path.join(args.out, "build.log")
    with open(log, "wb") as f:
        for cmd in ([os.path.join(ROOT, "scripts", "setup"), "bench"], ["cmake", "--preset", "test"], ["cmake", "--build", "--preset", "test", "--target"] + sorted(want)):
            if subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT).returncode != 0:
                raise RuntimeError("'%s' failed (see %s)" % (" ".join(cmd[:5]), log))


def _context(args, work):
    return contestants_mod.Context(root=ROOT, targets_bin=os.path.join(args.bin, "targets"),
                                   bench_bin=os.path.join(args.bin, "tests", "bench"),
                                   seeds=os.path.join(work, "seeds"),
                                   text_seeds=os.path.join(ROOT, "corpus", "reference"),
                                   lsan_supp=os.path.join(work, "lsan.supp"), cpu=args.cpu, budget=args.budget)


def prepare(ctx, args, work):
    """Checks every executable, encodes the seeds, writes the suppressions."""
    missing = [c.executable(ctx, b) for c in args.contestant_list for b in [bugs_mod.CORRECT] + args.bug_list
               if not os.access(c.executable(ctx, b), os.X_OK)]
    if missing:
        raise RuntimeError("not built: %s (run without --no-build)" % ", ".join(sorted(set(missing))[:6]))
    if any(c.fiu for c in args.contestant_list) and not shutil.which("fiu-run"):
        raise RuntimeError("fiu-run not found (apt-get install fiu-utils) for the baseline-fiu contestant")
    cli = os.path.join(ctx.targets_bin, "mapfuzz-reference")
    done = subprocess.run([cli, "encode-dir", ctx.text_seeds, ctx.seeds], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("cannot encode %s: %s" % (ctx.text_seeds, done.stderr.strip()))
    with open(ctx.lsan_supp, "w") as f:
        f.write("leak:fiu_run_preload.so\nleak:fiu_posix_preload.so\n")


def run_trial(ctx, contestant, bug, seed, trial_dir, log):
    """One trial; a contestant with `repeat` runs again with the next seed
    while it ends clean before the budget. Returns an Outcome."""
    spent, runs = 0.0, 0
    while True:
        run_dir = os.path.join(trial_dir, "run%d" % runs)
        os.makedirs(os.path.join(run_dir, "artifacts"), exist_ok=True)
        os.makedirs(os.path.join(run_dir, "corpus"), exist_ok=True)
        cmd, extra = contestant.command(ctx, bug, seed + 100000 * runs, run_dir)
        out = benchmark_trial.run(cmd, log if runs == 0 else "%s.%d" % (log, runs), ctx.budget - spent,
                                  dict(os.environ, **extra), run_dir, os.path.join(run_dir, "artifacts"))
        out.seconds += spent
        spent, runs = out.seconds, runs + 1
        if out.detected or out.error or out.timed_out or not contestant.repeat or spent >= ctx.budget - 0.5:
            return out


def trial_record(contestant, bug, trial, seed, outcome, log):
    return {"contestant": contestant.id, "bug": bug.name, "trial": trial, "seed": seed,
            "seconds": round(outcome.seconds, 3), "detected": outcome.detected,
            "found": contestants_mod.counts_as_found(contestant, bug, outcome.kind, outcome.detected),
            "expected_kind": contestants_mod.expected_kind(bug, outcome.kind), "kind": outcome.kind,
            "detail": outcome.detail, "status": outcome.status, "error": outcome.error, "log": log}


def progress(n, total, rec):
    what = ("found (%s)" % rec["kind"] if rec["found"] else "FALSE POSITIVE: %s" % rec["kind"]
            if rec["bug"] == "correct" and rec["detected"] else "detected something else: %s" % rec["kind"]
            if rec["detected"] else "ERROR: %s" % rec["error"] if rec["error"] else "nothing")
    say("[%d/%d] %-20s %-26s trial %-2d seed %-4d %6.2f s  %s" % (n, total, rec["contestant"], rec["bug"],
                                                               rec["trial"], rec["seed"], rec["seconds"], what))


def run_all(ctx, args, work):
    """Every trial of every (bug, contestant), the correct library first.
    Returns the trial records."""
    plan = [(b, c) for b in [bugs_mod.CORRECT] + args.bug_list for c in args.contestant_list]
    total = sum(1 if c.deterministic else args.trials for _, c in plan)
    records, n = [], 0
    for bug, c in plan:
        logs = os.path.join(args.out, "logs", c.id, bug.name)
        os.makedirs(logs, exist_ok=True)
        for i in range(1 if c.deterministic else args.trials):
            seed = args.seed + i
            log = os.path.join(logs, "trial%d.log" % i)
            outcome = run_trial(ctx, c, bug, seed, os.path.join(work, "t", c.id, bug.name, str(i)), log)
            shutil.rmtree(os.path.join(work, "t"), ignore_errors=True)
            rec = trial_record(c, bug, i, seed, outcome, os.path.relpath(log, args.out))
            n += 1
            progress(n, total, rec)
            # A deterministic contestant's one run counts for every trial.
            records += [dict(rec, trial=k) for k in range(args.trials)] if c.deterministic else [rec]
    return records


def verdict(records, contestants, bugs, gate_ids):
    """(exit status, problem lines, note lines): the false positives of
    mapfuzz contestants and the misses of the gated ones are problems (exit
    1), runs that could not be judged errors (exit 2); the misses of mapfuzz
    contestants outside --gate are notes."""
    problems, notes, errors = [], [], [r for r in records if r["error"]]
    for c in contestants:
        mine = [r for r in records if r["contestant"] == c.id]
        fps = [r for r in mine if r["bug"] == "correct" and r["detected"]]
        if fps and c.mapfuzz:
            problems.append("FALSE POSITIVE: %s reported %s on the correct library in %d of %d trial(s)"
                            % (c.id, ", ".join(sorted({r["kind"] for r in fps})), len(fps),
                               len([r for r in mine if r["bug"] == "correct"])))
        for b in bugs:
            rs = [r for r in mine if r["bug"] == b.name]
            hit = sum(r["found"] for r in rs)
            if contestants_mod.expected(c, b) and hit < len(rs):
                line = "MISSED: %s found %s in %d of %d trial(s)" % (c.id, b.name, hit, len(rs))
                (problems if c.id in gate_ids else notes).append(line)
    status = exit_codes.USAGE if errors else exit_codes.FINDING if problems else exit_codes.CLEAN
    errors = ["ERROR: %s on %s: %s" % (r["contestant"], r["bug"], r["error"]) for r in errors]
    return status, problems + errors, ["(not gated) " + n for n in notes]


def machine_line(args):
    load = open("/proc/loadavg").read().split()[:3]
    return "%s, %d CPUs (%s), load average %s at start; trials pinned to CPU %d" % (
        platform.node(), os.cpu_count() or 1, platform.machine(), " ".join(load), args.cpu)


def judge(results):
    """Counts each record as found or not by the current rules
    (benchmark_contestants), then the verdict: sets found, expected_kind,
    problems, notes and exit_status in `results`; returns the status."""
    bugs = {b.name: b for b in bugs_mod.load(ROOT)}
    bugs["correct"] = bugs_mod.CORRECT
    by_id = {c.id: c for c in contestants_mod.ALL}
    for r in results["records"]:
        c, b = by_id[r["contestant"]], bugs[r["bug"]]
        r["found"] = contestants_mod.counts_as_found(c, b, r["kind"], r["detected"])
        r["expected_kind"] = contestants_mod.expected_kind(b, r["kind"])
    contestants = [by_id[c["id"]] for c in results["contestants"]]
    gate = set(results.get("gate") or [c.id for c in contestants if c.mapfuzz])
    status, problems, notes = verdict(results["records"], contestants,
                                      [bugs[b["name"]] for b in results["bugs"]], gate)
    results.update(problems=problems, notes=notes, exit_status=status)
    return status


def finish(results, out_dir):
    """Judges `results`, writes results.json and the reports to out_dir,
    prints the table and the verdict; returns the exit status."""
    status = judge(results)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    paths = benchmark_report.write(results, out_dir)
    say("")
    say(benchmark_report.text_summary(results))
    for line in results["problems"] + results["notes"]:
        say(line)
    say("== %s; %.0f s; %s" % ("done" if status == 0 else "exit status %d" % status, results["elapsed_s"],
                               " ".join(paths)))
    return status


def report_only(out_dir):
    """--report-only: judges OUT/results.json again and rewrites the reports."""
    try:
        with open(os.path.join(out_dir, "results.json")) as f:
            results = json.load(f)
    except (OSError, ValueError) as e:
        print("scripts/benchmark: --report-only: %s" % e, file=sys.stderr)
        return exit_codes.USAGE
    results.setdefault("reports", []).append("re-judged and re-rendered by --report-only at %s" % (
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")))
    return finish(results, out_dir)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.report_only:
        return report_only(args.out)
    bounded.install_signal_handlers()
    os.makedirs(args.out, exist_ok=True)
    started, wall = datetime.datetime.now(datetime.timezone.utc), time.monotonic()
    machine = machine_line(args)
    work = tempfile.mkdtemp(prefix="mapfuzz-benchmark-")
    try:
        if not args.no_build:
            say("== building the executables the benchmark runs (test preset)")
            build(args, args.bug_list)
        ctx = _context(args, work)
        prepare(ctx, args, work)
        say("== mapfuzz bug-finding benchmark: %d bug(s) + the correct library, %d contestant(s), %d trial(s), "
            "%g s budget" % (len(args.bug_list), len(args.contestant_list), args.trials, args.budget))
        say("   machine: " + machine)
        shutil.rmtree(os.path.join(args.out, "logs"), ignore_errors=True)
        records = run_all(ctx, args, work)
    except (RuntimeError, OSError) as e:
        print("scripts/benchmark: %s" % e, file=sys.stderr)
        return exit_codes.USAGE
    except SystemExit:
        print("scripts/benchmark: interrupted; every trial stopped, work files removed", file=sys.stderr)
        raise
    finally:
        bounded.kill_all()
        shutil.rmtree(work, ignore_errors=True)
    results = {"schema": 1, "started": started.strftime("%Y-%m-%d %H:%M UTC"),
               "elapsed_s": round(time.monotonic() - wall, 1), "command": " ".join(["scripts/benchmark"] + argv),
               "machine": machine, "load_end": " ".join(open("/proc/loadavg").read().split()[:3]),
               "trials": args.trials, "seed": args.seed, "budget_s": args.budget,
               "bugs": [dataclasses.asdict(b) for b in args.bug_list],
               "contestants": [dataclasses.asdict(c) for c in args.contestant_list], "gate": sorted(args.gate_ids),
               "fiu": {"points": list(contestants_mod.FIU_POINTS), "probability": contestants_mod.FIU_PROBABILITY},
               "records": records}
    return finish(results, args.out)
