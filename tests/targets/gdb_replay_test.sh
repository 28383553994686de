#!/usr/bin/env bash
# gdb_replay_test.sh TARGETS_BIN_DIR: `replay --gdb-batch` stops at a planted
# bug's failing step and prints a backtrace through the library's function.
#   swallowed_ftruncate_error: an oracle finding (a failed ftruncate reported
#     as success) stops before step 2's library call, then at the library's
#     ftruncate with MappedFile::shrink and MappedFile::resize on the stack.
#   claims_truncation_safety: a signal finding (SIGBUS after an outside
#     shrink) stops at the faulting instruction inside MappedFile::read, with
#     the mapping's file offset printed.
#   --break-at 0 stops at step 0 of the same program.
# Skipped (exit 0 with a note) if gdb is not installed.
set -uo pipefail
bin=$1
command -v gdb >/dev/null || { echo "SKIP: no gdb (scripts/setup installs it)"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-gdb-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
# check FILE REGEX...: every regex matches a line of FILE, in this order.
check() {
  local file=$1 rest; shift
  rest=$(cat "$file")
  for re in "$@"; do
    if ! grep -qE -- "$re" <<<"$rest"; then
      echo "FAIL: no line /$re/ (in order) in:"; cat "$file"; fail=1; return
    fi
    rest=$(sed -n "$(grep -nE -- "$re" <<<"$rest" | head -n1 | cut -d: -f1),\$p" <<<"$rest" | tail -n +2)
  done
  echo "ok: $(basename "$file")"
}
printf 'open create size=8192\nfault call=ftruncate errno=EIO nth=1 once\nresize size=100\n' >"$work/swallowed.txt"
"$bin/mapfuzz-reference_mut_swallowed_ftruncate_error" replay --gdb-batch "$work/swallowed.txt" >"$work/oracle.out" 2>&1
check "$work/oracle.out" '^SUMMARY: mapfuzz: swallowed-error at step 2' \
  '^mapfuzz: stopped before the library call of step 2: resize size=100' '^  model expects: ok, size 100' \
  '^    fault call=ftruncate errno=EIO nth=1 once' '^#0  mapfuzz_before_library_call \(step=2' \
  "^mapfuzz: the library's first file or mapping call" '^#0  .*ftruncate ' \
  '^#[0-9]+ .* mapfuzz::reference::MappedFile::resize ' '^#[0-9]+ .* mapfuzz::Executor::step '
"$bin/mapfuzz-reference_mut_swallowed_ftruncate_error" replay --gdb-batch --break-at 0 "$work/swallowed.txt" \
  >"$work/break0.out" 2>&1
check "$work/break0.out" '^mapfuzz: stopped before the library call of step 0: open create size=8192' \
  '^  > open create size=8192' '^#[0-9]+ .* mapfuzz::reference::MappedFile::open '
root=$(cd "$(dirname "$0")/../.." && pwd)
"$bin/mapfuzz-reference_mut_claims_truncation_safety" replay --gdb-batch "$root/corpus/reference/outside_shrink_then_read.txt" \
  >"$work/signal.out" 2>&1
check "$work/signal.out" '^SUMMARY: mapfuzz: signal at step 5' '^mapfuzz: stopped before the library call of step 5: read' \
  '^Program received signal SIGBUS' '^mapfuzz: SIGBUS at .*maps file offset 8192 .*beyond EOF' \
  '^#[0-9]+ .* mapfuzz::reference::MappedFile::read '
[ $fail -eq 0 ] && echo "PASS: replay --gdb-batch stops at the failing step, inside the library"
exit $fail
