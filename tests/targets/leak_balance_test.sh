#!/usr/bin/env bash
# leak_balance_test.sh FUZZER MAPFUZZ_CLI ROOT
# Each fuzz input frees what it allocates (harness/input_balance.h,
# Executor::release): libFuzzer re-runs an input with more mallocs than frees
# and scans the heap, and after 1000 such inputs stops checking leaks for the
# rest of the run. Fuzzes the reference library from its seeds with every
# fault mode on and -trace_malloc=1 (libFuzzer prints each input's malloc
# and free counts): at most 2% of the inputs may end with more mallocs than
# frees (before the fix: 28%), and leak detection must still be on at the end.
set -uo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 FUZZER MAPFUZZ_CLI ROOT" >&2; exit 2; fi
fuzzer=$(readlink -f "$1") cli=$(readlink -f "$2") root=$(readlink -f "$3")
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-balance-XXXXXX")
trap 'rm -rf "$work"' EXIT
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done
"$cli" encode-dir "$root/corpus/reference" "$work/seeds" >/dev/null || exit 1
mkdir -p "$work/c" "$work/a"
(cd "$work" && timeout 600 "$fuzzer" c seeds -runs=4000 -seed=7 -trace_malloc=1 -artifact_prefix=a/ \
   -dict="$root/corpus/mapfuzz.dict") >"$work/log" 2>&1
got=$?
[ "$got" = 0 ] || { echo "FAIL: the fuzz run exited $got"; grep -v MallocFreeTracer "$work/log" | tail -n 20; exit 1; }
read -r inputs excess < <(awk '/MallocFreeTracer: STOP/ {n++; if ($3 > $4) e++} END {print n + 0, e + 0}' "$work/log")
[ "$inputs" -ge 4000 ] || { echo "FAIL: only $inputs inputs traced"; exit 1; }
failed=0
if [ $((excess * 50)) -gt "$inputs" ]; then
  echo "FAIL: $excess of $inputs inputs made more mallocs than frees (more than 2%)"; failed=1
fi
if grep -q "libFuzzer disabled leak detection" "$work/log"; then
  echo "FAIL: libFuzzer turned leak detection off"; failed=1
fi
[ $failed = 0 ] && echo "leak balance: $excess of $inputs inputs made more mallocs than frees; leak detection stayed on"
exit $failed
