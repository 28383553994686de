#!/usr/bin/env bash
# golden_test.sh TARGETS_BIN_DIR ROOT [--update]
# Replays every program of every target with `mapfuzz-<target> replay` and
# compares what it prints (stdout, stderr and the exit code, normalised by
# golden_normalise.sed) with tests/targets/golden/<target>.txt, so a change of
# the harness that must not change behaviour shows every trace and verdict it
# changes. The programs: for reference and each reference_mut_* mutant
# ROOT/corpus/reference/*.txt; for a library target ROOT/corpus/<target>/*.txt
# and ROOT/corpus/regressions/<target>/*.
#   MAPFUZZ_GOLDEN_TARGETS (CTest sets it): the configured targets; one whose
#     CLI is missing fails. Unset (by hand): every target with a golden file or
#     a CLI; a golden file whose CLI is missing is skipped.
#   A golden file of a target that is not configured (its library is missing)
#     is skipped with a message.
#   --update replays everything twice and, if both agree, rewrites the golden
#     files. A program whose replays differ stops the update until it is listed
#     in `loose` below (then only its verdict is kept and compared).
set -uo pipefail
if [ $# -lt 2 ] || { [ $# -eq 3 ] && [ "$3" != --update ]; } || [ $# -gt 3 ]; then
  echo "usage: $0 TARGETS_BIN_DIR ROOT [--update]" >&2; exit 2
fi
bin=$(cd "$1" && pwd) root=$(cd "$2" && pwd) update=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/golden
configured=${MAPFUZZ_GOLDEN_TARGETS-unset}
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-golden-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Programs whose replay does not print the same every time: only their verdict
# is compared, against a set of allowed verdicts. One line each:
# <target> <program> <verdicts, |-separated> <reason>. (LMDB's crash that
# depends on memory layout, docs/findings/lmdb.md, needs
# MAPFUZZ_AVOID_KNOWN=set-mapsize-failure, which these replays do not set:
# corpus/regressions/lmdb*/ replayed the same 25 times in 25.)
loose="
reference_mut_bounds_wrap corpus/reference/huge_offsets.txt signal|missing-error a write at a wrapped address lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/grow_then_write_new_area.txt signal|data-mismatch a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/sizelimit_grow.txt signal|swallowed-error|file-mismatch a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/outside_lock_after_mmap.txt signal|data-mismatch|file-mismatch|clean a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/outside_lock_contention.txt signal|data-mismatch|file-mismatch|clean a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/threads_handover.txt signal|data-mismatch|file-mismatch|unexpected-error|clean a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/threads_read_while_growing.txt signal|data-mismatch|file-mismatch|unexpected-error|clean a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/threads_read_while_shrinking.txt signal|data-mismatch|file-mismatch|unexpected-error|clean a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/threads_resize_sync_race.txt signal|data-mismatch|file-mismatch|unexpected-error|clean a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_no_remap_after_grow corpus/reference/threads_writes_race.txt signal|data-mismatch|file-mismatch|unexpected-error|clean a write past the stale mapping lands wherever memory lies (ASLR)
reference_mut_threads_resize_unexcluded corpus/reference/threads_resize_sync_race.txt unexpected-error|signal|data-mismatch|file-mismatch whether mremap moves the mapping a racing msync uses depends on the address space (ASLR)
reference_mut_threads_size_before_mapping corpus/reference/threads_read_while_growing.txt signal a read past the old mapping lands wherever memory lies (ASLR): the sanitizer's report differs
reference_mut_threads_size_before_mapping corpus/reference/threads_resize_sync_race.txt signal|unexpected-error|clean an msync past the old mapping fails or succeeds by what lies next to it (ASLR)
"

# Replays run with the defaults: no mapfuzz or sanitizer setting leaks in.
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done

programs() {  # target: its programs, relative to ROOT
  local seeds=$1 f
  case $1 in reference_mut_*) seeds=reference ;; esac
  for f in "$root"/corpus/"$seeds"/*.txt "$root"/corpus/regressions/"$1"/*; do
    [ -f "$f" ] && [ "${f##*/}" != EXPECTED ] && echo "${f#"$root"/}"
  done
}

verdict() {  # output file: mapfuzz's finding kind, <sanitizer>:<kind>, hazard or clean
  local kind
  kind=$(sed -n 's/^SUMMARY: mapfuzz: \([a-z-]*\) .*/\1/p' "$1" | head -n1)
  [ -n "$kind" ] || kind=$(sed -n 's/^==[0-9]*==ERROR: \([A-Za-z]*Sanitizer\): \([A-Za-z-]*\).*/\1:\2/p' "$1" | head -n1)
  if [ -n "$kind" ]; then echo "$kind"
  elif grep -q 'documented hazard' "$1"; then echo hazard
  else echo clean; fi
}

