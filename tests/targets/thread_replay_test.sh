#!/usr/bin/env bash
# thread_replay_test.sh TARGETS_BIN_DIR ROOT
# One input, one interleaving: every program that uses threads (the seeds
# named threads_*) replays 10 times to the same trace, the same serial order
# of each concurrent group (the "raced:" lines) and the same verdict, on the
# reference library's thread-safe (locking) style and on its threads_*
# mutants. For a mutant whose racing call reads past its mapping, or msyncs a
# mapping that mremap may or may not have moved, the outcome also depends on
# the address space: the replays run with address randomisation off
# (setarch -R, where it works), and for the mutants only the steps, the
# serial orders and the verdict are compared (not the sanitizer's text).
set -uo pipefail
bin=$1 root=$(cd "$2" && pwd)
sed_file=$(dirname "$0")/golden_normalise.sed
. "$(dirname "$0")/same_runs.sh"
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-thread-replay-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0 checked=0
norandom=()
if setarch "$(uname -m)" -R true 2>/dev/null; then norandom=(setarch "$(uname -m)" -R); fi
for cli in "$bin"/mapfuzz-reference_locking "$bin"/mapfuzz-reference_mut_threads_*; do
  [ -x "$cli" ] || continue
  t=${cli##*/mapfuzz-}
  for program in "$root"/corpus/reference/threads_*.txt; do
    for i in $(seq 1 10); do
      "${norandom[@]}" "$cli" replay "$program" >"$work/raw$i" 2>&1
      status=$?
      if [ "$t" = reference_locking ]; then
        sed -f "$sed_file" "$work/raw$i" >"$work/run$i"
      else  # the steps up to the verdict, and the verdict
        grep -E '^(step [0-9]+:|    raced:|SUMMARY: mapfuzz)' "$work/raw$i" >"$work/run$i"
      fi
      echo "exit $status" >>"$work/run$i"
    done
    checked=$((checked + 1))
    all_runs_same "$t ${program##*/}" "$work" 10 || failed=1
  done
done
[ $checked -gt 0 ] || { echo "FAIL: no program using threads was replayed"; exit 1; }
echo "thread replays: $checked programs x targets, 10 replays each: $([ $failed = 0 ] && echo all the same || echo DIFFER)"
exit $failed
