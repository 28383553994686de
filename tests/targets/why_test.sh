#!/usr/bin/env bash
# why_test.sh TARGETS_BIN_DIR ROOT MUTANT...
# Every planted bug's report explains its failing step: replays one program
# per mutant (below) with mapfuzz-reference_mut_<mutant> and checks that the
# report's `why:` line names the call and errno (or the signal and si_code)
# of the failing step, or, where no call failed, the finding kind's
# "A correct library ..." sentence. A MUTANT without a row fails.
set -uo pipefail
if [ $# -lt 3 ]; then echo "usage: $0 TARGETS_BIN_DIR ROOT MUTANT..." >&2; exit 2; fi
bin=$1 root=$2; shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-why-XXXXXX")
trap 'rm -rf "$work"' EXIT

# <mutant> <program, relative to ROOT> <ERE the why line must match>
cases="
bounds_by_page corpus/reference/last_page_tail.txt ^  why: A correct library refuses it: it checks offset \+ length
bounds_wrap corpus/reference/huge_offsets.txt ^  why: (SIGSEGV (SEGV_MAPERR|SEGV_ACCERR|SI_KERNEL): |A correct library refuses it)
claims_truncation_safety corpus/reference/outside_shrink_then_read.txt ^  why: SIGBUS BUS_ADRERR: the page is beyond the file's end
fd_leak_on_close_empty corpus/reference/open_existing_empty.txt ^  why: A correct library releases the fd and the mapping on every path
fd_leak_when_mmap_fails corpus/reference/fault_open_mmap.txt ^  why: mmap ENOMEM: no room in the address space.* A correct library releases the fd
ignored_msync_result corpus/reference/fault_sync_eio.txt ^  why: msync EIO: writeback of the range failed.* A correct library msyncs
mmap_null_check corpus/reference/fault_open_mmap.txt ^  why: munmap EINVAL: addr is not page-aligned.*MAP_FAILED
msync_unaligned_ignored corpus/reference/sync_unaligned_subrange.txt ^  why: msync EINVAL: the address is not a multiple of the page size.* rounded out to page boundaries
no_remap_after_grow corpus/reference/resize_to_zero_and_back.txt ^  why: SIGSEGV SEGV_MAPERR: the address is not mapped
non_atomic_resize corpus/reference/fault_resize_enospc.txt ^  why: mremap ENOMEM: the mapping cannot grow in place.* A correct library leaves the file and the mapping as they were
sparse_growth corpus/reference/diskfull_grow_then_write.txt ^  why: SIGBUS BUS_ADRERR: .*full disk
stale_length_after_shrink corpus/reference/resize_to_zero_and_back.txt ^  why: A correct library updates its size
swallowed_fallocate_error corpus/reference/fault_resize_enospc.txt ^  why: fallocate ENOSPC: the filesystem has no room.* A correct library propagates every failed call's errno
swallowed_fallocate_error corpus/reference/diskfull_grow_then_write.txt ^  why: fallocate ENOSPC: the filesystem has no room
swallowed_fallocate_error corpus/reference/sizelimit_grow.txt ^  why: (fallocate|ftruncate|write) EFBIG: .*RLIMIT_FSIZE
swallowed_ftruncate_error tests/targets/why/swallowed_shrink.txt ^  why: ftruncate EPERM: .*seal
locks_ignores_held_lock corpus/reference/outside_lock_contention.txt ^  why: A correct library that promises to lock takes its lock
locks_unchecked_result corpus/reference/outside_lock_contention.txt ^  why: lock EAGAIN: .*A correct library that promises to lock
threads_resize_unexcluded corpus/reference/threads_read_while_shrinking.txt ^  why: (SIGBUS BUS_ADRERR|SIGSEGV SEGV_MAPERR)
threads_size_before_mapping corpus/reference/threads_read_while_growing.txt ^  why: (SIGBUS BUS_ADRERR|SIGSEGV SEGV_MAPERR|A correct library)
"

# Replays run with the defaults: no mapfuzz or sanitizer setting leaks in.
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done

failed=0 checked=0
for m in "$@"; do
  rows=$(echo "$cases" | awk -v m="$m" '$1 == m')
  [ -n "$rows" ] || { echo "FAIL: $m: no program to check its why line (add a row to $0)"; failed=1; continue; }
  while read -r _ program want; do
    cli=$bin/mapfuzz-reference_mut_$m
    [ -x "$cli" ] || { echo "FAIL: $cli is missing"; failed=1; continue; }
    (cd "$root" && TMPDIR="$work" MAPFUZZ_ARTIFACT_DIR="$work" "$cli" replay "$program") >"$work/out" 2>&1
    why=$(grep -E '^  why: ' "$work/out" | head -n1)
    checked=$((checked + 1))
    if [ -z "$why" ]; then
      echo "FAIL: $m $program: no why line"; grep -E '^(==mapfuzz==|SUMMARY)' "$work/out"; failed=1
    elif ! echo "$why" | grep -qE "$want"; then
      echo "FAIL: $m $program: $why"; echo "  wanted: $want"; failed=1
    else
      echo "ok: $m $program"
    fi
  done <<<"$rows"
done
[ $failed -eq 0 ] && echo "PASS: $checked why lines name their failing step's call and errno (or signal)"
exit $failed
