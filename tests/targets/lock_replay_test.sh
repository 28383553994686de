#!/usr/bin/env bash
# lock_replay_test.sh TARGETS_BIN_DIR ROOT
# One input, one outcome: every program that holds locks (the seeds named
# outside_lock*) replays 10 times to the same trace and verdict, with the
# outside helper and in-process, on each target that has such seeds, the
# reference library's locking style and its locks_* mutants included.
set -uo pipefail
bin=$1 root=$(cd "$2" && pwd)
sed_file=$(dirname "$0")/golden_normalise.sed
. "$(dirname "$0")/same_runs.sh"
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-lock-replay-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0 checked=0
for cli in "$bin"/mapfuzz-reference_locking "$bin"/mapfuzz-reference_mut_locks_* "$bin"/mapfuzz-sqlite \
           "$bin"/mapfuzz-lmdb "$bin"/mapfuzz-tkrzw "$bin"/mapfuzz-boost_interprocess; do
  [ -x "$cli" ] || continue
  t=${cli##*/mapfuzz-}
  seeds=$t
  case $t in reference*) seeds=reference ;; esac
  for program in "$root"/corpus/"$seeds"/outside_lock*.txt; do
    [ -f "$program" ] || continue
    for mode in process in-process; do
      for i in $(seq 1 10); do
        MAPFUZZ_OUTSIDE=$mode "$cli" replay "$program" 2>&1 | sed -f "$sed_file" >"$work/run$i"
        echo "exit ${PIPESTATUS[0]}" >>"$work/run$i"
      done
      checked=$((checked + 1))
      all_runs_same "$t ${program##*/} ($mode)" "$work" 10 || failed=1
    done
  done
done
[ $checked -gt 0 ] || { echo "FAIL: no program holding locks was replayed"; exit 1; }
echo "lock replays: $checked programs x modes, 10 replays each: $([ $failed = 0 ] && echo all the same || echo DIFFER)"
exit $failed
