"""Known findings: the behaviours already recorded for a target in
corpus/regressions/<target>/EXPECTED (each one documented in docs/FINDINGS.md
and docs/findings/<target>.md).

EXPECTED holds one line per reproducer, "<file> <outcome>" (a finding kind,
`hazard` or `clean`), optionally followed by lines "also <pattern>": shell-style
patterns (fnmatch) of further signatures that are the same documented
behaviour reached through another op or call, e.g.

    mremap_failure_closes_file_write.txt not-atomic
    also not-atomic * fault:mremap

A finding is known iff its signature equals the signature its reproducer
replays to today, or matches one of the patterns.
"""
import dataclasses
import fnmatch
import os


@dataclasses.dataclass
class KnownFinding:
    file: str                 # the reproducer, relative to the repository
    outcome: str
    patterns: list = dataclasses.field(default_factory=list)
    signature: str | None = None  # what the reproducer replays to (None: not a finding, or not replayed)


class KnownError(Exception):
    """An EXPECTED file that cannot be read or parsed."""


def load(regressions_dir, target):
    """The known findings of `target` ([] if it has no EXPECTED file)."""
    path = os.path.join(regressions_dir, target, "EXPECTED")
    if not os.path.exists(path):
        return []
    entries = []
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        raise KnownError("cannot read %s: %s" % (path, e.strerror))
    for number, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] == "also":
            if not entries or len(words) < 2:
                raise KnownError("%s:%d: 'also' needs a pattern and an entry above it" % (path, number))
            entries[-1].patterns.append(" ".join(words[1:]))
        elif len(words) >= 2:
            entries.append(KnownFinding(os.path.join(regressions_dir, target, words[0]), words[1]))
        else:
            raise KnownError("%s:%d: expected '<file> <outcome>' or 'also <pattern>'" % (path, number))
    return entries


class KnownIndex:
    """Matches signatures against a target's known findings. The reproducers
    are replayed (by `replay`, a function path -> Outcome) on first use."""

    def __init__(self, entries, replay):
        self.entries, self._replay, self._replayed = entries, replay, False

    def _ensure_replayed(self):
        if self._replayed:
            return
        self._replayed = True
        for e in self.entries:
            if e.outcome in ("clean", "hazard") or not os.path.exists(e.file):
                continue
            try:
                e.signature = self._replay(e.file).signature
            except Exception:
                e.signature = None

    def match(self, signature):
        """The KnownFinding `signature` is, or None if it is new."""
        self._ensure_replayed()
        for e in self.entries:
            if e.signature == signature:
                return e
        for e in self.entries:
            if any(fnmatch.fnmatchcase(signature, p) for p in e.patterns):
                return e
        return None
