"""Triage: from many programs that may show findings (fuzz crash files, fork
mode, property tests, `enumerate`, replay) to distinct findings, each with a
signature, a count, the sources it came from, known or new, and for a new one
a minimised, replayable text reproducer ready for corpus/regressions/. Each
group carries a severity (severity.py): the minimised reproducer's where
there is one, else its representative's; listings sort by its class.

    result = triage(TriageJob(target=..., cli=..., inputs=[(path, "fuzz"), ...],
                              out_dir=..., budget_s=120, regressions_dir=...))

Bounded: every replay counts against `budget_s`; what the budget cannot reach
is counted as not triaged, never dropped silently.
"""
import concurrent.futures
import dataclasses
import hashlib
import os
import shutil

from mapfuzz_tools import known as known_mod, severity as severity_mod
from mapfuzz_tools.minimise import Budget, Minimiser, program_ops
from mapfuzz_tools.replay import Replayer, ReplayError

FLAKY_RUNS = 3


@dataclasses.dataclass
class TriageJob:
    target: str
    cli: str                       # mapfuzz-<target>
    inputs: list                   # [(path, source)]: source is "fuzz", "property", "enumerate", ...
    out_dir: str                   # reproducers/<target>/ and a work dir go here
    budget_s: float = 120
    regressions_dir: str | None = None
    root: str | None = None        # the mapfuzz checkout (frames in harness/ and faults/ are skipped)
    env: dict | None = None        # the environment the findings were made in
    minimise: bool = True
    timeout_s: float = 60
    fuzzer: str | None = None      # fuzz_<target>: libFuzzer's byte-level pass first (-minimize_crash)
    byte_pass_s: float = 20


@dataclasses.dataclass
class Group:
    signature: str
    kind: str
    outcome: object                # the representative's Outcome
    path: str                      # the representative input
    count: int = 0
    sources: set = dataclasses.field(default_factory=set)
    known: object = None           # a KnownFinding, or None
    ops: list | None = None        # the minimised program
    flaky: bool | None = False     # None: not checked (the budget ran out)
    reproducer: str | None = None
    severity: object = None        # a severity.Severity: the minimised program's, else the representative's

    @property
    def severity_class(self):
        """The severity's class name ("unknown" without one)."""
        return severity_mod.class_of(self.severity)

    def sort_key(self):
        """Listings' order: by severity class (plain bugs and single failures
        first), then the most often seen, then by signature."""
        return severity_mod.rank(self.severity_class), -self.count, self.signature


@dataclasses.dataclass
class TriageResult:
    target: str
    groups: list
    not_reproduced: list           # inputs that replay clean now (flaky or fixed)
    not_triaged: list              # inputs the budget did not reach
    unreadable: list               # inputs that are not programs
    replays: int = 0
    # inputs that replay with no finding but skipped a step whose fault mode is
    # unavailable here (exit 3): nothing is known of them on this machine
    inconclusive: list = dataclasses.field(default_factory=list)

    @property
    def new(self):
        return [g for g in self.groups if g.known is None]


