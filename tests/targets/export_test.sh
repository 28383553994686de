#!/usr/bin/env bash
# export_test.sh TARGETS_BIN_DIR ROOT MUTANT...
# Every planted bug exports to a standalone program that shows it: for each
# MUTANT, `mapfuzz-reference_mut_<mutant> export` of the program below is
# built three times with the build line in its header: against that mutant,
# and against the correct library (MAPFUZZ_MUTANT=0) in each of its two
# styles (the locks_* mutants: in the locking style, twice). The first must
# exit 1 (the bug is present), the others 0 (or, for
# a mutant that changes only the adapter's contract, the code of the row's
# third column). A MUTANT without a row fails.
set -uo pipefail
if [ $# -lt 3 ]; then echo "usage: $0 TARGETS_BIN_DIR ROOT MUTANT..." >&2; exit 2; fi
bin=$1 root=$(cd "$2" && pwd); shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-export-XXXXXX")
trap 'rm -rf "$work"' EXIT

# <mutant> <program, relative to ROOT> [<exit code of the correct library>]
# claims_truncation_safety changes only the contract (it claims to survive
# another process truncating the file): the correct library dies of the same
# SIGBUS, a documented hazard for a library that does not claim it.
cases="
bounds_by_page corpus/reference/last_page_tail.txt
bounds_wrap corpus/reference/huge_offsets.txt
claims_truncation_safety corpus/reference/outside_shrink_then_read.txt 1
fd_leak_on_close_empty corpus/reference/open_existing_empty.txt
fd_leak_when_mmap_fails corpus/reference/fault_open_mmap.txt
ignored_msync_result corpus/reference/fault_sync_eio.txt
mmap_null_check corpus/reference/fault_open_mmap.txt
msync_unaligned_ignored corpus/reference/sync_unaligned_subrange.txt
no_remap_after_grow corpus/reference/resize_to_zero_and_back.txt
non_atomic_resize corpus/reference/fault_resize_enospc.txt
sparse_growth corpus/reference/diskfull_grow_then_write.txt
stale_length_after_shrink corpus/reference/resize_to_zero_and_back.txt
swallowed_fallocate_error corpus/reference/fault_resize_enospc.txt
swallowed_ftruncate_error tests/targets/why/swallowed_shrink.txt
locks_ignores_held_lock corpus/reference/outside_lock_contention.txt
locks_unchecked_result corpus/reference/outside_lock_contention.txt
threads_resize_unexcluded corpus/reference/threads_read_while_shrinking.txt refuses
threads_size_before_mapping corpus/reference/threads_read_while_growing.txt refuses
"

for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done
export TMPDIR="$work"

failed=0 checked=0
for m in "$@"; do
  program=$(echo "$cases" | awk -v m="$m" '$1 == m { print $2; exit }')
  want_correct=$(echo "$cases" | awk -v m="$m" '$1 == m { print ($3 == "" ? 0 : $3); exit }')
  [ -n "$program" ] || { echo "FAIL: $m: no program to export (add a row to $0)"; failed=1; continue; }
  cli=$bin/mapfuzz-reference_mut_$m
  dir=$work/$m
  mkdir -p "$dir"
  if [ "$want_correct" = refuses ]; then
    # A race cannot be exported (a standalone program makes one call at a
    # time): export must say so and write nothing.
    checked=$((checked + 1))
    if (cd "$root" && "$cli" export "$program" -o "$dir/repro.cc") >"$dir/export.log" 2>&1 || [ -e "$dir/repro.cc" ] ||
       ! grep -q 'cannot reproduce a race' "$dir/export.log"; then
      echo "FAIL: $m: export of $program (a race) did not refuse with a reason:"; cat "$dir/export.log"; failed=1
    else
      echo "ok: $m: export refuses the race"
    fi
    continue
  fi
  if ! (cd "$root" && "$cli" export "$program" -o "$dir/repro.cc") >"$dir/export.log" 2>&1; then
    echo "FAIL: $m: export of $program failed:"; cat "$dir/export.log"; failed=1; continue
  fi
  build=$(sed -n 's|^// build: \(c++ .*\)$|\1|p' "$dir/repro.cc")
  [ -n "$build" ] || { echo "FAIL: $m: no build line in the export"; failed=1; continue; }
  correct=$(echo "$build" | sed -E 's/-DMAPFUZZ_MUTANT=[0-9]+/-DMAPFUZZ_MUTANT=0/; s/-o repro$/-o correct/')
  # The other correct style (map first, targets/reference/style.h): the
  # exported checks must not be fitted to one correct library's behaviour.
  # The locks_* mutants are planted in the locking style (2), the only one
  # that promises to lock: its correct build stands in for the other style.
  other_style=1
  case "$build" in *-DMAPFUZZ_REFERENCE_STYLE=2*) other_style=2 ;; esac
  other=$(echo "$correct" | sed -E "s/-DMAPFUZZ_REFERENCE_STYLE=[0-9]+/-DMAPFUZZ_REFERENCE_STYLE=$other_style/; s/-o correct$/-o correct_map_first/")
  if ! (cd "$dir" && eval "$build" && eval "$correct" && eval "$other") >"$dir/build.log" 2>&1; then
    echo "FAIL: $m: the exported program does not build:"; head -n 20 "$dir/build.log"; failed=1; continue
  fi
  (cd "$dir" && ./repro) >"$dir/mutant.out" 2>&1; got_mutant=$?
  (cd "$dir" && ./correct) >"$dir/correct.out" 2>&1; got_correct=$?
  (cd "$dir" && ./correct_map_first) >"$dir/map_first.out" 2>&1; got_other=$?
  checked=$((checked + 1))
  if [ "$got_mutant" != 1 ] || [ "$got_correct" != "$want_correct" ] || [ "$got_other" != "$want_correct" ]; then
    echo "FAIL: $m ($program): exit $got_mutant against the mutant (want 1), $got_correct against the correct library and $got_other against its map_first style (want $want_correct)"
    sed 's/^/  map_first: /' "$dir/map_first.out" | tail -n 5
    sed 's/^/  mutant: /' "$dir/mutant.out" | tail -n 5
    sed 's/^/  correct: /' "$dir/correct.out" | tail -n 5
    failed=1
  else
    echo "ok: $m: $(grep -m1 'BUG' "$dir/mutant.out" | sed 's/^repro: //')"
  fi
done
leftover=$(find "$work" -maxdepth 1 -name 'repro-*' | head -n 3)
[ -z "$leftover" ] || { echo "FAIL: exported programs left temp dirs behind: $leftover"; failed=1; }
echo "export: $checked checked, $([ $failed = 0 ] && echo all right || echo FAILED)"
exit $failed
