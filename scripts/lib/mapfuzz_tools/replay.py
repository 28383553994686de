"""Running one program through a target's command line (`mapfuzz-<target>
replay --quiet FILE`) in a child process, and reading what it found.

Every source of findings ends here: fuzz crash files, fork mode, property
tests and `enumerate` all leave programs, and a replay tells what each one
does now, with its signature (harness/signature.h), its severity
(severity.py) and, for a crash, the library frames of the sanitizer's stack
(frames.py).
"""
import dataclasses
import os
import re
import subprocess
import time

from mapfuzz_tools import exit_codes, frames, severity as severity_mod

# A replay that runs longer is a hang (libFuzzer's own timeout is far longer).
DEFAULT_TIMEOUT = 60


@dataclasses.dataclass
class Outcome:
    """What one replay did. `kind` is None when it found nothing (then
    `hazard` says whether a documented hazard ended it)."""
    kind: str | None = None
    signature: str | None = None  # the full signature, frames included
    step: int | None = None
    op: str | None = None         # the failing op, text form
    what: str = ""
    events: str = ""
    severity: object = None       # a severity.Severity, or None where the output has no severity line
    trace: list[str] = dataclasses.field(default_factory=list)  # the report's minimal program
    hazard: bool = False
    inconclusive: bool = False  # no finding, but a step needed a fault mode unavailable here (exit 3)
    exit_code: int = 0
    timed_out: bool = False
    output: str = ""

    @property
    def finding(self):
        return self.kind is not None


class ReplayError(Exception):
    """The replay could not run at all (no such executable, bad program)."""


def _field(text, name):
    m = re.search(r"^  %s: (.*)$" % re.escape(name), text, re.M)
    return m.group(1) if m else ""


def _trace(text):
    m = re.search(r"^  trace \(\d+ ops, text form\):\n((?:    .*\n)*)", text, re.M)
    return [line[4:] for line in m.group(1).splitlines()] if m else []


def parse_output(text, exit_code, root=None):
    """The Outcome of a replay's combined output and exit status."""
    out = Outcome(exit_code=exit_code, output=text)
    m = re.search(r"^==mapfuzz== ERROR: ([a-z-]+) in target", text, re.M)
    base = _field(text, "signature")
    error = frames.sanitizer_error(text)
    if m:
        out.kind = m.group(1)
        at = re.search(r"^  at step (\d+): (.*)$", text, re.M)
        if at:
            out.step, out.op = int(at.group(1)), at.group(2)
        out.what, out.events, out.trace = _field(text, "what"), _field(text, "events"), _trace(text)
    elif error:
        out.kind, base = "sanitizer", "sanitizer %s -" % error.replace(" ", "-")
        out.what = error
    elif exit_code not in (exit_codes.CLEAN, exit_codes.USAGE, exit_codes.INCONCLUSIVE):
        out.kind, base = "crash", "crash exit-%d -" % exit_code
        out.what = "the replay exited with status %d and printed no report" % exit_code
    out.hazard = out.kind is None and "documented hazard" in text
    out.inconclusive = out.kind is None and exit_code == exit_codes.INCONCLUSIVE
    if out.kind:
        out.severity = severity_mod.parse(_field(text, "severity"))
    if out.kind:
        lib = frames.library_frames(text, root) if (out.kind in ("signal", "sanitizer", "crash")) else []
        out.signature = base + (" @ " + " < ".join(lib) if lib else "")
    return out


class Replayer:
    """Replays programs against one target's command line `cli`."""

    def __init__(self, cli, env=None, timeout=DEFAULT_TIMEOUT, cwd=None, root=None, deadline=None):
        if not os.access(cli, os.X_OK):
            raise ReplayError("no executable %s (build it: cmake --build --preset fuzz --target %s)"
                              % (cli, os.path.basename(cli)))
        self.cli, self.timeout, self.cwd, self.root = cli, timeout, cwd, root
        self.deadline = deadline  # time.monotonic() value: no replay runs (much) past it
        self.env = dict(os.environ if env is None else env)
        # A crash report needs symbols; the replay itself must not leave files.
        self.env.setdefault("ASAN_OPTIONS", "symbolize=1")
        self.runs = 0

    def run(self, path):
        """The Outcome of replaying the program in `path`. A replay that runs
        past the timeout is a `hang` finding. Raises ReplayError if the file
        is not a program (exit status 2)."""
        self.runs += 1
        timeout = self.timeout
        if self.deadline is not None:
            timeout = max(2.0, min(timeout, self.deadline - time.monotonic() + 2.0))
        try:
            p = subprocess.run([self.cli, "replay", "--quiet", path], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd, timeout=timeout,
                               errors="replace", text=True)
        except subprocess.TimeoutExpired as e:
            text = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode("utf-8", "replace")
            if timeout < self.timeout:  # cut short by the deadline: nothing is known about it
                return Outcome(timed_out=True, output=text, what="stopped at the triage deadline")
            return Outcome(kind="hang", signature="hang - -", timed_out=True, output=text,
                           what="the replay ran longer than %d s" % self.timeout)
        if p.returncode == exit_codes.USAGE and "==mapfuzz== ERROR" not in p.stdout:
            raise ReplayError("%s: %s" % (path, p.stdout.strip().splitlines()[-1] if p.stdout.strip() else
                                          "exit status 2"))
        return parse_output(p.stdout, p.returncode, self.root)
