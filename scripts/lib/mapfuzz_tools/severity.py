"""A finding's severity, as a report's `severity:` line gives it
(harness/severity.h): how many injected faults, outside events and disk
conditions it needed, the most within one library call, and the class
triage groups and sorts by.

    severity: single (1 fault, 0 outside events, 0 disk conditions, at most 1 in one call)
"""
import dataclasses
import re

# From the most likely in practice to the least (harness/severity.h's order);
# "unknown" where a report has no severity line (a sanitizer's death, a hang).
CLASSES = ("none", "single", "outside", "multiple", "compound")
UNKNOWN = "unknown"

_TEXT = re.compile(r"^([a-z]+) \((\d+) faults?, (\d+) outside events?, (\d+) disk conditions?, "
                   r"at most (\d+) in one call\)$")


@dataclasses.dataclass(frozen=True)
class Severity:
    cls: str
    faults: int = 0
    outside_events: int = 0
    disk_conditions: int = 0
    max_in_one_call: int = 0

    @property
    def text(self):
        """The report's text form."""
        def count(n, what):
            return "%d %s%s" % (n, what, "" if n == 1 else "s")
        return "%s (%s, %s, %s, at most %d in one call)" % (
            self.cls, count(self.faults, "fault"), count(self.outside_events, "outside event"),
            count(self.disk_conditions, "disk condition"), self.max_in_one_call)


def parse(text):
    """The Severity of a `severity:` line's value, or None if `text` is not
    one (empty, or another shape)."""
    m = _TEXT.match(text.strip()) if text else None
    if not m or m.group(1) not in CLASSES:
        return None
    return Severity(m.group(1), *(int(m.group(i)) for i in range(2, 6)))


def class_of(severity):
    """The class name of a Severity or None (UNKNOWN)."""
    return severity.cls if severity else UNKNOWN


def rank(cls):
    """The sort key of a class name: CLASSES' order, UNKNOWN (and anything
    else) last."""
    return CLASSES.index(cls) if cls in CLASSES else len(CLASSES)
