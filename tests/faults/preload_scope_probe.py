"""The program of preload_scope_test.sh: ordinary I/O that the faults must
not touch (imports, a log file, stdout, a file outside the scope) and I/O on
the scoped file that they must. Prints one line per check."""
import mmap
import os
import sys

# Imports read the standard library's files (and may write caches).
import json, decimal, email.parser, sqlite3, xml.dom.minidom  # noqa: E401,F401

log_path, other_path, scoped_path = sys.argv[1], sys.argv[2], sys.argv[3]

with open(log_path, "w") as log:
    log.write("a log line\n")
    log.flush()
    os.fsync(log.fileno())
with open(log_path) as log:
    print("log", "ok" if log.read() == "a log line\n" else "wrong")

with open(other_path, "w+b") as f:
    f.write(b"x" * 8192)
    f.flush()
    m = mmap.mmap(f.fileno(), 8192)
    m[0:4] = b"abcd"
    m.resize(16384)
    m.flush()
    m.close()
    os.ftruncate(f.fileno(), 4096)
    print("other", "ok" if os.path.getsize(other_path) == 4096 else "wrong")

try:
    with open(scoped_path, "w+b") as f:
        f.write(b"y" * 4096)
        f.flush()
        m = mmap.mmap(f.fileno(), 4096)
        m.close()
    print("scoped ok")
except OSError as e:
    print("scoped failed", e.errno)
    print(e)
print("stdout", "ok", flush=True)
