#!/usr/bin/env bash
# example_test.sh EXAMPLE TARGET LIBRARY_SOURCE BUILD_DIR
# Builds examples/EXAMPLE as a separate CMake project (the way a user adds a
# target for their own library outside this repo) and checks that:
#   - its CMakeLists.txt sets no C++ standard (mapfuzz must bring C++20);
#   - libFuzzer gets coverage from the library under test itself (a function
#     of LIBRARY_SOURCE is listed as covered after running the seeds);
#   - the seed corpus replays clean, and so do the programs of
#     tests/targets/false_positives/; a short fuzz run and the property test
#     find nothing in the correct library.
# Exit 0 on success; otherwise the failing step's output and a FAIL line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
usage="usage: example_test.sh EXAMPLE TARGET LIBRARY_SOURCE BUILD_DIR"
example=${1:?$usage} target=${2:?$usage} library_source=${3:?$usage} build=${4:?$usage}
src="$root/examples/$example"
mkdir -p "$build" && build=$(cd "$build" && pwd)   # the fuzzer runs in its work directory
fail() { echo "FAIL: $example: $*"; exit 1; }

if grep -nE 'CMAKE_CXX_STANDARD|cxx_std_' "$src/CMakeLists.txt"; then
  fail "the example sets a C++ standard itself; it must come from mapfuzz_add_target()"
fi
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAPFUZZ_DIR="$root" "${launcher[@]}" >/dev/null
cmake --build "$build"
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-example-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$build/mapfuzz-$target" encode-dir "$root/corpus/reference" "$work/seeds"

# libFuzzer's coverage must reach into the library, not stop at the adapter.
(cd "$work" && "$build/fuzz_$target" -runs=0 -print_coverage=1 seeds >"$work/coverage.log" 2>&1) ||
  { cat "$work/coverage.log"; fail "fuzz_$target over the seeds failed"; }
grep -m3 -E "^COVERED_FUNC: .*/$library_source:[0-9]+$" "$work/coverage.log" ||
  fail "libFuzzer saw no covered function in $library_source: the library is not instrumented"

"$build/mapfuzz-$target" check "$work/seeds"
# An independently written correct library: none of the false positives the
# harness once made may come back.
"$root/tests/targets/false_positives_test.sh" "$build" "$root/tests/targets/false_positives" "$target"
mkdir -p "$work/corpus"
(cd "$work" && "$build/fuzz_$target" corpus seeds -runs=20000 -seed=1)
RC_PARAMS="max_success=50 seed=1" "$build/property_$target"
echo "PASS: $example builds without a C++ standard of its own, its library is instrumented, and it replays and fuzzes clean"