def _content_key(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def _unique_inputs(inputs):
    """`inputs` without repeated contents, smallest first (the smallest of a
    group becomes its representative)."""
    seen, out = {}, []
    for path, source in inputs:
        try:
            key = _content_key(path)
        except OSError:
            continue
        if key in seen:
            seen[key][1].add(source)
            continue
        seen[key] = (path, {source})
        out.append(seen[key])
    return sorted(out, key=lambda item: (os.path.getsize(item[0]), item[0]))


def _replay_in_budget(replayer, path, budget):
    """The Outcome of `path`, "unreadable", or None when the budget is over."""
    if budget.over():
        return None
    try:
        return replayer.run(path)
    except ReplayError:
        return "unreadable"


def group_inputs(replayer, inputs, budget, result, workers=None):
    """Replays every input (`workers` at a time, default one per core) and
    groups the findings by signature; the smallest input of a group is its
    representative."""
    items = _unique_inputs(inputs)
    with concurrent.futures.ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        outcomes = list(pool.map(lambda item: _replay_in_budget(replayer, item[0], budget), items))
    groups = {}
    for (path, sources), outcome in zip(items, outcomes):
        if outcome is None:
            result.not_triaged.append(path)
        elif outcome == "unreadable":
            result.unreadable.append(path)
        elif not outcome.finding and outcome.inconclusive:
            result.inconclusive.append(path)
        elif not outcome.finding:
            result.not_reproduced.append(path)
        else:
            g = groups.setdefault(outcome.signature, Group(outcome.signature, outcome.kind, outcome, path,
                                                           severity=outcome.severity))
            g.count += 1
            g.sources |= sources
    return list(groups.values())


def _decoded_ops(cli, path):
    """The input as text ops (`mapfuzz-<t> decode`), or None."""
    import subprocess
    p = subprocess.run([cli, "decode", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                       errors="replace")
    return program_ops(p.stdout) if p.returncode == 0 else None


def byte_pass(job, replayer, group, budget):
    """libFuzzer's byte-level minimiser on the group's representative, kept
    only if the result replays to the same signature: its report's trace, or
    None."""
    import subprocess
    if not job.fuzzer or budget.over():
        return None
    out = os.path.join(replayer.cwd, "byte-minimised")
    seconds = int(max(1, min(job.byte_pass_s, budget.left() / 2)))
    try:
        subprocess.run([job.fuzzer, "-minimize_crash=1", "-max_total_time=%d" % seconds, "-exact_artifact_path=" +
                        out, group.path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=replayer.env,
                       cwd=replayer.cwd, timeout=seconds + 10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if not os.path.exists(out):
        return None
    outcome = replayer.run(out)
    os.unlink(out)
    return outcome.trace if outcome.signature == group.signature else None


def minimise_group(job, minimiser, group):
    """group.ops: the smallest program that replays to the group's signature
    within the minimiser's budget, starting from the report's trace (after
    libFuzzer's byte-level pass if job.fuzzer is set; or the whole decoded
    input when the trace alone does not reproduce it); group.severity: that
    program's."""
    start = byte_pass(job, minimiser.replayer, group, minimiser.budget) or group.outcome.trace
    if not start or not minimiser.keeps(start, group.signature):
        start = _decoded_ops(job.cli, group.path)
        if not start or not minimiser.keeps(start, group.signature):
            group.ops = None
            return
    group.ops = minimiser.minimise(start, group.signature) if job.minimise else start
    if minimiser.kept is not None and minimiser.kept.severity is not None:
        group.severity = minimiser.kept.severity  # the last program kept is group.ops


def check_flaky(replayer, path, signature, runs=FLAKY_RUNS):
    """True iff one of `runs` replays of `path` gives another signature
    (a layout-dependent crash, a timing-dependent outcome)."""
    return any(replayer.run(path).signature != signature for _ in range(runs))


def reproducer_name(group):
    digest = hashlib.sha1(group.signature.encode()).hexdigest()[:8]
    op = group.outcome.op.split()[0] if group.outcome.op else "end"
    return "%s-%s-%s.txt" % (group.kind, op, digest)


def reproducer_text(job, group, name):
    """A new finding as a text program with the regression corpus's header."""
    o = group.outcome
    lines = ["# mapfuzz: new finding in %s: %s%s (seen %d time(s), from %s)." %
             (job.target, group.kind, " at '%s'" % o.op if o.op else " at the end-of-run checks", group.count,
              ", ".join(sorted(group.sources))),
             "# What: " + (o.what or "-")]
    if o.events and o.events != o.what:
        lines.append("# Events: " + o.events)
    lines += ["# Signature: " + group.signature,
              "# Severity: " + (group.severity.text if group.severity else severity_mod.UNKNOWN),
              "# Flaky: " + ("yes: replays do not always give this signature" if group.flaky else
                             "no" if group.flaky is False else "not checked (the triage budget ran out)"),
              "# Library: <name and version of the library under test>",
              "# Kind: unconfirmed. Rule out the harness first (minimise, read the library's code, explain the",
              "# mechanism in docs/findings/%s.md), then call it a bug or a documented behaviour." % job.target,
              "# Keep it as a regression test:",
              "#   " + add_command(job.target, os.path.join(job.out_dir, "reproducers", job.target, name),
                                  group.kind)]
    return "\n".join(lines) + "\n" + "\n".join(group.ops) + "\n"


def add_command(target, path, kind):
    """The command (run from the repository) that adds the reproducer at
    `path` to the regression corpus."""
    name = os.path.basename(path)
    return ("cp %s corpus/regressions/%s/ && echo '%s %s' >> corpus/regressions/%s/EXPECTED"
            % (path, target, name, kind, target))


def write_reproducer(job, group):
    directory = os.path.join(job.out_dir, "reproducers", job.target)
    os.makedirs(directory, exist_ok=True)
    name = reproducer_name(group)
    group.reproducer = os.path.join(directory, name)
    with open(group.reproducer, "w") as f:
        f.write(reproducer_text(job, group, name))


def _finish_new_group(job, replayer, group, budget):
    """Minimises, checks flakiness and writes the reproducer of a new group."""
    minimise_group(job, Minimiser(replayer, os.path.join(replayer.cwd, "candidates"), budget), group)
    if group.ops is None:  # not a text program that replays alone: keep the input as it is
        directory = os.path.join(job.out_dir, "reproducers", job.target)
        os.makedirs(directory, exist_ok=True)
        group.reproducer = os.path.join(directory, reproducer_name(group)[:-4] + ".bin")
        shutil.copyfile(group.path, group.reproducer)
        group.flaky = None if budget.over() else check_flaky(replayer, group.reproducer, group.signature)
        return
    write_reproducer(job, group)
    group.flaky = None if budget.over() else check_flaky(replayer, group.reproducer, group.signature)
    if group.flaky is not False:
        write_reproducer(job, group)  # its header says so


def triage(job):
    """Groups, classifies and (for new findings) minimises job.inputs within
    job.budget_s. Never raises for a bad input (it is listed as unreadable);
    raises ReplayError if the target's command line cannot run."""
    budget = Budget(job.budget_s)
    cwd = os.path.join(job.out_dir, "triage-work", job.target)
    os.makedirs(cwd, exist_ok=True)
    replayer = Replayer(job.cli, env=job.env, timeout=job.timeout_s, cwd=cwd, root=job.root,
                        deadline=budget.deadline)
    result = TriageResult(job.target, [], [], [], [])
    result.groups = group_inputs(replayer, job.inputs, Budget(job.budget_s / 2), result)
    known_env = dict(replayer.env)
    known_env.pop("MAPFUZZ_AVOID_KNOWN", None)  # the reproducers show the behaviour as documented
    known_replayer = Replayer(job.cli, env=known_env, timeout=job.timeout_s, cwd=cwd, root=job.root,
                              deadline=budget.deadline)
    entries = known_mod.load(job.regressions_dir, job.target) if job.regressions_dir else []
    index = known_mod.KnownIndex(entries, known_replayer.run)
    for g in result.groups:
        g.known = index.match(g.signature)
    new = sorted(result.new, key=lambda g: -g.count)
    for i, g in enumerate(new):
        share = Budget(budget.left() / (len(new) - i))
        _finish_new_group(job, replayer, g, share)
    result.replays = replayer.runs + known_replayer.runs
    shutil.rmtree(cwd, ignore_errors=True)
    try:
        os.rmdir(os.path.dirname(cwd))  # the last target's triage leaves no empty directory
    except OSError:
        pass
    return result


def finding_dicts(result, cli):
    """The groups of `result` as the nightly report's finding entries."""
    out = []
    for g in sorted(result.groups, key=lambda g: (g.known is not None,) + g.sort_key()):
        repro = g.reproducer
        out.append({"target": result.target, "signature": g.signature, "kind": g.kind,
                    "status": "known" if g.known else "new", "count": g.count, "sources": sorted(g.sources),
                    "severity": g.severity_class, "severity_text": g.severity.text if g.severity else None,
                    "flaky": bool(g.flaky), "flaky_checked": g.flaky is not None, "what": g.outcome.what, "op": g.outcome.op, "reproducer": repro,
                    "replay": "%s replay %s" % (cli, repro or (g.known.file if g.known else g.path)),
                    "add_command": add_command(result.target, repro, g.kind) if repro else None,
                    "known_as": g.known.file if g.known else None,
                    "ops": len(g.ops) if g.ops else None, "original_ops": len(g.outcome.trace)})
    return out
