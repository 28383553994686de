"""Survival statistics of the bug-finding benchmark, the way FuzzBench and
Magma report time to bug: each trial is (seconds, found). A trial that did
not find the bug is censored at the time it stopped (the budget, or earlier
when the run ended by itself or on another detection). Standard library
only."""


def kaplan_meier(trials, budget):
    """The Kaplan-Meier estimate of P(bug not yet found by t) as steps
    [(t, survival)], starting at (0, 1.0) and ending at `budget`. Trials are
    (seconds, found); a found trial is an event at its time, any other
    trial leaves the risk set at its time."""
    steps, surv = [(0.0, 1.0)], 1.0
    at_risk = len(trials)
    for t in sorted({s for s, _ in trials}):
        events = sum(1 for s, f in trials if s == t and f)
        leaving = sum(1 for s, _ in trials if s == t)
        if events and at_risk:
            surv *= 1 - events / at_risk
            steps.append((min(t, budget), surv))
        at_risk -= leaving
    if steps[-1][0] < budget:
        steps.append((float(budget), surv))
    return steps


def rmst(trials, budget):
    """Restricted mean survival time: the area under the Kaplan-Meier curve
    from 0 to `budget`, i.e. the mean time to find the bug when a miss
    counts as `budget`. Equals `budget` when no trial found it."""
    if not trials:
        return None
    steps, area = kaplan_meier(trials, budget), 0.0
    for (t0, s0), (t1, _) in zip(steps, steps[1:]):
        area += s0 * (min(t1, budget) - min(t0, budget))
    return area


def median_time(trials):
    """The median time to detection over all trials, a miss counting as
    longer than any hit; None when half or more of the trials missed."""
    if not trials:
        return None
    times = sorted(s if f else float("inf") for s, f in trials)
    n = len(times)
    mid = times[(n - 1) // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
    return None if mid == float("inf") else mid


def found_fraction(trials):
    """(found, total)."""
    return sum(1 for _, f in trials if f), len(trials)


def survival_points(trials, budget):
    """The Kaplan-Meier curve as points for a line chart drawn as a step
    function (each drop is a vertical segment), survival in percent. The
    point after a drop is a microsecond later, so that sorting by time
    keeps the step's order."""
    points, last = [], None
    for t, s in kaplan_meier(trials, budget):
        if last is not None and s != last:
            points.append((t, last * 100))
            t += 1e-6
        points.append((t, s * 100))
        last = s
    return points
