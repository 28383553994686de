#!/usr/bin/env bash
# Builds examples/external_adapter as a separate CMake project (the way a user
# adds a target for their own library outside this repo) and checks that its
# executables work: the seed corpus replays clean and a short fuzz run finds
# nothing in the correct tiny_map library, nor do the programs of
# tests/targets/false_positives/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: external_adapter_test.sh BUILD_DIR}
cmake -S "$root/examples/external_adapter" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAPFUZZ_DIR="$root" >/dev/null
cmake --build "$build"
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-example-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$build/mapfuzz-tiny_map" encode-dir "$root/corpus/reference" "$work/seeds"
"$build/mapfuzz-tiny_map" check "$work/seeds"
# A third, independently written correct library (it maps before it grows):
# none of the false positives the harness once made may come back.
"$root/tests/targets/false_positives_test.sh" "$build" "$root/tests/targets/false_positives" tiny_map
mkdir -p "$work/corpus"
(cd "$work" && "$build/fuzz_tiny_map" corpus seeds -runs=20000 -seed=1)
RC_PARAMS="max_success=50 seed=1" "$build/property_tiny_map"
echo "PASS: the external adapter builds, replays and fuzzes clean"