normalise() {  # file
  sed -e "s|$bin/|<bin>/|g" -e "s|$work/|<work>/|g" -f "$here/golden_normalise.sed" "$1"
}

replay_target() {  # target: one section per program, on stdout
  local t=$1 f rc allowed got scratch=$work/scratch-$1
  mkdir -p "$scratch/tmp"
  echo "# mapfuzz-$t replay, normalised (tests/targets/golden_test.sh; --update regenerates)"
  for f in $(programs "$t"); do
    (cd "$root" && TMPDIR="$scratch/tmp" MAPFUZZ_ARTIFACT_DIR="$scratch" \
       "$bin/mapfuzz-$t" replay "$f") >"$scratch/out" 2>"$scratch/err"
    rc=$?
    allowed=$(echo "$loose" | awk -v t="$t" -v f="$f" '$1 == t && $2 == f { print $3 }')
    if [ -n "$allowed" ]; then
      cat "$scratch/out" "$scratch/err" >"$scratch/both"
      got=$(verdict "$scratch/both")
      echo "### $f: verdict only ($(echo "$loose" | awk -v t="$t" -v f="$f" '$1 == t && $2 == f { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }'))"
      if echo "$got" | grep -qxE "$allowed"; then echo "verdict: one of $allowed"; else echo "verdict: $got, not one of $allowed"; fi
      continue
    fi
    echo "### $f: exit $rc"
    normalise "$scratch/out"
    echo "--- stderr"
    normalise "$scratch/err"
  done
}

# The targets to check.
if [ "$configured" = unset ]; then
  targets=$( (ls "$golden" 2>/dev/null | sed -n 's/\.txt$//p'; ls "$bin" | sed -n 's/^mapfuzz-//p') | sort -u)
else
  targets=$configured
  for g in "$golden"/*.txt; do
    t=$(basename "$g" .txt)
    echo " $configured " | grep -q " $t " || echo "skipped: $t (not configured)"
  done
fi

failed=0 checked=""
while read -r t f _; do
  [ -z "$t" ] || [ -f "$root/$f" ] || { echo "FAIL: loose names $f, which does not exist"; failed=1; }
done <<<"$loose"
generate() {  # dir: every target's output, in parallel
  local t jobs=0
  mkdir -p "$1"
  for t in $checked; do
    replay_target "$t" >"$1/$t.txt" &
    jobs=$((jobs + 1))
    if [ $jobs -ge "$(nproc)" ]; then wait -n; jobs=$((jobs - 1)); fi
  done
  wait
}

for t in $targets; do
  if [ ! -x "$bin/mapfuzz-$t" ]; then
    if [ "$configured" = unset ]; then echo "skipped: $t (no $bin/mapfuzz-$t)"; continue; fi
    echo "FAIL: $t is configured but $bin/mapfuzz-$t is missing"; failed=1; continue
  fi
  if [ -z "$update" ] && [ ! -f "$golden/$t.txt" ]; then
    echo "FAIL: no golden file for $t (run $0 $1 $2 --update)"; failed=1; continue
  fi
  checked="$checked $t"
done

start=$SECONDS
generate "$work/a"
if [ -n "$update" ]; then
  generate "$work/b"
  for t in $checked; do
    if ! diff -u "$work/a/$t.txt" "$work/b/$t.txt" >"$work/diff"; then
      cat "$work/diff"; echo "FAIL: $t: two replays differ; list the program in loose (with a reason) or fix it"; failed=1
    fi
  done
  if grep -H '^verdict: .*, not one of ' "$work"/a/*.txt; then
    echo "FAIL: a loose program's verdict is not one it allows"; failed=1
  fi
  if [ $failed -eq 0 ]; then
    mkdir -p "$golden"
    for t in $checked; do cp "$work/a/$t.txt" "$golden/$t.txt"; done
    echo "updated $(echo $checked | wc -w) golden files in $golden"
  fi
  exit $failed
fi
for t in $checked; do
  if ! diff -u "$golden/$t.txt" "$work/a/$t.txt" >"$work/diff"; then
    head -n 200 "$work/diff"; echo "FAIL: $t: replay output differs from $golden/$t.txt"; failed=1
  fi
done
n=$(cat "$work"/a/*.txt 2>/dev/null | grep -c '^### ')
echo "replayed $n programs of $(echo $checked | wc -w) targets in $((SECONDS - start)) s"
if [ "$n" -eq 0 ]; then echo "FAIL: nothing was replayed"; failed=1; fi
[ $failed -eq 0 ] && echo "PASS: every replay prints what its golden file holds"
exit $failed
