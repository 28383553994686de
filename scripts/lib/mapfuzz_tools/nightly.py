"""scripts/nightly: the nightly robustness job. For every selected target,
within a shared time budget: fuzzing in fork mode over a persistent corpus,
the property tests with a fresh seed, `enumerate` over the seed and
regression corpora; then triage of everything they found (known vs new,
new ones minimised into reproducers/), and the reports (junit.xml,
summary.md, report.html, results.json) in --out.

Exit status: 0 no new finding, 1 new finding(s), 2 usage or harness error.
"""
import argparse
import datetime
import fnmatch
import json
import os
import socket
import subprocess
import sys
import time

from mapfuzz_tools import bounded, exit_codes, known, nightly_checks, nightly_report, triage as triage_mod
from mapfuzz_tools.replay import ReplayError
from mapfuzz_tools.triage_main import collect, summary_lines

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EXIT_NONE, EXIT_NEW, EXIT_ERROR = exit_codes.CLEAN, exit_codes.FINDING, exit_codes.USAGE
MUTANT_PATTERN = "reference_mut_*"
REPORT_RESERVE_S = 5


class UsageError(Exception):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scripts/nightly", description=__doc__.split("\n\n")[0].replace(
        "scripts/nightly: ", ""), epilog="Exit status: 0 no new finding, 1 new finding(s), 2 usage or harness error.")
    p.add_argument("--budget", type=int, default=3600, metavar="SECONDS",
                   help="time for the checks of all targets together (default 3600); triage has its own")
    p.add_argument("--triage-budget", type=int, metavar="SECONDS",
                   help="time for triage of all targets (default: half the budget, at least 60)")
    p.add_argument("--targets", default="", metavar="LIST",
                   help="comma-separated names or shell patterns (e.g. 'reference_mut_*'); default: every "
                        "configured target except the planted-bug mutants")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "nightly"), metavar="DIR",
                   help="reports, reproducers/ and work files (default build/nightly)")
    p.add_argument("--corpus", metavar="DIR", help="the persistent corpora, one store per target "
                   "(default OUT/corpus; keep it between nights)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="fuzzing jobs (libFuzzer -fork)")
    p.add_argument("--bin", metavar="DIR", help="prebuilt executables (default: build them with the test preset)")
    args = p.parse_args(argv)
    if args.budget <= 0:
        p.error("--budget must be more than 0 seconds")
    if args.triage_budget is not None and args.triage_budget <= 0:
        p.error("--triage-budget must be more than 0 seconds")
    if args.jobs <= 0:
        p.error("--jobs must be at least 1")
    args.triage_budget = args.triage_budget or max(60, args.budget // 2)
    args.out = os.path.abspath(args.out)
    args.corpus = os.path.abspath(args.corpus or os.path.join(args.out, "corpus"))
    return args


def configured_targets(bin_dir):
    """Every target with a command line in `bin_dir`."""
    names = [n[len("mapfuzz-"):] for n in os.listdir(bin_dir) if n.startswith("mapfuzz-")]
    return sorted(n for n in names if os.access(os.path.join(bin_dir, "mapfuzz-" + n), os.X_OK))


def select_targets(available, spec):
    """The targets `spec` names (names and shell patterns, comma-separated);
    by default every one but the mutants. Raises UsageError naming a part
    of `spec` that matches nothing."""
    if not spec:
        return [t for t in available if not fnmatch.fnmatchcase(t, MUTANT_PATTERN)]
    chosen = []
    for part in filter(None, (s.strip() for s in spec.split(","))):
        hits = [t for t in available if fnmatch.fnmatchcase(t, part)]
        if not hits:
            raise UsageError("--targets: '%s' matches no configured target (configured: %s)"
                             % (part, " ".join(available)))
        chosen += [t for t in hits if t not in chosen]
    return chosen


def build(out_dir):
    """Installs what is missing and builds every executable with the test
    preset (the mutants included). Returns the bin dir; raises RuntimeError."""
    log = os.path.join(out_dir, "build.log")
    steps = [[os.path.join(ROOT, "scripts", "setup"), "targets"], ["cmake", "--preset", "test"],
             ["cmake", "--build", "--preset", "test"]]
    with open(log, "wb") as f:
        for cmd in steps:
            if subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT).returncode != 0:
                raise RuntimeError("'%s' failed (see %s)" % (" ".join(cmd), log))
    return os.path.join(ROOT, "build", "test", "targets")


def say(text):
    print(text, flush=True)


class Clock:
    """The shared budget: each target gets an even share of what is left."""

    def __init__(self, seconds):
        self.start, self.seconds = time.monotonic(), seconds

    def left(self):
        return max(0.0, self.seconds - (time.monotonic() - self.start))

    def share(self, targets_left):
        return self.left() / max(1, targets_left)


def check_target(target, share, jobs, env):
    """Fuzzing (half the share, `jobs` processes), then the property tests
    and enumeration side by side (the other half). Returns the target's
    results entry."""
    entry = {"name": target.name, "checks": [], "series": []}
    half = share / 2
    try:
        fuzz_entry, entry["series"] = nightly_checks.fuzz(target, half, jobs, env)
        entry["checks"].append(fuzz_entry)
    except Exception as e:  # noqa: BLE001 - one target's failure must not stop the night
        entry["checks"].append({"check": "fuzz", "status": "error", "seconds": 0, "message": str(e)})
    rest = max(5.0, share - sum(c["seconds"] for c in entry["checks"]))
    deadline = time.monotonic() + rest
    has_property = os.access(target.exe("property"), os.X_OK)
    prop = nightly_checks.property_tests(target, rest, env) if has_property else None
    enum_proc, enum_log = nightly_checks.enumerate_faults(target, env)
    if prop:
        entry["checks"].append(nightly_checks.finish_property(prop[0], deadline - time.monotonic(), *prop[1:]))
    entry["checks"].append(nightly_checks.finish_enumerate(enum_proc, deadline - time.monotonic(), enum_log))
    return entry


def _relative(findings, out_dir):
    for f in findings:
        for key in ("reproducer", "known_as"):
            if f[key]:
                f[key] = os.path.relpath(f[key], out_dir)
    return findings


def _merged(findings):
    """One entry per (target, signature): counts added, sources joined."""
    out = {}
    for f in findings:
        key = (f["target"], f["signature"])
        if key in out:
            out[key]["count"] += f["count"]
            out[key]["sources"] = sorted(set(out[key]["sources"]) | set(f["sources"]))
        else:
            out[key] = dict(f)
    return list(out.values())


def _triage(target, out_dir, inputs, seconds, env, **kw):
    job = triage_mod.TriageJob(target=target.name, cli=target.cli, inputs=inputs, out_dir=out_dir,
                               budget_s=seconds, regressions_dir=os.path.join(ROOT, "corpus", "regressions"),
                               root=ROOT, env=env, **kw)
    began = time.monotonic()
    result = triage_mod.triage(job)
    say("\n".join(summary_lines(result, seconds, time.monotonic() - began)))
    return result


def documented(target, out_dir, seconds, env):
    """The target's documented findings (corpus/regressions/TARGET/EXPECTED),
    replayed as documented (without MAPFUZZ_AVOID_KNOWN): each is listed as
    known, and a reproducer that no longer shows a finding is reported (a
    library upgrade changed it). Returns (findings, check entry or None)."""
    entries = [e for e in known.load(os.path.join(ROOT, "corpus", "regressions"), target.name)
               if e.outcome not in ("clean", "hazard")]
    if not entries:
        return [], None
    plain = {k: v for k, v in env.items() if k != "MAPFUZZ_AVOID_KNOWN"}
    say("   %s, documented findings: %d reproducer(s)" % (target.name, len(entries)))
    began = time.monotonic()
    result = _triage(target, out_dir, [(e.file, "regressions") for e in entries], seconds, plain, minimise=False)
    changed = len(result.not_reproduced) + len(result.new)
    check = {"check": "regressions", "status": "findings" if changed else "ok",
             "seconds": round(time.monotonic() - began, 1),
             "message": "%d documented finding(s) replayed; %d changed" % (len(entries), changed)}
    return triage_mod.finding_dicts(result, target.cli), check


def triage_target(target, out_dir, seconds, env):
    """Triage of everything the checks of `target` left, and of its documented
    findings. Returns (findings, the regressions check entry or None)."""
    inputs = []
    # A fuzz crash leaves its crash file and the same program as mapfuzz-*.txt: the crash file is enough.
    inputs += collect([target.artifacts("fuzz")], "fuzz", prefixes=("crash-", "timeout-", "leak-", "oom-"))
    for check in ("property", "enumerate"):
        inputs += collect([target.artifacts(check)], check)
    say("   %s: %d input(s)" % (target.name, len(inputs)))
    began = time.monotonic()
    findings = triage_mod.finding_dicts(_triage(target, out_dir, inputs, seconds * 0.8, env), target.cli)
    docs, check = documented(target, out_dir, max(5.0, seconds - (time.monotonic() - began)), env)
    return _relative(_merged(findings + docs), out_dir), check


def run_checks(targets, args, env):
    clock, entries = Clock(args.budget), []
    for i, t in enumerate(targets):
        share = clock.share(len(targets) - i)
        say("[%d/%d] %s: %.0f s (fuzz, then property and enumerate); %.0f s of the budget left"
            % (i + 1, len(targets), t.name, share, clock.left()))
        entry = check_target(t, share, args.jobs, env)
        for c in entry["checks"]:
            say("   %-9s %-8s %6.1f s  %s" % (c["check"], c["status"], c["seconds"], c.get("message", "")))
        entries.append(entry)
    return entries


def prepare(args):
    """Builds (unless --bin), selects the targets, clears the last night's
    work and reproducers (never the corpus). Returns the Target list."""
    os.makedirs(args.out, exist_ok=True)
    bin_dir = os.path.abspath(args.bin) if args.bin else build(args.out)
    names = select_targets(configured_targets(bin_dir), args.targets)
    for d in ("work", "reproducers"):
        subprocess.run(["rm", "-rf", os.path.join(args.out, d)], check=True)
    return [nightly_checks.Target(n, bin_dir, ROOT, os.path.join(args.out, "work"), args.corpus) for n in names]


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    bounded.install_signal_handlers()
    started, wall = datetime.datetime.now(datetime.timezone.utc), time.monotonic()
    try:
        targets = prepare(args)
    except (UsageError, RuntimeError, OSError) as e:
        print("scripts/nightly: %s" % e, file=sys.stderr)
        return EXIT_ERROR
    say("== mapfuzz nightly: %d target(s): %s" % (len(targets), " ".join(t.name for t in targets)))
    say("   budget %d s for the checks + %d s for triage: ends within %d s (the build before it is not counted)"
        % (args.budget, args.triage_budget, args.budget + args.triage_budget))
    env = dict(os.environ)
    env.setdefault("MAPFUZZ_AVOID_KNOWN", "all")  # steer around what docs/FINDINGS.md already records
    entries = run_checks(targets, args, env)
    # Triage gets what is left of budget + triage budget, less a little for the reports.
    left = args.budget + args.triage_budget - (time.monotonic() - wall) - REPORT_RESERVE_S
    say("== triage (%d s)" % left)
    tclock, findings, errors = Clock(max(1.0, left)), [], []
    for i, t in enumerate(targets):
        try:
            found, check = triage_target(t, args.out, tclock.share(len(targets) - i), env)
            findings += found
            if check:
                next(e for e in entries if e["name"] == t.name)["checks"].append(check)
        except (ReplayError, known.KnownError, OSError) as e:
            errors.append({"target": t.name, "message": "triage: %s" % e})
    return finish(args, entries, findings, errors, started, wall)


def finish(args, entries, findings, errors, started, wall):
    """Writes results.json and the reports; returns the exit status."""
    new = [f for f in findings if f["status"] == "new"]
    broken = errors or any(c["status"] == "error" for e in entries for c in e["checks"])
    status = EXIT_NEW if new else EXIT_ERROR if broken else EXIT_NONE
    results = {"schema": 1, "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "budget_s": args.budget,
               "triage_budget_s": args.triage_budget, "elapsed_s": round(time.monotonic() - wall, 1),
               "host": socket.gethostname(), "exit_status": status, "command": " ".join(["scripts/nightly"] +
               sys.argv[1:]), "targets": entries, "findings": findings, "errors": errors}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    paths = nightly_report.write_reports(results, args.out)
    say("== %s; %d known finding(s); %.0f s" % ("%d NEW finding(s)" % len(new) if new else "no new finding",
                                              len(findings) - len(new), results["elapsed_s"]))
    for key in ("summary", "junit", "html"):
        say("   %s" % paths[key])
    if new:
        say("   reproducers: %s" % os.path.join(args.out, "reproducers"))
    return status
