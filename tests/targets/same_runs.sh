# same_runs.sh: sourced by the determinism tests (lock_replay_test.sh,
# thread_replay_test.sh).
# all_runs_same LABEL DIR N: 0 if DIR/run2 .. DIR/runN are the same as
# DIR/run1; else prints "FAIL: LABEL: replay i differs from replay 1" and the
# start of the difference, and returns 1.
all_runs_same() {
  local label=$1 dir=$2 n=$3 i
  for i in $(seq 2 "$n"); do
    if ! cmp -s "$dir/run1" "$dir/run$i"; then
      echo "FAIL: $label: replay $i differs from replay 1"; diff "$dir/run1" "$dir/run$i" | head -n 20
      return 1
    fi
  done
  return 0
}
