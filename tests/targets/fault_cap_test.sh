#!/usr/bin/env bash
# fault_cap_test.sh CLI ROOT
# MAPFUZZ_MAX_FAULTS_PER_OP reaches the executor of a target's command line:
# replays tests/targets/fault_cap/two_faults_in_one_resize.txt (two faults
# that fire in one resize) with CLI (mapfuzz-reference) and checks the resize
# step's events: both faults with no cap, only the first with a cap of 1,
# and a bad value is a usage error (exit status 2).
set -uo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 CLI ROOT" >&2; exit 2; fi
cli=$1 program=$2/tests/targets/fault_cap/two_faults_in_one_resize.txt
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-fault-cap-XXXXXX")
trap 'rm -rf "$work"' EXIT
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done

failed=0
check() {  # cap, the events line wanted (exact)
  TMPDIR="$work" MAPFUZZ_MAX_FAULTS_PER_OP=$1 "$cli" replay "$program" >"$work/out" 2>&1
  local got
  got=$(grep -E '^    events: ' "$work/out")
  if [ "$got" = "$2" ]; then
    echo "ok: cap '$1': $got"
  else
    echo "FAIL: cap '$1': got '$got', wanted '$2'"; cat "$work/out"; failed=1
  fi
}
check "" "    events: fallocate→ENOSPC, mremap→ENOMEM"
check 0 "    events: fallocate→ENOSPC, mremap→ENOMEM"
check 2 "    events: fallocate→ENOSPC, mremap→ENOMEM"
check 1 "    events: fallocate→ENOSPC"
TMPDIR="$work" MAPFUZZ_MAX_FAULTS_PER_OP=one "$cli" replay "$program" >"$work/out" 2>&1
status=$?
if [ $status -eq 2 ] && grep -q 'MAPFUZZ_MAX_FAULTS_PER_OP=one: want ' "$work/out"; then
  echo "ok: a bad value is a usage error"
else
  echo "FAIL: MAPFUZZ_MAX_FAULTS_PER_OP=one: exit status $status"; cat "$work/out"; failed=1
fi
[ $failed -eq 0 ] && echo "PASS: MAPFUZZ_MAX_FAULTS_PER_OP caps the faults per operation"
exit $failed
