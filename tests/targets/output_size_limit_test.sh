#!/usr/bin/env bash
# output_size_limit_test.sh CLI: a program's `outside sizelimit` (RLIMIT_FSIZE)
# limits the library's calls only, never the harness's own output: a replay
# of a program that sets a 4096-byte limit and then runs many steps, with
# stdout redirected to a file, prints every step and its last line.
set -uo pipefail
cli=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-sizelimit-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
{
  echo "open create size=4096"
  echo "outside sizelimit size=4096"
  for i in $(seq 1 29); do echo "write offset=$((i * 100)) length=64 seed=$i"; echo "read offset=0 length=96"; done
  echo "resize size=65536"
  echo "write offset=0 length=64 seed=99"
  echo "close"
} >"$work/program.txt"
"$cli" replay "$work/program.txt" >"$work/out" 2>"$work/err"
status=$?
[ $status -eq 0 ] || { tail -n 20 "$work/err"; fail "replay exited with $status, not 0"; }
size=$(stat -c %s "$work/out")
[ "$size" -gt 4096 ] || fail "stdout holds $size bytes: expected far more than the program's 4096-byte limit"
last=$(tail -n 1 "$work/out")
[ "$last" = "== no finding" ] || fail "stdout was cut at $size bytes; its last line is '$last', not '== no finding'"
ops=$(grep -c . "$work/program.txt")
steps=$(grep -c '^step [0-9]*: ' "$work/out" || true)
[ "$steps" -eq "$ops" ] || fail "stdout shows $steps steps of $ops"
grep -A1 '^step [0-9]*: resize size=65536' "$work/out" | grep -q 'library: EFBIG' ||
  fail "the resize past the limit did not fail with EFBIG: $(grep -A1 ': resize size=65536' "$work/out" | tail -n 1)"
echo "PASS: $size bytes of output, all $steps steps, the resize past the limit failed with EFBIG, ending with '$last'"
