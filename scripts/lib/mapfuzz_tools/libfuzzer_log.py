"""libFuzzer's output as a time series: parse() turns the text of one run's
log into points {t, execs, exec_per_s, cov, ft, corpus} and totals
{executions, seconds, exec_per_s}; total_executions() gives the executions
alone. Two shapes are read:

- plain mode (one process): status lines ``#12345\\tNEW    cov: 1234 ft: 5678
  corp: 90/12Kb lim: 4096 exec/s: 2977 rss: 480Mb ...`` (also INITED, pulse,
  REDUCE, DONE, ...), ``Done N runs in S second(s)`` and the final
  ``stat::number_of_executed_units`` / ``stat::average_exec_per_sec``. The
  lines carry no time: libFuzzer's exec/s there is executions since start
  divided by seconds since start, so t = execs / exec_per_s (0 while libFuzzer
  still prints exec/s 0, in the first second).
- fork mode (``-fork=N``): ``#123: cov: 1234 ft: 5678 corp: 90 exec/s[:] 456
  oom/timeout/crash: 0/0/3 time: 61s job: 12 dft_time: 0``, ``INFO: fuzzed for
  N seconds, wrapping up soon`` and ``INFO: exiting: C time: Ns``. ``#N`` is
  the executions of all finished jobs so far; the exec/s libFuzzer prints is
  the last job's own rate (0 for a job that crashed), so a point's exec_per_s
  is recomputed as execs / t. Plain status and stat:: lines in a fork-mode log
  (libFuzzer copies a crashed job's log into it unless -ignore_crashes=1) are
  already counted in ``#N`` and are ignored.

Lines of anything else (the harness's own output, sanitizer reports, stack
frames) are skipped; a log with no status line gives no points.
"""

import re

_PLAIN = re.compile(r"^#(\d+)\t\s*([A-Za-z_]+)\s+(.*)$", re.M)
_FORK = re.compile(r"^#(\d+): (cov: .*)$", re.M)
_FIELDS = {
    "cov": re.compile(r"\bcov: (\d+)"),
    "ft": re.compile(r"\bft: (\d+)"),
    "corpus": re.compile(r"\bcorp: (\d+)"),
    "exec_per_s": re.compile(r"\bexec/s:? (\d+)"),
    "time": re.compile(r"\btime: (\d+)s\b"),
}
_STAT_UNITS = re.compile(r"^stat::number_of_executed_units:\s*(\d+)", re.M)
_STAT_RATE = re.compile(r"^stat::average_exec_per_sec:\s*(\d+)", re.M)
_DONE = re.compile(r"^Done (\d+) runs in (\d+) second", re.M)
_FORK_SECONDS = re.compile(
    r"^INFO: (?:fuzzed for (\d+) seconds, wrapping up soon"
    r"|exiting: -?\d+ time: (\d+)s)", re.M)


def _field(name, text):
    """The integer after `name` in a status line's tail, or None if absent."""
    m = _FIELDS[name].search(text)
    return int(m.group(1)) if m else None


def is_fork_mode(log_text):
    """True if the log holds at least one fork-mode status line (#N: cov: ...)."""
    return _FORK.search(log_text) is not None


def _plain_points(log_text):
    """The plain-mode status lines that carry coverage, as points. libFuzzer
    divides by whole seconds, so execs / exec/s gives the second a line was
    printed in; within a second, t is interpolated by executions toward the
    next second's first line, and exec_per_s is recomputed as execs / t
    (libFuzzer's own figure jumps at every whole second)."""
    points, last_s = [], 0
    for m in _PLAIN.finditer(log_text):
        execs, tail = int(m.group(1)), m.group(3)
        cov = _field("cov", tail)
        if cov is None:
            continue  # e.g. "#0\tREAD units: 12"
        rate = _field("exec_per_s", tail) or 0
        last_s = max(last_s, round(execs / rate) if rate else 0)
        points.append({"t": float(last_s), "execs": execs, "exec_per_s": rate,
                       "cov": cov, "ft": _field("ft", tail) or 0,
                       "corpus": _field("corpus", tail) or 0})
    _interpolate_within_seconds(points)
    return points


def _interpolate_within_seconds(points):
    """Spread the points that share a whole second t over [t, next t) by
    their executions, and set exec_per_s = execs / t where libFuzzer gave a
    rate (the last second's points have no next one and stay at t)."""
    firsts = {}
    for p in points:
        firsts.setdefault(p["t"], p["execs"])
    seconds = sorted(firsts)
    following = dict(zip(seconds, seconds[1:]))
    for p in points:
        s = p["t"]
        if s in following:
            lo, hi = firsts[s], firsts[following[s]]
            if hi > lo:
                p["t"] = round(s + (following[s] - s) * (p["execs"] - lo) / (hi - lo), 3)
        if p["exec_per_s"] and p["t"] > 0:
            p["exec_per_s"] = round(p["execs"] / p["t"])


