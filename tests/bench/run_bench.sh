#!/usr/bin/env bash
# Not a test: what `mapfuzz run` costs, ratios side by side in one run.
#   - one ftruncate: plain, under the preload on a file outside the scope, and
#     on a scoped file (each call then writes one record line);
#   - one run of a Python program (examples/python/resize_and_flush.py): plain,
#     under libfiu's fiu-run -x (another preload, unarmed) if installed, and
#     under mapfuzz-run (sandbox, fork, records, report);
#   - --enumerate's throughput on that program and on the sqlite3 shell.
#   tests/bench/run_bench.sh BUILD_DIR SOURCE_DIR [--quick]
set -uo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
quick=${3:-}
run=$build/harness/run/mapfuzz-run
call=$build/tests/bench/bench_run_call
python=/usr/bin/python3
n=$([ "$quick" = --quick ] && echo 20000 || echo 100000)
reps=$([ "$quick" = --quick ] && echo 5 || echo 15)
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-runbench-XXXXXX")
trap 'rm -rf "$work"' EXIT
for f in "$run" "$call"; do [ -x "$f" ] || { echo "run_bench: no $f" >&2; exit 2; }; done

# The preload's own number, read from the runner's output (the program's stdout).
under_run() { "$run" --quiet "$@" 2>/dev/null | head -n1; }
plain=$("$call" "$work/plain.bin" $n)
outside=$(under_run --files "$work/nothing-*" -- "$call" "$work/outside.bin" $n)
scoped=$(under_run -- "$call" scoped.bin $n)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1fx", a / b; else print "?"}'; }
echo "== one ftruncate (ns, median of 5 rounds of $n)"
printf '  %-44s %8s\n' "plain" "$plain"
printf '  %-44s %8s  %s\n' "under mapfuzz run, a file outside the scope" "$outside" "$(ratio "$outside" "$plain")"
printf '  %-44s %8s  %s\n' "under mapfuzz run, a scoped file (recorded)" "$scoped" "$(ratio "$scoped" "$plain")"

# median_ms CMD...: the median wall time of $reps runs, in ms.
median_ms() {
  local i s e
  for ((i = 0; i < reps; i++)); do
    s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
  done | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
prog="$src/examples/python/resize_and_flush.py"
echo "== one run of resize_and_flush.py (ms, median of $reps)"
p=$( (cd "$work" && median_ms "$python" "$prog") )
printf '  %-44s %8s\n' "plain" "$p"
if command -v fiu-run >/dev/null; then
  f=$( (cd "$work" && median_ms fiu-run -x -f '' "$python" "$prog") )
  printf '  %-44s %8s  %s\n' "under fiu-run -x (unarmed)" "$f" "$(ratio "$f" "$p")"
fi
m=$(median_ms "$run" -- "$python" "$prog")
printf '  %-44s %8s  %s\n' "under mapfuzz run (no fault)" "$m" "$(ratio "$m" "$p")"

echo "== --enumerate (all CPUs)"
"$run" --enumerate --quiet -- "$python" "$prog" 2>/dev/null | tail -n1 | sed 's/^/  resize_and_flush.py: /'
if command -v sqlite3 >/dev/null; then
  "$run" --enumerate --quiet --errnos first --no-events -- sqlite3 -bail -init "$src/examples/sqlite/mmap_shell.sql" test.db .quit \
    2>/dev/null | tail -n1 | sed 's/^/  sqlite3 shell (--errnos first --no-events): /'
fi
