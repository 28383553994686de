"""A made-up nightly results dict for looking at the reports
(nightly_report --demo): six targets (plain and fork-mode fuzzing, one
fuzz run skipped, one harness error), new, known and flaky findings. The
series are synthetic, shaped like real libFuzzer runs, unless a real log is
given for a target."""

import math
import random
import zlib

from . import libfuzzer_log
from .severity import Severity


def synthetic_series(seconds, rate, cov_max, seed, step=10):
    """Points every `step` seconds of a run whose speed settles to `rate`
    exec/s and whose coverage climbs toward cov_max (deterministic per seed)."""
    rnd = random.Random(seed)
    points, execs = [], 0
    for t in range(step, int(seconds) + 1, step):
        execs += int(rate * step * (1 + 0.8 * math.exp(-t / 60)) * rnd.uniform(0.85, 1.1))
        cov = int(cov_max * (1 - 0.55 * math.exp(-t / (seconds / 4))) - rnd.randint(0, 3))
        points.append({"t": float(t), "execs": execs, "exec_per_s": round(execs / t), "cov": cov,
                       "ft": cov * 4, "corpus": cov // 2})
    return points


def _checks(fuzz_s, execs, fuzz_status="ok", prop="ok", enum="ok", triage="ok"):
    """The four checks of a target with plausible numbers."""
    return [{"check": "fuzz", "status": fuzz_status, "seconds": fuzz_s, "executions": execs,
             "message": "" if fuzz_status != "skipped" else "no libFuzzer build of this target",
             "log": "logs/fuzz.log"},
            {"check": "property", "status": prop, "seconds": 30.0, "executions": 2000,
             "seed": 1733, "message": "2000 cases, seed 1733"},
            {"check": "enumerate", "status": enum, "seconds": 12.5, "executions": 148},
            {"check": "triage", "status": triage, "seconds": 20.0}]


def _finding(target, sig, status, count, sources, what, known_as=None, flaky=False, severity=None):
    """One finding with the commands the nightly job would print; `severity`
    a severity.Severity (None: unknown, as for a sanitizer's crash)."""
    slug = sig.split()[0] + "-" + format(zlib.crc32(sig.encode()) & 0xFFFF, "04x")
    repro = f"reproducers/{target}-{slug}.txt" if status == "new" else None
    return {"target": target, "signature": sig, "kind": sig.split()[0], "status": status,
            "count": count, "sources": sources, "flaky": flaky, "what": what,
            "reproducer": repro, "known_as": known_as,
            "severity": severity.cls if severity else "unknown", "severity_text": severity.text if severity else None,
            "replay": f"build/fuzz/targets/mapfuzz-{target} replay {repro or known_as}",
            "add_command": (f"cp {repro} corpus/regressions/{target}/ && echo '{repro.split('/')[-1]} "
                            f"{sig.split()[0]}' >> corpus/regressions/{target}/EXPECTED" if repro else None)}


_SINGLE = Severity("single", faults=1, max_in_one_call=1)


def _findings():
    """New, known and flaky findings over four targets."""
    return [
        _finding("tkrzw", "not-atomic reopen fault:mmap=ENOMEM", "new", 3, ["fuzz"],
                 "after a failed reopen the file holds 4096 bytes more than before", severity=_SINGLE),
        _finding("tkrzw", "not-atomic open fault:ftruncate=EFBIG", "known", 12, ["fuzz", "enumerate"],
                 "failed open extends the file", "corpus/regressions/tkrzw/failed_open_extends_file.txt",
                 severity=_SINGLE),
        _finding("tkrzw", "signal read SIGSEGV in tkrzw::MemoryMapParallelFile::ReadImpl", "known", 4,
                 ["fuzz"], "read after a failed shrink", "corpus/regressions/tkrzw/failed_shrink_read_segv.txt",
                 flaky=True),
        _finding("python_mmap", "not-atomic resize fault:mremap=ENOMEM", "known", 10, ["fuzz"],
                 "the file holds more than the model after a failed resize",
                 "corpus/regressions/python_mmap/resize_grows_file.txt", severity=_SINGLE),
        _finding("lmdb", "signal sync SIGBUS in mdb_env_sync0<outside:truncate>", "new", 1,
                 ["fuzz", "property"], "SIGBUS in msync after another process truncated the file",
                 severity=Severity("outside", outside_events=1)),
        _finding("lmdb", "not-atomic resize fault:fallocate,fault:ftruncate", "new", 2, ["enumerate"],
                 "a failed grow whose rollback failed too left the file grown",
                 severity=Severity("compound", faults=2, max_in_one_call=2)),
        _finding("lmdb", "wrong-size resize fault:ftruncate=ENOSPC", "known", 2, ["enumerate"],
                 "size() reports the new size after a failed grow",
                 "corpus/regressions/lmdb/failed_grow_size.txt"),
    ]


def results(demo_logs=()):
    """The demo results dict; demo_logs: "TARGET=LOG" strings whose log
    replaces that target's synthetic series. Raises OSError if a log cannot
    be read, ValueError if an entry has no '='."""
    series = {"reference": synthetic_series(120, 1500, 232, 1),
              "tkrzw": synthetic_series(120, 1100, 292, 2),
              "lmdb": synthetic_series(120, 450, 610, 3),
              "python_mmap": synthetic_series(120, 2600, 180, 4)}
    for entry in demo_logs:
        name, sep, path = entry.partition("=")
        if not sep:
            raise ValueError(f"--demo-log wants TARGET=LOG, got {entry!r}")
        series[name] = libfuzzer_log.downsample(libfuzzer_log.parse_file(path)["points"], 300)
    targets = []
    for name in ("reference", "tkrzw", "lmdb", "python_mmap", "sqlite", "boost_interprocess"):
        s = series.get(name, [])
        execs = s[-1]["execs"] if s else None
        has = {f["target"] for f in _findings()}
        checks = _checks(s[-1]["t"] if s else 0.0, execs, "ok" if s else "skipped",
                         enum="findings" if name in has else "ok",
                         triage="findings" if name in has else "ok")
        if name == "boost_interprocess":
            checks[1] = {"check": "property", "status": "error", "seconds": 3.1,
                         "message": "mapfuzz-boost_interprocess exited with status 127: not built"}
        targets.append({"name": name, "checks": checks, "series": s})
    return {"schema": 1, "started": "2026-11-29T15:00:00Z", "budget_s": 600, "triage_budget_s": 120,
            "elapsed_s": 688.4, "host": "ci-runner-7", "command": "scripts/nightly --budget 600",
            "exit_status": 1, "targets": targets, "findings": _findings()}
