#!/usr/bin/env python3
"""CPython mmap.resize() grows the file with ftruncate (sparse). On a full
disk the next write through the map raises SIGBUS, which kills the
interpreter: no OSError. A documented hazard of sparse files. The write runs
in a child process so that its death can be reported.

  diskfull_resize_write_sigbus.py   (as root: a 64 KiB tmpfs in a private mount namespace)
    exit 1: the child died of SIGBUS (the hazard)
    exit 0: the write went through or raised an exception
    exit 2: setup failed
"""
import ctypes
import mmap
import os
import signal
import sys
import tempfile

CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 16384, 1 << 18


def small_disk(directory, size):
    """Mounts a tmpfs of `size` on directory, in a mount namespace of this process."""
    libc = ctypes.CDLL(None, use_errno=True)
    if (libc.unshare(CLONE_NEWNS) != 0
            or libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0
            or libc.mount(b"tmpfs", directory.encode(), b"tmpfs", 0, f"size={size}".encode()) != 0):
        raise OSError(ctypes.get_errno(), "private tmpfs (run as root)")


def fill(directory):
    try:
        with open(os.path.join(directory, "filler"), "wb") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:
        pass


def main():
    directory = tempfile.mkdtemp(prefix="repro.")
    try:
        small_disk(directory, "64k")
    except OSError as e:
        print(e)
        return 2
    path = os.path.join(directory, "data.bin")
    with open(path, "wb") as f:
        f.write(b"x" * 8192)
    fill(directory)
    with open(path, "r+b") as f:
        m = mmap.mmap(f.fileno(), 8192)
        m.resize(16384)
        print("resize(16384) on a full disk succeeded; writing 10 bytes at 12288 ...", flush=True)
        pid = os.fork()
        if pid == 0:
            try:
                m[12288:12298] = b"y" * 10
            except Exception as e:  # a clean error would land here
                print(f"the write raised {e!r}", flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        print(f"the writing process died of {signal.Signals(os.WTERMSIG(status)).name}")
        return 1 if os.WTERMSIG(status) == signal.SIGBUS else 2
    print("the write went through")
    return 0


if __name__ == "__main__":
    sys.exit(main())
