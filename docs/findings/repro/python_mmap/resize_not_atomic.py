#!/usr/bin/env python3
"""CPython mmap.resize() (Linux): ftruncate()s the file to the new size first,
then mremap()s the mapping; when mremap fails it raises OSError but never
puts the file back. resize(0) is the same path with a mremap that always
fails (EINVAL).

  LD_PRELOAD=fail_shim.so resize_not_atomic.py zero     8192 -> resize(0)
  LD_PRELOAD=fail_shim.so resize_not_atomic.py grow     20480 -> 40000, mremap fails
  LD_PRELOAD=fail_shim.so resize_not_atomic.py shrink   16384 -> 4096, mremap fails
    exit 1: resize raised but the file changed size (the finding)
    exit 0: a failed resize left the file as it was
    exit 2: setup failed or the fault did not fire
"""
import ctypes
import mmap
import os
import sys
import tempfile

CASES = {"zero": (8192, 0), "grow": (20480, 40000), "shrink": (16384, 4096)}


def shim_failures():
    """How many calls fail_shim.so has failed (None: not preloaded)."""
    try:
        return ctypes.c_long.in_dll(ctypes.CDLL(None), "repro_shim_failures").value
    except ValueError:
        return None


def main():
    case = sys.argv[1] if len(sys.argv) > 1 else "zero"
    old_size, new_size = CASES[case]
    path = os.path.join(tempfile.mkdtemp(prefix="repro."), "data.bin")
    with open(path, "wb") as f:
        f.write(b"x" * old_size)
    with open(path, "r+b") as f:
        m = mmap.mmap(f.fileno(), old_size)
        if case != "zero":
            if shim_failures() is None:
                print("the fault shim is not loaded: run with LD_PRELOAD=.../fail_shim.so")
                return 2
            os.environ["REPRO_PATH_SUFFIX"] = "/data.bin"
            os.environ["REPRO_FAIL"] = "mremap:1:ENOMEM"
        try:
            m.resize(new_size)
            print(f"resize({new_size}) succeeded")
            return 2
        except OSError as e:
            print(f"resize({new_size}) of a {old_size}-byte map raised {e!r}")
        finally:
            os.environ.pop("REPRO_FAIL", None)
        if case != "zero" and shim_failures() != 1:
            print("the fault did not fire")
            return 2
        size = os.path.getsize(path)
        print(f"len(m) = {len(m)}; the file is now {size} bytes (was {old_size})")
        return 0 if size == old_size else 1


if __name__ == "__main__":
    sys.exit(main())
