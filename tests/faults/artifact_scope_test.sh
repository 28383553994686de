#!/bin/sh
# Runs artifact_scope_fuzz on an input that crashes while a persistent
# ENOSPC fault is armed on write, and checks that libFuzzer still wrote its
# crash file: armed faults never reach the fuzzer's own files.
# Usage: artifact_scope_test.sh <path to artifact_scope_fuzz>
set -u
fuzzer=${1:?usage: artifact_scope_test.sh <artifact_scope_fuzz>}
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-scope-test-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
mkdir "$work/artifacts" "$work/tmp" "$work/corpus"
printf 'Xcrash' > "$work/corpus/input"

# A corpus directory, not a file argument: libFuzzer writes no artifacts
# when it runs individual files. The seed crashes on its first execution.
TMPDIR="$work/tmp" "$fuzzer" -seed=1 -runs=1000 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" > "$work/log" 2>&1
status=$?

fail() {
  echo "FAIL: $*" >&2
  sed 's/^/  | /' "$work/log" >&2
  exit 1
}
grep -q ARTIFACT_SCOPE_FAIL "$work/log" && fail "the fuzz target saw the fault in the wrong place"
grep -q 'sandbox write failed with ENOSPC' "$work/log" || fail "the target never reached its armed write"
[ "$status" -ne 0 ] || fail "the fuzzer did not crash (exit status 0)"
set -- "$work"/artifacts/crash-*
[ -f "$1" ] || fail "no crash file in $work/artifacts"
[ "$(cat "$1")" = "Xcrash" ] || fail "the crash file does not hold the input"
echo "PASS: crash file $(basename "$1") written while write faults were armed"
