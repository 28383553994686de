"""scripts/fuzz: fuzz one target with libFuzzer for a bounded time, then
triage what it found (triage.py: distinct findings by signature, known vs
new, op-level minimisation) within a bounded budget, and print a summary.

The clock starts after the build: the fuzzing gets --time seconds, the
triage the rest of --time + --triage-budget, and the command ends within
that sum (libFuzzer and the triage are stopped at hard deadlines). Every
file it writes goes under the run's work directory (default
build/fuzz/runs/TARGET/); libFuzzer runs with its working directory there,
so whatever it or the fork-mode jobs write to "." lands there too.
"""
import argparse
import dataclasses
import datetime
import os
import re
import signal
import subprocess
import sys
import threading
import time

from mapfuzz_tools import exit_codes, libfuzzer_log

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EXIT_NONE, EXIT_NEW, EXIT_USAGE = exit_codes.CLEAN, exit_codes.FINDING, exit_codes.USAGE
CRASH_PREFIXES = ("crash-", "timeout-", "leak-", "oom-")
FUZZ_GRACE_S = 15     # libFuzzer may overrun --time by this much (wrapping up); then it is stopped
RESERVE_S = 2         # kept back from the deadline for the summary
TRIAGE_SLACK = 0.2    # share of the triage's time kept back for its unbudgeted replays
PROG = "scripts/fuzz"


class UsageError(Exception):
    """A bad command line or environment: exit status 2, nothing built or run."""


