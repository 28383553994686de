"""Child processes with a time limit that leave nothing behind.

Each command runs in its own process group (session); when its time is up,
or when the caller is interrupted (SIGINT, SIGTERM), the whole group is
killed: a fuzzer's fork-mode jobs, a property test's isolated children and
the outside helpers go with it, and then the run directories of processes
that are gone (sandboxes.reap()).
"""
import dataclasses
import os
import signal
import subprocess
import time

from mapfuzz_tools import sandboxes

_running = set()


@dataclasses.dataclass
class Finished:
    status: int          # the exit status (negative: killed by that signal)
    timed_out: bool      # the time limit ended it
    seconds: float


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_all():
    """Kills every group still running (for a signal handler or atexit)."""
    for proc in list(_running):
        _kill_group(proc)


def adopt(proc):
    """Counts `proc`, started elsewhere with start_new_session=True, among the
    groups kill_all() kills; wait() forgets it."""
    proc.started = getattr(proc, "started", time.monotonic())
    _running.add(proc)


def start(cmd, log_path, env=None, cwd=None):
    """Starts `cmd` with stdout and stderr going to `log_path`. Raises OSError
    if it cannot be started."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd, start_new_session=True)
    proc.started = time.monotonic()
    _running.add(proc)
    return proc


def wait(proc, seconds):
    """Waits for `proc` at most `seconds`, then kills its group. Returns Finished."""
    timed_out = False
    try:
        status = proc.wait(timeout=max(0.0, seconds))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        status = proc.wait()
    _kill_group(proc)  # what the command left running in its group
    _running.discard(proc)
    sandboxes.reap()   # and the run directories of those it killed
    return Finished(status, timed_out, time.monotonic() - proc.started)


def run(cmd, log_path, seconds, env=None, cwd=None):
    """start() then wait(): runs `cmd` for at most `seconds`."""
    return wait(start(cmd, log_path, env, cwd), seconds)


def install_signal_handlers():
    """On SIGINT or SIGTERM: kill every running group, then exit 2."""
    def handler(signum, _frame):
        kill_all()
        raise SystemExit(2)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
