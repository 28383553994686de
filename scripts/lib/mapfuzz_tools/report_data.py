"""The nightly job's results dict (results.json), checked and completed for
the report writers: normalize() validates it and fills the defaults,
target_rows() sums up each target for the tables, verdict() gives the
headline. The schema is described in nightly_report's module docstring."""

import math

from .severity import CLASSES as SEVERITY_CLASSES, UNKNOWN as SEVERITY_UNKNOWN, rank as severity_rank

CHECK_STATUSES = ("ok", "findings", "error", "skipped")
FINDING_STATUSES = ("new", "known")
CHECK_ORDER = ("fuzz", "property", "enumerate", "regressions", "triage")
SCHEMA_VERSION = 1


class ResultsError(ValueError):
    """The results dict does not follow the schema; the message names the
    offending field, e.g. 'targets[2].checks[0].status: ...'."""


def _num(value, where, default=None):
    """value if it is a finite int or float (not a bool), default if None;
    raises ResultsError otherwise."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise ResultsError(f"{where}: expected a number, got {value!r}")
    return value


def _str(value, where, default=None):
    """value if it is a str, default if None; raises ResultsError otherwise."""
    if value is None:
        return default
    if not isinstance(value, str):
        raise ResultsError(f"{where}: expected a string, got {value!r}")
    return value


def _list(value, where):
    """value if it is a list, [] if None; raises ResultsError otherwise."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ResultsError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _dict(value, where):
    """value if it is a dict; raises ResultsError otherwise."""
    if not isinstance(value, dict):
        raise ResultsError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _check(c, where):
    """One targets[i].checks[j] entry, validated, with defaults."""
    c = _dict(c, where)
    status = _str(c.get("status"), f"{where}.status", "ok")
    if status not in CHECK_STATUSES:
        raise ResultsError(f"{where}.status: expected one of {', '.join(CHECK_STATUSES)}, got {status!r}")
    return {"check": _str(c.get("check"), f"{where}.check") or "check", "status": status,
            "seconds": _num(c.get("seconds"), f"{where}.seconds"),
            "message": _str(c.get("message"), f"{where}.message", ""),
            "executions": _num(c.get("executions"), f"{where}.executions"),
            "seed": c.get("seed"), "log": _str(c.get("log"), f"{where}.log")}


def _point(p, where):
    """One series point, validated; missing fields become None."""
    p = _dict(p, where)
    return {k: _num(p.get(k), f"{where}.{k}") for k in ("t", "execs", "exec_per_s", "cov", "ft", "corpus")}


def _target(t, where):
    """One targets[i] entry, validated, with defaults."""
    t = _dict(t, where)
    name = _str(t.get("name"), f"{where}.name")
    if not name:
        raise ResultsError(f"{where}.name: missing")
    checks = [_check(c, f"{where}.checks[{j}]") for j, c in enumerate(_list(t.get("checks"), f"{where}.checks"))]
    series = [_point(p, f"{where}.series[{j}]") for j, p in enumerate(_list(t.get("series"), f"{where}.series"))]
    return {"name": name, "checks": checks, "series": [p for p in series if p["t"] is not None]}


def _finding(f, where):
    """One findings[i] entry, validated, with defaults (kind: the signature's
    first word; count 1; target '' for a finding outside any target; severity
"unknown")."""
    f = _dict(f, where)
    sig = _str(f.get("signature"), f"{where}.signature")
    if not sig:
        raise ResultsError(f"{where}.signature: missing")
    status = _str(f.get("status"), f"{where}.status")
    if status not in FINDING_STATUSES:
        raise ResultsError(f"{where}.status: expected one of {', '.join(FINDING_STATUSES)}, got {status!r}")
    sources = _list(f.get("sources"), f"{where}.sources")
    severity = _str(f.get("severity"), f"{where}.severity") or SEVERITY_UNKNOWN
    if severity not in SEVERITY_CLASSES + (SEVERITY_UNKNOWN,):
        raise ResultsError(f"{where}.severity: expected one of {', '.join(SEVERITY_CLASSES)} or "
                           f"{SEVERITY_UNKNOWN}, got {severity!r}")
    return {"target": _str(f.get("target"), f"{where}.target", ""), "signature": sig,
            "kind": _str(f.get("kind"), f"{where}.kind") or sig.split()[0],
            "status": status, "count": int(_num(f.get("count"), f"{where}.count", 1)),
            "sources": [str(s) for s in sources], "flaky": bool(f.get("flaky")),
            "what": _str(f.get("what"), f"{where}.what", ""),
            "reproducer": _str(f.get("reproducer"), f"{where}.reproducer"),
            "replay": _str(f.get("replay"), f"{where}.replay"),
            "add_command": _str(f.get("add_command"), f"{where}.add_command"),
            "known_as": _str(f.get("known_as"), f"{where}.known_as"),
            "severity": severity, "severity_text": _str(f.get("severity_text"), f"{where}.severity_text", "")}