def default_triage_budget(seconds):
    """max(60, a quarter of the fuzzing time), at most 600 s."""
    return min(600, max(60, seconds // 4))


def _whole_number(text):
    if not re.fullmatch(r"[0-9]+", text or "") or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1, got '%s'" % text)
    return int(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def options_list():
    """The MAPFUZZ_* options as the harness prints them, else from harness/options.def."""
    for d in ("fuzz", "test"):
        cli = os.path.join(ROOT, "build", d, "targets", "mapfuzz-reference")
        if os.access(cli, os.X_OK):
            p = subprocess.run([cli, "options"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if p.returncode == 0 and p.stdout.strip():
                return p.stdout.rstrip("\n")
    lines = []
    with open(os.path.join(ROOT, "harness", "options.def")) as f:
        for m in re.finditer(r'^MAPFUZZ_OPTION\(\w+, (\w+), (\w+), [^"]*"(.*)"\)$', f.read(), re.M):
            lines.append("  %s (%s): %s" % (m.group(1), m.group(2), m.group(3)))
    return "\n".join(lines) + "\n  (from harness/options.def; the built harness prints the values each takes)"


HELP_TAIL = """
The clock starts after the build (scripts/setup, cmake; not counted, skipped
with --bin). The fuzzing gets --time seconds; then the crash files of this run
are triaged (scripts/triage: grouped by signature, known findings told from new
ones by corpus/regressions/TARGET/EXPECTED, new ones minimised op by op into
text reproducers that keep the signature) within the triage budget. The whole
command ends within --time plus the triage budget, both printed up front.
With --byte-minimise, libFuzzer's byte-level minimiser (-minimize_crash) runs
on each new finding first; its result is kept only if it replays to the same
signature (alone it does not keep a finding's identity).

Every fault mode is on: injected syscall faults, outside events from a helper
process (also right after the library's mmap), real disk full (a size-limited
tmpfs in a private mount namespace; "skipped: needs mount privileges" where
none is allowed) and RLIMIT_FSIZE. Environment variables turn modes off and
set the rest (a bad value stops the run with exit status 2); the triage's
replays run with the same environment as the fuzzing:

{options}

Files (nothing is written outside the work directory, default
build/fuzz/runs/TARGET/): corpus/ (the growing corpus, kept between runs),
seeds/ (the seeds in libFuzzer's binary form), and per run RUN-<time>/ with
fuzz.log, artifacts/ (crash files and each finding's minimal text program),
triage/reproducers/TARGET/ (the new findings, ready for corpus/regressions/)
and triage/findings.json. libFuzzer runs with RUN-<time>/ as its working
directory (fork mode's job files land there).

Exit status: 0 no new finding (known findings are listed, they are not
failures), 1 new finding(s), 2 usage or build error (or a bad MAPFUZZ_* value).
When libFuzzer does not fuzz (e.g. -- -help=1), its output and exit status are
passed through and no summary is printed.
"""


def make_parser():
    p = _Parser(prog=PROG, add_help=False, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
                usage="%(prog)s [TARGET] [--time S] [--jobs N] [--triage-budget S] [--seeds DIR] "
                      "[--bin DIR] [--work DIR] [--byte-minimise] [-- LIBFUZZER_FLAGS...]",
                description="Fuzzes one target with libFuzzer (ASan+UBSan) and the fault layer for a bounded\n"
                            "time, then triages what it found and prints a summary. Installs and builds what\n"
                            "it needs.")
    p.add_argument("target", nargs="?", default="reference", metavar="TARGET",
                   help="a target under targets/ (default: reference, the bundled library; reference_<style>, "
                        "e.g. reference_map_first, for its other styles)")
    p.add_argument("--time", type=_whole_number, default=60, metavar="S",
                   help="fuzzing time in seconds (default 60)")
    p.add_argument("--jobs", type=_whole_number, default=1, metavar="N",
                   help="run N fuzzing processes (libFuzzer -fork=N -ignore_crashes=1; default 1, which stops "
                        "at the first finding)")
    p.add_argument("--triage-budget", type=_whole_number, metavar="S",
                   help="seconds for the triage after the fuzzing (default max(60, TIME/4), at most 600)")
    p.add_argument("--seeds", metavar="DIR", help="seed programs (default corpus/TARGET; the reference "
                                                  "library's styles share corpus/reference)")
    p.add_argument("--bin", metavar="DIR", help="use the fuzz_TARGET and mapfuzz-TARGET already built in DIR "
                                                "(e.g. build/test/targets for the planted-bug mutants); "
                                                "nothing is installed or built")
    p.add_argument("--work", metavar="DIR", help="work directory (default build/fuzz/runs/TARGET)")
    p.add_argument("--byte-minimise", action="store_true",
                   help="libFuzzer's byte-level pass before the op-level minimiser (kept only with the same "
                        "signature)")
    p.add_argument("-h", "--help", action="store_true", help="this help")
    return p


def parse_args(argv):
    """The arguments, with .extra (the libFuzzer flags after --). Raises UsageError."""
    argv = list(argv)
    extra = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    args = make_parser().parse_args(argv)
    args.extra = extra
    if args.triage_budget is None:
        args.triage_budget = default_triage_budget(args.time)
    return args


@dataclasses.dataclass
class Run:
    """Where one run's programs and files are (absolute paths)."""
    target: str
    seeds: str         # seed programs (text)
    bin_dir: str       # fuzz_TARGET and mapfuzz-TARGET
    work: str          # build/fuzz/runs/TARGET or --work
    session: str = ""  # work/RUN-<time>: libFuzzer's cwd, log, artifacts, triage

    @property
    def fuzzer(self):
        return os.path.join(self.bin_dir, "fuzz_" + self.target)

    @property
    def cli(self):
        return os.path.join(self.bin_dir, "mapfuzz-" + self.target)

    @property
    def artifacts(self):
        return os.path.join(self.session, "artifacts")

    @property
    def log(self):
        return os.path.join(self.session, "fuzz.log")


def _known_targets():
    corpus = os.path.join(ROOT, "corpus")
    return sorted(n for n in os.listdir(corpus) if "." not in n and n != "regressions"
                  and os.path.isdir(os.path.join(corpus, n)))


def resolve(args):
    """The Run of `args`, every path checked. Raises UsageError."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", args.target):
        raise UsageError("bad target name '%s'" % args.target)
    seeds = os.path.abspath(args.seeds) if args.seeds else os.path.join(ROOT, "corpus", args.target)
    if not args.seeds and args.target.startswith("reference_") and not os.path.isdir(seeds):
        seeds = os.path.join(ROOT, "corpus", "reference")  # the reference library's styles share its seeds
    if not os.path.isdir(seeds):
        if args.seeds:
            raise UsageError("no seed directory '%s'" % args.seeds)
        raise UsageError("unknown target '%s' (known: %s)" % (args.target, " ".join(_known_targets())))
    bin_dir = os.path.abspath(args.bin) if args.bin else os.path.join(ROOT, "build", "fuzz", "targets")
    work = os.path.abspath(args.work) if args.work else os.path.join(ROOT, "build", "fuzz", "runs", args.target)
    run = Run(args.target, seeds, bin_dir, work)
    if args.bin:
        for exe in (run.fuzzer, run.cli):
            if not os.access(exe, os.X_OK):
                raise UsageError("--bin %s: no executable %s" % (args.bin, os.path.basename(exe)))
    return run


def build(run):
    """scripts/setup and the fuzz preset's build of the target. Raises UsageError (exit 2)."""
    group = [] if run.target == "reference" or run.target.startswith("reference_") else ["targets"]
    steps = [([os.path.join(ROOT, "scripts", "setup")] + group, "scripts/setup failed"),
             (["cmake", "--preset", "fuzz"], "cmake --preset fuzz failed"),
             (["cmake", "--build", "--preset", "fuzz", "--target", "fuzz_" + run.target, "mapfuzz-" + run.target],
              "cannot build fuzz_%s (is its library installed? scripts/setup targets)" % run.target)]
    for cmd, failure in steps:
        out = subprocess.DEVNULL if cmd[1:2] == ["--preset"] else None
        if subprocess.run(cmd, cwd=ROOT, stdout=out).returncode != 0:
            raise UsageError(failure)


def prepare(run):
    """The work directory, this run's session directory and the encoded seeds."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run.session = os.path.join(run.work, "RUN-" + stamp)
    n = 1
    while os.path.exists(run.session):
        n += 1
        run.session = os.path.join(run.work, "RUN-%s.%d" % (stamp, n))
    for d in (os.path.join(run.work, "corpus"), run.artifacts):
        os.makedirs(d, exist_ok=True)
    seeds_bin = os.path.join(run.work, "seeds")
    p = subprocess.run([run.cli, "encode-dir", run.seeds, seeds_bin], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, cwd=run.session)
    if p.returncode != 0:
        raise UsageError("cannot encode the seeds in %s: %s" % (run.seeds, p.stderr.strip()))


def help_requested(flags):
    """True if the libFuzzer flags ask for its help (it prints it and exits)."""
    return any(re.fullmatch(r"-help=(?!0$).*", f) for f in flags)


def libfuzzer_command(run, args):
    cmd = [run.fuzzer, os.path.join(run.work, "corpus"), os.path.join(run.work, "seeds"),
           "-dict=" + os.path.join(ROOT, "corpus", "mapfuzz.dict"), "-max_total_time=%d" % args.time,
           "-print_final_stats=1", "-artifact_prefix=" + run.artifacts + "/"]
    if args.jobs > 1:
        cmd += ["-fork=%d" % args.jobs, "-ignore_crashes=1"]
    return cmd + args.extra


def _stop(proc, sig=signal.SIGINT, wait_s=5):
    """Stops `proc` and its process group: `sig` (libFuzzer wraps up on SIGINT), then SIGKILL."""
    for s in (sig, signal.SIGKILL):
        try:
            os.killpg(proc.pid, s)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            pass


def _tee(stream, log, echo):
    for line in stream:
        log.write(line)
        if echo:
            sys.stdout.write(line)
            sys.stdout.flush()


def run_libfuzzer(cmd, cwd, env, log_path, stop_at, echo=True):
    """Runs libFuzzer in its own process group with cwd `cwd`, its output shown
    and copied to `log_path`; stopped at the monotonic time `stop_at` (or on
    Ctrl-C). Returns (exit status, stopped_by_us)."""
    with open(log_path, "w", errors="replace") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", start_new_session=True)
        reader = threading.Thread(target=_tee, args=(proc.stdout, log, echo), daemon=True)
        reader.start()
        stopped = False
        try:
            proc.wait(timeout=max(0.1, stop_at - time.monotonic()))
        except subprocess.TimeoutExpired:
            print("\n%s: libFuzzer ran past its time; stopping it" % PROG, flush=True)
            stopped = True
            _stop(proc)
        except KeyboardInterrupt:
            print("\n%s: interrupted; stopping libFuzzer, then triage (Ctrl-C again to quit)" % PROG, flush=True)
            stopped = True
            _stop(proc)
        reader.join(timeout=5)
    return proc.returncode, stopped


def crash_files(directory):
    return sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.startswith(CRASH_PREFIXES))


def run_triage(run, files, env, deadline, byte_pass=False):
    """scripts/triage over `files` in the time left before `deadline` (it is
    stopped there). Returns (exit status or None if stopped, its summary lines)."""
    left = deadline - time.monotonic() - RESERVE_S
    budget = max(1.0, left * (1 - TRIAGE_SLACK) - 1)
    out = os.path.join(run.session, "triage")
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "triage"), run.target, "--budget", "%.0f" % budget,
           "--out", out, "--bin", run.bin_dir, "--source", "fuzz", "--json", os.path.join(out, "findings.json")]
    if byte_pass:
        cmd += ["--byte-pass", run.fuzzer]
    os.makedirs(out, exist_ok=True)
    proc = subprocess.Popen(cmd + files, cwd=out, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace", start_new_session=True)
    try:
        text, _ = proc.communicate(timeout=max(1.0, left))
    except subprocess.TimeoutExpired:
        _stop(proc, signal.SIGTERM, wait_s=2)
        return None, ["   triage stopped at the end of its budget: %d crash file(s) not triaged, in %s"
                      % (len(files), run.artifacts)]
    except KeyboardInterrupt:
        _stop(proc, signal.SIGTERM, wait_s=2)
        return None, ["   triage interrupted: %d crash file(s) not triaged, in %s" % (len(files), run.artifacts)]
    lines = [line for line in text.splitlines() if not line.startswith("== mapfuzz triage")]
    return proc.returncode, lines


def _show(path):
    """`path` relative to the current directory when inside it, else absolute."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _hazards(log_text):
    return sum(int(n) for n in re.findall(r"mapfuzz: (\d+) documented hazard", log_text))


def _fault_modes(log_text):
    m = re.search(r"^mapfuzz fault modes: (.*)$", log_text, re.M)
    return m.group(1) if m else "(not printed: see the log)"


def fuzz_summary(run, args, log_text, fuzz_s):
    """The summary's lines about the fuzzing itself."""
    totals = libfuzzer_log.parse(log_text, duration=fuzz_s)["totals"]
    return ["== mapfuzz summary: target %s, %ds of fuzzing (%d process%s)"
            % (run.target, args.time, args.jobs, "es" if args.jobs > 1 else ""),
            "   executions: %d (%d exec/s)" % (totals["executions"], totals["exec_per_s"]),
            "   fault modes: " + _fault_modes(log_text),
            "   documented hazards (SIGBUS after an outside truncation or on a full disk, counted, not "
            "findings): %s" % (_hazards(log_text) if args.jobs == 1 else "not counted in fork mode (its jobs' "
                               "logs are not kept)"),
            "   log: " + _show(run.log)]


def did_fuzz(log_text, files):
    """False when libFuzzer printed no status line and left no crash file
    (it printed its help, rejected a flag, or the harness refused to start)."""
    return bool(files) or libfuzzer_log.parse(log_text)["mode"] != "none"


def print_help():
    p = make_parser()
    p.print_help()
    print(HELP_TAIL.format(options=options_list()))


def fuzz_and_triage(run, args, env, started):
    """The clocked part: fuzz, triage, summary. Returns the exit status."""
    deadline = started + args.time + args.triage_budget
    print("== mapfuzz: fuzzing %s for %ds (%d process(es)); triage budget: %d s; the whole command ends "
          "within %d + %d s (+ the build, done before the clock started)"
          % (run.target, args.time, args.jobs, args.triage_budget, args.time, args.triage_budget))
    print("   work: %s (corpus/, seeds/, %s/)" % (_show(run.work), os.path.basename(run.session)),
          flush=True)
    status, stopped = run_libfuzzer(libfuzzer_command(run, args), run.session, env, run.log,
                                    started + args.time + min(FUZZ_GRACE_S, args.triage_budget / 3))
    fuzz_s = time.monotonic() - started
    with open(run.log, errors="replace") as f:
        log_text = f.read()
    files = crash_files(run.artifacts)
    if not did_fuzz(log_text, files):
        return status if status >= 0 else EXIT_USAGE
    print()
    lines = fuzz_summary(run, args, log_text, fuzz_s)
    if not files:
        if status != 0 and not stopped:
            lines.append("   libFuzzer exited with %d and left no crash file; see %s" % (status, run.log))
            return _finish(lines, started, args, EXIT_USAGE)
        lines.append("   findings: none")
        return _finish(lines, started, args, EXIT_NONE)
    lines.append("   crash files: %d in %s" % (len(files), _show(run.artifacts)))
    print("\n".join(lines + ["   triage (at most %.0f s more) ..." % max(0, deadline - time.monotonic())]),
          flush=True)
    code, triage_lines = run_triage(run, files, env, deadline, args.byte_minimise)
    code = EXIT_NEW if code is None else code
    return _finish(triage_lines, started, args, code if code in (EXIT_NONE, EXIT_NEW, EXIT_USAGE) else EXIT_USAGE)


def _finish(lines, started, args, code):
    took = time.monotonic() - started
    lines.append("   wall time: %.0f s of at most %d + %d s (build not counted); exit status %d"
                 % (took, args.time, args.triage_budget, code))
    print("\n".join(lines), flush=True)
    return code


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
        if args.help:
            print_help()
            return EXIT_NONE
        run = resolve(args)
        if not args.bin:
            build(run)
        if help_requested(args.extra):  # libFuzzer's own help: pass it through
            return subprocess.run([run.fuzzer] + args.extra).returncode
        started = time.monotonic()
        prepare(run)
    except UsageError as e:
        print("%s: %s (see %s --help)" % (PROG, e, PROG), file=sys.stderr)
        return EXIT_USAGE
    return fuzz_and_triage(run, args, dict(os.environ), started)


if __name__ == "__main__":
    sys.exit(main())
