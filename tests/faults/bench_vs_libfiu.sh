#!/usr/bin/env bash
# Not a test: the interposer's cost per ftruncate next to libfiu's preload,
# on the same loop (tests/faults/interpose_bench.cc built without sanitizers
# as bench_interpose_plain).
#
#   tests/faults/bench_vs_libfiu.sh [BENCH] [ITERATIONS] [REPEATS]
#
# BENCH defaults to build/test/tests/faults/bench_interpose_plain. The bench
# runs REPEATS times (default 3) alone and as many times under
# `fiu-run -x` (libfiu's POSIX preload, unarmed), alternating; each figure is
# the median over the repeats of each run's median. Under the preload the
# bench's "plain syscall" goes through libfiu's ftruncate wrapper (the
# bench forwards with dlsym(RTLD_NEXT), which finds the preload first), so
# that row is "a plain program under fiu-run".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bench=${1:-$root/build/test/tests/faults/bench_interpose_plain}
n=${2:-200000}
repeats=${3:-3}
if [ ! -x "$bench" ]; then
  echo "bench_vs_libfiu: no $bench (cmake --build --preset test --target bench_interpose_plain)" >&2
  exit 2
fi
if ! command -v fiu-run >/dev/null; then
  echo "bench_vs_libfiu: fiu-run not found: apt-get install fiu-utils" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-fiu-XXXXXX")
trap 'rm -rf "$work"' EXIT
for ((r = 0; r < repeats; r++)); do
  "$bench" "$n" >>"$work/plain"
  fiu-run -x -f '' "$bench" "$n" >>"$work/fiu"
done

# median FILE ROW-NAME: the median of the row's figures over the repeats.
median() {
  grep -F "  $2 " "$1" | awk '{print $NF}' | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
row() { printf '  %-52s %8.1f\n' "$1" "$2"; }

plain=$(median "$work/plain" "plain syscall (real_ftruncate)")
unarmed=$(median "$work/plain" "interposed, unarmed")
active=$(median "$work/plain" "interposed, active, sandbox fd, no fault")
armed=$(median "$work/plain" "interposed, armed, injected EIO (no syscall)")
fiu=$(median "$work/fiu" "plain syscall (real_ftruncate)")
ebadf_plain=$(median "$work/plain" "EBADF: plain syscall (real_ftruncate)")
ebadf_unarmed=$(median "$work/plain" "EBADF: interposed, unarmed")
ebadf_fiu=$(median "$work/fiu" "EBADF: plain syscall (real_ftruncate)")

echo "ftruncate, $n calls x 7 rounds x $repeats runs each, median ns/call ($(head -n1 "$work/plain" | sed 's/,.*//'))"
row "plain syscall" "$plain"
row "mapfuzz unarmed" "$unarmed"
row "mapfuzz active, sandbox fd, no fault (logged)" "$active"
row "mapfuzz armed, injected EIO (no syscall)" "$armed"
row "plain under fiu-run -x (libfiu unarmed)" "$fiu"
echo "EBADF path (a cheap syscall: shows the wrapper's own cost)"
row "plain syscall" "$ebadf_plain"
row "mapfuzz unarmed" "$ebadf_unarmed"
row "plain under fiu-run -x (libfiu unarmed)" "$ebadf_fiu"
echo "overhead per call over the plain syscall, ns (ftruncate / EBADF)"
sub() { awk -v a="$1" -v b="$2" 'BEGIN {print a - b}'; }
printf '  %-52s %8.1f / %.1f\n' "mapfuzz unarmed" "$(sub "$unarmed" "$plain")" "$(sub "$ebadf_unarmed" "$ebadf_plain")"
printf '  %-52s %8.1f / %.1f\n' "libfiu unarmed" "$(sub "$fiu" "$plain")" "$(sub "$ebadf_fiu" "$ebadf_plain")"