def severity_detail(f):
    """The counts of a finding's severity_text without its class: "(1 fault,
    0 outside events, ...)", or "" without a text."""
    text = f["severity_text"]
    return text[text.index("("):] if "(" in text else ""


def by_severity(findings):
    """`findings` in the listings' order: by target, then severity class
    (plain bugs and single failures first), then signature."""
    return sorted(findings, key=lambda f: (f["target"], severity_rank(f["severity"]), f["signature"]))


def _error(e, where):
    """One top-level errors[i] entry: a string or {target, message}."""
    if isinstance(e, str):
        return {"target": "", "message": e}
    e = _dict(e, where)
    return {"target": _str(e.get("target"), f"{where}.target", ""),
            "message": _str(e.get("message"), f"{where}.message", "")}


def normalize(results):
    """The results dict validated and completed with defaults (a new dict;
    the argument is not changed). Targets named only by findings get an
    entry of their own. Raises ResultsError naming the first bad field."""
    r = _dict(results, "results")
    version = _num(r.get("schema"), "schema", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        raise ResultsError(f"schema: version {version} is newer than this report writer ({SCHEMA_VERSION})")
    targets = [_target(t, f"targets[{i}]") for i, t in enumerate(_list(r.get("targets"), "targets"))]
    findings = [_finding(f, f"findings[{i}]") for i, f in enumerate(_list(r.get("findings"), "findings"))]
    names = {t["name"] for t in targets}
    for f in findings:
        if f["target"] and f["target"] not in names:
            names.add(f["target"])
            targets.append({"name": f["target"], "checks": [], "series": []})
    exit_status = _num(r.get("exit_status"), "exit_status")
    return {"schema": SCHEMA_VERSION, "started": _str(r.get("started"), "started", ""),
            "budget_s": _num(r.get("budget_s"), "budget_s"),
            "triage_budget_s": _num(r.get("triage_budget_s"), "triage_budget_s"),
            "elapsed_s": _num(r.get("elapsed_s"), "elapsed_s"),
            "host": _str(r.get("host"), "host", ""), "command": _str(r.get("command"), "command", ""),
            "exit_status": exit_status, "targets": targets, "findings": findings,
            "errors": [_error(e, f"errors[{i}]") for i, e in enumerate(_list(r.get("errors"), "errors"))]}


def _fuzz_numbers(target):
    """(executions, exec/s, coverage) of a target's fuzzing: the fuzz check's
    executions and seconds, else the series' last point; None where unknown."""
    fuzz = next((c for c in target["checks"] if c["check"] == "fuzz"), None)
    last = target["series"][-1] if target["series"] else {}
    execs = fuzz["executions"] if fuzz and fuzz["executions"] is not None else last.get("execs")
    rate = last.get("exec_per_s")
    if fuzz and fuzz["executions"] and fuzz["seconds"]:
        rate = fuzz["executions"] / fuzz["seconds"]
    covs = [p["cov"] for p in target["series"] if p["cov"] is not None]
    return execs, rate, (max(covs) or None if covs else None)  # fork mode says cov 0 before its first merge


def target_rows(results):
    """One row per target of normalized results: {name, checks [(check,
    status)] in the usual order, executions, exec_per_s, cov, new, known,
    errors, seconds}."""
    rows = []
    for t in results["targets"]:
        mine = [f for f in results["findings"] if f["target"] == t["name"]]
        execs, rate, cov = _fuzz_numbers(t)
        order = {c: i for i, c in enumerate(CHECK_ORDER)}
        checks = sorted(t["checks"], key=lambda c: order.get(c["check"], len(order)))
        rows.append({"name": t["name"], "checks": [(c["check"], c["status"]) for c in checks],
                     "executions": execs, "exec_per_s": rate, "cov": cov,
                     "new": sum(f["status"] == "new" for f in mine),
                     "known": sum(f["status"] == "known" for f in mine),
                     "errors": sum(c["status"] == "error" for c in t["checks"]),
                     "seconds": sum(c["seconds"] or 0 for c in t["checks"])})
    return rows


def verdict(results):
    """(level, text) for the headline: ('error', ...) when a check or the
    job itself failed to run, ('new', 'N new findings') when there are new
    findings, else ('ok', 'no new finding'); errors are named next to new
    findings, never hide them."""
    new = sum(f["status"] == "new" for f in results["findings"])
    errors = len(results["errors"]) + sum(c["status"] == "error" for t in results["targets"]
                                          for c in t["checks"])
    text = f"{new} new finding{'s' if new != 1 else ''}" if new else "no new finding"
    if errors:
        text += f", {errors} harness error{'s' if errors != 1 else ''}"
    return ("new" if new else "error" if errors else "ok"), text
