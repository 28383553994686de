#!/usr/bin/env python3
"""A typical use of Python's mmap module, as the tutorials show it: create a
file, map it, write through the map, grow the file with resize(), write into
the new part, flush, close, then read the file back with ordinary I/O.

It knows nothing about mapfuzz. Under `scripts/run` it runs in a fresh sandbox
directory (its working directory), where the faults act.
"""
import mmap
import os
import sys

PAGE = mmap.PAGESIZE
PATH = "data.bin"


def main():
    with open(PATH, "wb") as f:
        f.write(b"\0" * PAGE)
    with open(PATH, "r+b") as f:
        m = mmap.mmap(f.fileno(), PAGE)
        m[0:5] = b"hello"
        m.resize(4 * PAGE)
        m[3 * PAGE:3 * PAGE + 5] = b"world"
        m.flush()
        m.close()
    with open(PATH, "rb") as f:
        data = f.read()
    if len(data) != 4 * PAGE or data[0:5] != b"hello" or data[3 * PAGE:3 * PAGE + 5] != b"world":
        print("data.bin does not hold what was written", file=sys.stderr)
        return 1
    print("ok: wrote and read back", len(data), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
