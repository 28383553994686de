#!/usr/bin/env bash
# tsan_test.sh TSAN_TARGETS_BIN_DIR ROOT
# The ThreadSanitizer build (the tsan preset) finds data races in the library
# and none in the harness: fuzz_reference_locking (the thread-safe style)
# runs 5000 inputs from the seeds clean; replaying threads_read_while_growing
# against threads_resize_unexcluded (resize and read only share a lock, so
# they touch the size unordered) is a data-race finding that exits 1 and
# names both stacks; threads_read_while_shrinking against it is a finding
# too (the race on the size, or the racing read's SIGBUS, recovered and
# attributed as in the ASan build).
set -uo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 TSAN_TARGETS_BIN_DIR ROOT" >&2; exit 2; fi
bin=$(cd "$1" && pwd) root=$(cd "$2" && pwd)
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-tsan-XXXXXX")
trap 'rm -rf "$work"' EXIT
# A data-race finding ends the process in TSan's report, before its run
# directory is removed: keep those directories in $work.
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
failed=0
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
"$bin/mapfuzz-reference_locking" encode-dir "$root/corpus/reference" "$work/seeds" >/dev/null || exit 1
(cd "$work" && timeout -s KILL 600 "$bin/fuzz_reference_locking" corpus seeds -runs=5000 -seed=1 \
   -dict="$root/corpus/mapfuzz.dict" -artifact_prefix=artifacts/) >"$work/fuzz.log" 2>&1
status=$?
if [ $status -ne 0 ] || grep -q 'WARNING: ThreadSanitizer' "$work/fuzz.log"; then
  echo "FAIL: fuzz_reference_locking under ThreadSanitizer: exit $status"; grep -E -A12 'WARNING: Thread|==mapfuzz== ERROR' "$work/fuzz.log" | head -n 40; failed=1
else
  echo "ok: the thread-safe reference library: $(grep -oE 'Done [0-9]+ runs' "$work/fuzz.log") under ThreadSanitizer, clean"
fi
mutant=$bin/mapfuzz-reference_mut_threads_resize_unexcluded
(cd "$root" && timeout -s KILL 60 "$mutant" replay corpus/reference/threads_read_while_growing.txt) >"$work/race.log" 2>&1
status=$?
if [ $status -ne 1 ] || ! grep -q '^==mapfuzz== ERROR: data-race' "$work/race.log" ||
   [ "$(grep -c '^  \(Write\|Previous read\|Read\|Previous write\) of size' "$work/race.log")" -lt 2 ]; then
  echo "FAIL: threads_resize_unexcluded on threads_read_while_growing: exit $status, wanted a data-race finding (exit 1) with both stacks"
  tail -n 30 "$work/race.log"; failed=1
else
  echo "ok: $(grep -m1 '^SUMMARY: ThreadSanitizer' "$work/race.log")"
fi
(cd "$root" && timeout -s KILL 60 "$mutant" replay corpus/reference/threads_read_while_shrinking.txt) >"$work/bus.log" 2>&1
status=$?
if [ $status -ne 1 ] || ! grep -qE '^==mapfuzz== ERROR: (signal|data-race)' "$work/bus.log"; then
  echo "FAIL: threads_resize_unexcluded on threads_read_while_shrinking: exit $status, wanted the race on the size or the read's SIGBUS as the finding"
  tail -n 30 "$work/bus.log"; failed=1
else
  echo "ok: threads_read_while_shrinking: $(grep -m1 -oE '^==mapfuzz== ERROR: [a-z-]+' "$work/bus.log")"
fi
exit $failed
