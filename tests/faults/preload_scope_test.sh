#!/usr/bin/env bash
# faults/preload.cc's scope: with a persistent fault on every interposed call
# (open, ftruncate, fallocate, mmap, munmap, mremap, msync, madvise, fsync,
# write, close, lock), only the scoped files see them. A Python program's
# imports, its log file, stdout and a file outside the scope (written, mapped,
# grown, synced, truncated) all work; its scoped file fails; the runner's own
# records arrive; no sandbox directory is left behind.
#   preload_scope_test.sh MAPFUZZ_RUN SOURCE_DIR
set -uo pipefail
run=$1 src=$2
python=/usr/bin/python3
probe=$src/tests/faults/preload_scope_probe.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR" "$work/out"
fail() { echo "FAIL: $*"; cat "$work/stdout" "$work/stderr" 2>/dev/null | head -60; exit 1; }

faults=()
for call in open ftruncate fallocate mmap munmap mremap msync madvise fsync write close lock; do
  faults+=(--fault "call=$call errno=EIO nth=1 persistent")
done

# 1. The default scope: the sandbox (the program's cwd). data.bin is relative: in it.
"$run" "${faults[@]}" -- "$python" "$probe" "$work/out/log.txt" "$work/out/other.bin" data.bin \
  >"$work/stdout" 2>"$work/stderr"
grep -qx "log ok" "$work/stdout" || fail "the log outside the sandbox was touched"
grep -qx "other ok" "$work/stdout" || fail "a file outside the sandbox was touched"
grep -qx "scoped failed 5" "$work/stdout" || fail "the scoped file did not see the faults"
grep -qx "stdout ok" "$work/stdout" || fail "stdout"
grep -q "cause: injected EIO failed the program's open #1 data.bin -> EIO" "$work/stderr" || fail "the runner's records"
grep -q "^SUMMARY: mapfuzz run: reported" "$work/stderr" || fail "verdict"
[ "$(find "$TMPDIR" -mindepth 1 | wc -l)" -eq 0 ] || fail "left behind: $(ls "$TMPDIR")"

# 2. --files: a glob scopes the .dat files of a directory and nothing else there.
rm -f "$work/out/"*
"$run" --files "$work/out/*.dat" "${faults[@]}" -- "$python" "$probe" "$work/out/log.txt" "$work/out/other.bin" \
  "$work/out/scoped.dat" >"$work/stdout" 2>"$work/stderr"
grep -qx "log ok" "$work/stdout" || fail "--files: the log was touched"
grep -qx "other ok" "$work/stdout" || fail "--files: other.bin was touched"
grep -qx "scoped failed 5" "$work/stdout" || fail "--files: scoped.dat did not see the faults"
[ ! -e "$work/out/scoped.dat" ] || fail "--files: scoped.dat exists although its open failed"

# 3. No fault: the same program is clean, its scoped file written.
"$run" --files "$work/out/*.dat" -- "$python" "$probe" "$work/out/log.txt" "$work/out/other.bin" \
  "$work/out/scoped.dat" >"$work/stdout" 2>"$work/stderr"
grep -qx "scoped ok" "$work/stdout" || fail "no fault: the scoped file"
grep -q "^SUMMARY: mapfuzz run: clean" "$work/stderr" || fail "no fault: verdict"
echo "preload scope: ok"
