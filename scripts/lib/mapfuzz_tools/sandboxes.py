"""The run directories mapfuzz executables leave behind when they are killed.

Each mapfuzz process (a fuzz executable, a replay, the runner) works in
"<base>/mapfuzz-<pid>-XXXXXX" (harness/sandbox.h: base is $TMPDIR, else
/dev/shm when writable, else /tmp) and removes it when it exits; one killed
with SIGKILL cannot, and the next mapfuzz process reaps it. A killed
process group (a fuzzer's fork-mode jobs at the end of their time) may have
no next process: bounded.wait() reaps after killing a group.
"""
import os
import re
import shutil

_NAME = re.compile(r"^mapfuzz-(\d+)-.+$")


def base_dir():
    """The directory mapfuzz processes make their run directories in."""
    tmp = os.environ.get("TMPDIR")
    if tmp:
        return tmp
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        return "/dev/shm"
    return "/tmp"


def _gone(pid):
    """True iff no process `pid` runs (a zombie counts as gone: it removes nothing any more)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True
    except OSError:
        return False


def reap(base=None):
    """Removes the run directories of processes that are gone. Returns their names."""
    base = base or base_dir()
    removed = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    for name in names:
        m = _NAME.match(name)
        if not m or not _gone(int(m.group(1))):
            continue
        path = os.path.join(base, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
    return removed
