"""One trial of the bug-finding benchmark: a command run for at most a
budget, watched for its first detection, then stopped (with its whole
process group: fork-mode jobs, a property test's children, outside helpers).

A detection is the first of:
  - a mapfuzz report line `==mapfuzz== ERROR: <kind> ...` (fuzz, enumerate);
  - a program mapfuzz saved as `mapfuzz-<kind>-<hash>.txt` in the trial's
    artifact directory (a property test saves one per failing case, before
    rapidcheck shrinks it: shrinking is not timed);
  - the baseline's `BASELINE MISMATCH: <kind>: ...` line;
  - a sanitizer or libFuzzer crash report (`==N==ERROR: AddressSanitizer: <what>`,
    LeakSanitizer, `runtime error:`, `ERROR: libFuzzer: deadly signal`);
  - an exit status other than 0 and 3 with none of the above.
Its time is taken when the line is read (or the file is seen), from the
start of the command; start-up and seed loading are counted.
"""
import dataclasses
import os
import re
import select
import subprocess
import time

from mapfuzz_tools import bounded, exit_codes

# Seconds a report may take to name its signature after its first line.
REPORT_TAIL_S = 2.0
_POLL_S = 0.05

_PATTERNS = [
    (re.compile(r"^==mapfuzz== ERROR: ([a-z-]+)"), "{0}"),
    (re.compile(r"BASELINE MISMATCH: ([a-z-]+): (.*)"), "baseline {0}"),
    (re.compile(r"==\d+==\s*ERROR: (AddressSanitizer|LeakSanitizer): ([\w-]+)"), "{0} {1}"),
    (re.compile(r"runtime error: (.*)"), "UBSan runtime error"),
    (re.compile(r"==\d+==\s*ERROR: libFuzzer: ([\w -]+)"), "libFuzzer {0}"),
]
_SAVED = re.compile(r"^mapfuzz-([a-z-]+)-[0-9a-f]{16}\.txt$")
_SIGNATURE = re.compile(r"^  signature: (.*)")


@dataclasses.dataclass
class Outcome:
    seconds: float            # time to the detection, else the time the run took
    detected: bool
    kind: str = ""            # what was detected: a mapfuzz finding kind, "baseline data-mismatch", ...
    detail: str = ""          # the signature or the report's text, when there is one
    status: int | None = None  # the exit status (None: stopped by the benchmark)
    timed_out: bool = False
    error: str = ""           # the run could not be judged (a usage error): a broken setup, not a miss


def classify(line):
    """(kind, detail) of a detection line, or None."""
    for pattern, fmt in _PATTERNS:
        m = pattern.search(line)
        if m:
            kind = fmt.format(*m.groups()).strip()
            return kind, (m.group(2).strip() if pattern.groups > 1 and "BASELINE" in pattern.pattern else "")
    return None


def _saved_kind(artifact_dir):
    """The kind of the first program mapfuzz saved in `artifact_dir`, or None."""
    try:
        names = sorted(os.listdir(artifact_dir))
    except OSError:
        return None
    for n in names:
        m = _SAVED.match(n)
        if m:
            return m.group(1)
    return None


class _Watch:
    """Reads a child's output line by line into its log, noting the first
    detection, and the mapfuzz report and signature that may follow it (a
    sanitizer's line comes before the report mapfuzz's crash hooks print:
    for a mapfuzz contestant the report's kind is what was found)."""

    def __init__(self, proc, log):
        self.proc, self.log, self.buf = proc, log, b""
        self.first = None         # (seconds, kind, detail) of the first detection line
        self.report = None        # the kind of the first mapfuzz report
        self.signature = ""
        self.eof = False

    @property
    def hit(self):
        """(seconds, kind, detail) of the detection, or None."""
        if self.first is None:
            return None
        return self.first[0], self.report or self.first[1], self.signature or self.first[2]

    def settled(self, now):
        """True once the detection's report is complete, or its tail waited for."""
        return self.first is not None and (bool(self.report and self.signature) or now - self.first[0] > REPORT_TAIL_S)

    def feed(self, chunk, now):
        self.log.write(chunk)
        self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace")
            c = classify(line) if self.report is None else None
            if c and self.first is None:
                self.first = (now, c[0], c[1])
            if c and _PATTERNS[0][0].search(line):
                self.report = c[0]
            m = _SIGNATURE.match(line) if self.report and not self.signature else None
            if m:
                self.signature = m.group(1).strip()

    def read(self, fd, timeout, now):
        ready, _, _ = select.select([fd], [], [], timeout)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                self.eof = True
            else:
                self.feed(chunk, now())


def run(cmd, log_path, budget_s, env, cwd, artifact_dir):
    """Runs `cmd` for at most `budget_s` seconds and returns its Outcome;
    stops it (its process group) soon after the first detection."""
    started = time.monotonic()
    now = lambda: time.monotonic() - started  # noqa: E731
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True)
        proc.started = started
        bounded.adopt(proc)
        watch, saved, timed_out = _Watch(proc, log), None, False
        try:
            while not watch.eof:
                t = now()
                if watch.settled(t):
                    break
                if watch.hit is None and saved is None:
                    kind = _saved_kind(artifact_dir)
                    if kind:
                        saved = (t, kind, "")
                        break
                if t >= budget_s:
                    timed_out = True
                    break
                watch.read(proc.stdout.fileno(), min(_POLL_S, budget_s - t), now)
        finally:
            done = bounded.wait(proc, 0 if not watch.eof else 5)
            proc.stdout.close()
    status = done.status if watch.eof else None
    late = _saved_kind(artifact_dir)
    hit = watch.hit or saved or ((now(), late, "") if late else None)
    if hit and hit[0] <= budget_s:
        return Outcome(hit[0], True, hit[1], hit[2], status)
    if status == exit_codes.USAGE:
        return Outcome(now(), False, status=status, error="exit status 2 (usage error; see %s)" % log_path)
    if status not in (None, exit_codes.CLEAN, exit_codes.INCONCLUSIVE):
        return Outcome(now(), True, "exit status %d" % status, "", status)
    return Outcome(min(now(), budget_s), False, status=status, timed_out=timed_out)
