#!/usr/bin/env bash
# false_positives_test.sh BIN_DIR DIR TARGET...
# Replays every text program in DIR (*.txt) against mapfuzz-<TARGET> for each
# TARGET and asserts no finding: exit code 0 and no report. Each program is a
# minimal reproducer of a report the harness once made against a correct
# library (another process's change in the middle of its call, blamed on it).
set -uo pipefail
bin=$1 dir=$2; shift 2
[ $# -gt 0 ] || { echo "usage: false_positives_test.sh BIN_DIR DIR TARGET..."; exit 2; }
failed=0 checked=0
for target in "$@"; do
  cli="$bin/mapfuzz-$target"
  [ -x "$cli" ] || { echo "FAIL: $cli was not built"; exit 1; }
  for f in "$dir"/*.txt; do
    [ -e "$f" ] || { echo "FAIL: no programs in $dir"; exit 1; }
    out=$("$cli" replay --quiet "$f" 2>&1); rc=$?
    checked=$((checked + 1))
    if [ $rc -ne 0 ] || echo "$out" | grep -q '^==mapfuzz== ERROR: '; then
      failed=$((failed + 1))
      echo "FAIL: $target $(basename "$f") (exit $rc):"
      echo "$out" | grep -E '^==mapfuzz== ERROR: |^  what: |^SUMMARY: ' | sed 's/^/    /'
    fi
  done
done
echo "replayed $checked program(s) on $# target(s): $failed with a finding"
[ $failed -eq 0 ]
