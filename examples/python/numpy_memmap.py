#!/usr/bin/env python3
"""numpy.memmap as its documentation shows it: create a file-backed array
with mode "w+", fill it, flush. numpy makes the file by seeking to its last
byte and writing one: a sparse file. On a full disk the first store into a
hole page kills the interpreter with SIGBUS instead of raising an error
(numpy issue 21964).

It knows nothing about mapfuzz. Under `scripts/run` it runs in a fresh
sandbox directory (its working directory), where the faults act.
"""
import sys

import numpy as np

ROWS = 64


def main():
    a = np.memmap("matrix.dat", dtype="float64", mode="w+", shape=(ROWS, 512))
    for i in range(ROWS):
        a[i, :] = i
    a.flush()
    del a
    b = np.memmap("matrix.dat", dtype="float64", mode="r", shape=(ROWS, 512))
    if not all(b[i, 0] == i and b[i, -1] == i for i in range(ROWS)):
        print("matrix.dat does not hold what was written", file=sys.stderr)
        return 1
    print("ok:", ROWS, "rows written and read back")
    return 0


if __name__ == "__main__":
    sys.exit(main())