def _fork_points(log_text):
    """The fork-mode status lines as points; exec_per_s = execs / t."""
    points = []
    for m in _FORK.finditer(log_text):
        execs, tail = int(m.group(1)), m.group(2)
        t = float(_field("time", tail) or 0)
        rate = round(execs / t) if t > 0 else (_field("exec_per_s", tail) or 0)
        points.append({"t": t, "execs": execs, "exec_per_s": rate,
                       "cov": _field("cov", tail) or 0, "ft": _field("ft", tail) or 0,
                       "corpus": _field("corpus", tail) or 0})
    return points


def _plain_totals(log_text, points):
    """Executions and seconds of a plain-mode run: the stat:: lines (summed
    if the text holds several runs), else the Done line, else the last point."""
    units = [int(x) for x in _STAT_UNITS.findall(log_text)]
    rates = [int(x) for x in _STAT_RATE.findall(log_text)]
    done = _DONE.findall(log_text)
    execs = sum(units) if units else (
        sum(int(r) for r, _ in done) if done else (points[-1]["execs"] if points else 0))
    if done:
        seconds = float(sum(int(s) for _, s in done))
    elif units and rates and len(units) == len(rates):
        seconds = sum(u / r for u, r in zip(units, rates) if r)
    else:
        seconds = points[-1]["t"] if points else 0.0
    return execs, seconds


def _fork_totals(log_text, points):
    """Executions and seconds of a fork-mode run: the last #N and the latest
    of the last status line's time, 'fuzzed for N seconds' and 'exiting'."""
    execs = max((p["execs"] for p in points), default=0)
    seconds = max((p["t"] for p in points), default=0.0)
    for fuzzed, exiting in _FORK_SECONDS.findall(log_text):
        seconds = max(seconds, float(fuzzed or exiting))
    return execs, seconds


def parse(log_text, started=0.0, duration=None):
    """Parse one libFuzzer run's output (plain or fork mode, detected).

    started: seconds added to every point's t (e.g. when the run began,
    counted from the start of the nightly job). duration: the run's wall time
    in seconds if the caller measured it; it replaces the log's own figure
    when the log has none (a crash before libFuzzer's first second) and caps
    the estimated times of plain-mode points.

    Returns {"mode": "plain"|"fork"|"none", "points": [...], "totals":
    {"executions", "seconds", "exec_per_s"}}; never raises on odd text
    (a log with no status line gives mode "none", no points and zero or
    stat-line totals)."""
    fork = is_fork_mode(log_text)
    points = _fork_points(log_text) if fork else _plain_points(log_text)
    execs, seconds = (_fork_totals if fork else _plain_totals)(log_text, points)
    if duration is not None and duration > 0:
        if not seconds:
            seconds = float(duration)
        for p in points:
            p["t"] = min(p["t"], float(duration))
    rate = round(execs / seconds) if seconds else 0
    if not fork:
        rates = [int(x) for x in _STAT_RATE.findall(log_text)]
        rate = rates[-1] if len(rates) == 1 and rates[0] else rate
    for p in points:
        p["t"] = round(p["t"] + started, 3)
    mode = "fork" if fork else ("plain" if points or execs else "none")
    return {"mode": mode, "points": points,
            "totals": {"executions": execs, "seconds": round(seconds, 3), "exec_per_s": rate}}


def total_executions(log_text):
    """Executions of the run whose output is log_text: in fork mode the last
    #N (all finished jobs; the per-job stat:: lines are in the jobs' own
    logs), in plain mode stat::number_of_executed_units (summed over the runs
    the text holds), else the Done line, else the last status line's #N;
    0 for a log with none of these."""
    return parse(log_text)["totals"]["executions"]


def parse_file(path, started=0.0, duration=None):
    """parse() on a log file read as UTF-8 (undecodable bytes replaced).
    Raises OSError if the file cannot be read."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse(f.read(), started=started, duration=duration)


def downsample(points, limit=400):
    """At most `limit` points (limit >= 2) spread evenly over the list,
    always keeping the first and the last; the list itself if it is short
    enough. For charts and for keeping results.json small."""
    if len(points) <= limit:
        return list(points)
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]
