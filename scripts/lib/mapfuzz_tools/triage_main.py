"""scripts/triage: the command line of triage.py, and the summary that
scripts/fuzz and scripts/nightly print."""
import argparse
import json
import os
import sys
import time

from mapfuzz_tools import exit_codes, known, triage as triage_mod
from mapfuzz_tools.replay import ReplayError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ARTIFACT_PREFIXES = ("crash-", "timeout-", "leak-", "oom-", "slow-unit-", "mapfuzz-")
EXIT_NONE, EXIT_NEW, EXIT_USAGE = exit_codes.CLEAN, exit_codes.FINDING, exit_codes.USAGE


def find_cli(target, bin_dir=None):
    """The mapfuzz-<target> to replay with: in `bin_dir`, else the fuzz build's, else the test build's."""
    dirs = [bin_dir] if bin_dir else [os.path.join(ROOT, "build", "fuzz", "targets"),
                                      os.path.join(ROOT, "build", "test", "targets")]
    for d in dirs:
        path = os.path.join(d, "mapfuzz-" + target)
        if os.access(path, os.X_OK):
            return path
    raise ReplayError("no mapfuzz-%s in %s (build it: cmake --build --preset fuzz --target mapfuzz-%s)"
                      % (target, " or ".join(dirs), target))


def collect(paths, source, prefixes=ARTIFACT_PREFIXES):
    """(file, source) for every file given, and for a directory every crash
    file and saved program in it (libFuzzer's crash-/timeout-/leak-/oom-
    files, mapfuzz's mapfuzz-<kind>-<hash>.txt; only names starting with one
    of `prefixes`)."""
    out = []
    for p in map(os.path.abspath, paths):
        if os.path.isdir(p):
            out += [(os.path.join(p, n), source) for n in sorted(os.listdir(p))
                    if n.startswith(prefixes) and os.path.isfile(os.path.join(p, n))]
        elif os.path.isfile(p):
            out.append((p, source))
        else:
            raise ReplayError("no such file or directory: %s" % p)
    return out


def severity_line(groups):
    """'by severity: 1 single, 2 compound' over `groups`, in severity order."""
    counts = {}
    for g in sorted(groups, key=lambda g: g.sort_key()):
        counts[g.severity_class] = counts.get(g.severity_class, 0) + 1
    return "   by severity: " + ", ".join("%d %s" % (n, cls) for cls, n in counts.items())


def summary_lines(result, budget_s, seconds):
    """The distinct findings of `result`, new first, each part sorted by
    severity class (triage.Group.sort_key), as printed lines."""
    new = sorted(result.new, key=lambda g: g.sort_key())
    known_groups = sorted((g for g in result.groups if g.known), key=lambda g: g.sort_key())
    lines = ["   %d distinct finding(s): %d new, %d known (%d replays, %.0f s of a %.0f s triage budget)"
             % (len(result.groups), len(new), len(known_groups), result.replays, seconds, budget_s)]
    if result.groups:
        lines.append(severity_line(result.groups))
    for g in new:
        size = " minimised %d -> %d ops" % (len(g.outcome.trace), len(g.ops)) if g.ops else ""
        lines.append("   NEW   %-8s %s  x%d (%s)%s%s" % (g.severity_class, g.signature, g.count,
                                                          ", ".join(sorted(g.sources)), size,
                                                          "  FLAKY" if g.flaky else
                                                          "  (flakiness not checked: budget)" if g.flaky is None
                                                          else ""))
        lines.append("         what: %s" % g.outcome.what)
        lines.append("         severity: %s" % (g.severity.text if g.severity else g.severity_class))
        lines.append("         reproducer: %s" % g.reproducer)
        lines.append("         add it: %s" % triage_mod.add_command(result.target, g.reproducer, g.kind))
    for g in known_groups:
        lines.append("   known %-8s %s  x%d (%s) = %s" % (g.severity_class, g.signature, g.count,
                                                         ", ".join(sorted(g.sources)),
                                                         os.path.relpath(g.known.file, ROOT)))
    if result.not_reproduced:
        lines.append("   %d input(s) replay clean now (flaky, or fixed): e.g. %s"
                     % (len(result.not_reproduced), result.not_reproduced[0]))
    if result.inconclusive:
        lines.append("   %d input(s) inconclusive: no finding, but they need a fault mode unavailable here "
                     "(e.g. disk-full without mount privileges): e.g. %s"
                     % (len(result.inconclusive), result.inconclusive[0]))
    if result.not_triaged:
        lines.append("   %d input(s) not triaged: the budget ran out (raise --budget)" % len(result.not_triaged))
    if result.unreadable:
        lines.append("   %d input(s) are not programs: e.g. %s" % (len(result.unreadable), result.unreadable[0]))
    return lines


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scripts/triage", description=(
        "Replays crash files and saved programs of one target, groups the findings by signature, tells "
        "known findings (corpus/regressions/TARGET/EXPECTED) from new ones, and writes each new one as a "
        "minimised text reproducer. Exit status: 0 no new finding, 1 new finding(s), 2 usage or harness error."))
    p.add_argument("target")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="crash files, programs, or directories of them")
    p.add_argument("--budget", type=float, default=120, help="seconds for the whole triage (default 120)")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "triage"), help="reproducers/ go here")
    p.add_argument("--bin", help="directory of mapfuzz-TARGET (default build/fuzz/targets, build/test/targets)")
    p.add_argument("--source", default="replay", help="where the inputs came from (fuzz, property, ...)")
    p.add_argument("--json", help="also write the findings as JSON to this file")
    p.add_argument("--no-minimise", action="store_true", help="keep each group's report trace as it is")
    p.add_argument("--byte-pass", metavar="FUZZER", help="run libFuzzer's byte-level minimiser (-minimize_crash, "
                   "with this fuzz_TARGET) on each new finding first; kept only if it replays to the same signature")
    args = p.parse_args(argv)
    if args.budget <= 0:
        p.error("--budget must be more than 0 seconds")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    try:
        cli = find_cli(args.target, args.bin)
        job = triage_mod.TriageJob(target=args.target, cli=cli, inputs=collect(args.inputs, args.source),
                                   out_dir=os.path.abspath(args.out), budget_s=args.budget, root=ROOT,
                                   regressions_dir=os.path.join(ROOT, "corpus", "regressions"),
                                   minimise=not args.no_minimise, fuzzer=args.byte_pass)
        print("== mapfuzz triage: %s, %d input(s), budget %.0f s" % (args.target, len(job.inputs), args.budget))
        result = triage_mod.triage(job)
    except (ReplayError, known.KnownError, OSError) as e:
        print("scripts/triage: %s" % e, file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(summary_lines(result, args.budget, time.monotonic() - started)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(triage_mod.finding_dicts(result, cli), f, indent=1)
    return EXIT_NEW if result.new else EXIT_NONE


if __name__ == "__main__":
    sys.exit(main())
