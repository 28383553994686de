# scripts/coverage: build, run and report (sourced; uses root, target, project,
# build_dir, jobs, corpora, out, profdata, llvmcov; sets build, fuzzer, cli,
# inputs).

# build_coverage: configures and builds fuzz_TARGET and mapfuzz-TARGET with
# MAPFUZZ_COVERAGE=ON (cmake/MapfuzzTargets.cmake) into $build.
build_coverage() {
  local src="$root" args=() mutants=OFF log
  build="$root/build/coverage"
  if [ -n "$project" ]; then
    src="$project" build="$root/build/coverage/project-$(basename "$project")"
    args+=(-DMAPFUZZ_DIR="$root")
  fi
  build=${build_dir:-$build}
  case "$target" in reference_mut_*) mutants=ON ;; esac
  # ccache, but without CCACHE_BASEDIR: it would make the source paths in
  # the coverage mapping relative to the build directory.
  unset CCACHE_BASEDIR
  command -v ccache >/dev/null && args+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  command -v ninja >/dev/null && args+=(-G Ninja)
  mkdir -p "$build" || { echo "scripts/coverage: cannot create $build" >&2; return 2; }
  log="$build/build.log"
  echo "== coverage build of $target in $build (log $log)"
  if ! cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Debug -DMAPFUZZ_COVERAGE=ON -DMAPFUZZ_SANITIZERS= -DMAPFUZZ_FUZZERS=ON \
      -DMAPFUZZ_TESTS=OFF -DMAPFUZZ_MUTANTS="$mutants" "${args[@]}" >"$log" 2>&1; then
    tail -n 15 "$log" >&2; echo "scripts/coverage: cmake configuration failed (log $log)" >&2; return 2
  fi
  if ! cmake --build "$build" --target "fuzz_$target" "mapfuzz-$target" -j "$jobs" >>"$log" 2>&1; then
    grep -E 'error|unknown target' "$log" | head -n 10 >&2
    echo "scripts/coverage: cannot build fuzz_$target (an unknown target, or its library is not installed:" \
      "scripts/setup targets; log $log)" >&2
    return 2
  fi
  fuzzer=$(find "$build" -name "fuzz_$target" -type f -perm -u+x | head -n 1)
  cli=$(find "$build" -name "mapfuzz-$target" -type f -perm -u+x | head -n 1)
  [ -n "$fuzzer" ] && [ -n "$cli" ] || { echo "scripts/coverage: the build left no fuzz_$target" >&2; return 2; }
}

# add_inputs DIR: a directory of text programs (*.txt) is encoded into the
# work directory, any other is run as it is.
add_inputs() {
  local dir=$1 n=${#inputs[@]}
  if compgen -G "$dir/*.txt" >/dev/null; then
    "$cli" encode-dir "$dir" "$work/inputs/$n" >/dev/null || return 2
    inputs+=("$work/inputs/$n")
  else
    inputs+=("$dir")
  fi
}

# gather_inputs: --corpus, or the default corpora (see --help).
gather_inputs() {
  inputs=()
  local dir seeds="$root/corpus/$target"
  if [ ${#corpora[@]} -gt 0 ]; then
    for dir in "${corpora[@]}"; do add_inputs "$dir" || return 2; done
  else
    case "$target" in reference_*) [ -d "$seeds" ] || seeds="$root/corpus/reference" ;; esac
    for dir in "$root/build/nightly/corpus/$target/current" "$root/build/fuzz/runs/$target/corpus"; do
      if [ -d "$dir" ]; then add_inputs "$dir" || return 2; break; fi
    done
    [ -d "$seeds" ] && { add_inputs "$seeds" || return 2; }
  fi
  total=$(find "${inputs[@]}" -maxdepth 1 -type f 2>/dev/null | wc -l)
  if [ "$total" -eq 0 ]; then
    echo "scripts/coverage: no inputs for $target (no corpus found; give one with --corpus DIR)" >&2
    return 2
  fi
  echo "   corpus: $total input(s) from ${inputs[*]}"
}

# run_inputs: the fuzzer over every input at once, as OSS-Fuzz's coverage job
# does; when it stops at a failing input, every input alone (each run merges
# into the same profile). Returns 0, or 1 when some input failed.
# The fuzzer run in $work: crash files and a finding's text program go to
# $work/artifacts, never the caller's directory. fuzz_alone: one input, 2 minutes at most.
fuzz() { (cd "$work" && exec "$fuzzer" -timeout=25 -artifact_prefix="$work/artifacts/" "$@"); }
fuzz_alone() { (cd "$work" && exec timeout 120 "$fuzzer" -timeout=25 -artifact_prefix="$work/artifacts/" "$1"); }
run_inputs() {
  local log="$work/run.log" f failed=0
  export LLVM_PROFILE_FILE="$work/profiles/fuzz-%m.profraw"
  mkdir -p "$work/artifacts"
  echo "   $fuzzer -runs=0 ${inputs[*]}"
  if fuzz -runs=0 "${inputs[@]}" >"$log" 2>&1; then return 0; fi
  echo "   the fuzzer stopped at a failing input ($log); running every input alone"
  rm -f "$work/profiles/"*.profraw
  : >"$work/failed.txt"
  while IFS= read -r f; do
    fuzz_alone "$f" >>"$work/run-each.log" 2>&1 && continue
    echo "$f" >>"$work/failed.txt"; failed=$((failed + 1))
  done < <(find "${inputs[@]}" -maxdepth 1 -type f | sort)
  echo "   $failed input(s) failed (listed in $work/failed.txt; output in $work/run-each.log)"
  [ "$failed" -eq 0 ]
}

# totals ARGS...: "lines X% (covered/total), functions ..., regions ..." from
# llvm-cov report's TOTAL line (regions, missed, %, functions, missed, %,
# lines, missed, %, ...).
totals() {
  "$llvmcov" report "$fuzzer" -instr-profile="$work/merged.profdata" "$@" 2>/dev/null | awk '$1 == "TOTAL" {
    printf "lines %s (%d/%d), functions %s (%d/%d), regions %s (%d/%d)\n",
      $10, $8 - $9, $8, $7, $5 - $6, $5, $4, $2 - $3, $2 }'
}

write_report() {
  local skip='^/usr/'
  if ! "$profdata" merge -sparse "$work/profiles/"*.profraw -o "$work/merged.profdata" 2>"$work/merge.log"; then
    echo "scripts/coverage: llvm-profdata merge failed ($work/merge.log)" >&2; return 2
  fi
  rm -rf "$out" && mkdir -p "$out" || { echo "scripts/coverage: cannot create $out" >&2; return 2; }
  if ! "$llvmcov" show "$fuzzer" -instr-profile="$work/merged.profdata" -format=html -output-dir="$out" \
      -show-line-counts-or-regions -ignore-filename-regex="$skip" -Xdemangler=c++filt \
      -project-title="mapfuzz coverage: $target ($total inputs)" >"$work/show.log" 2>&1; then
    echo "scripts/coverage: llvm-cov show failed ($work/show.log)" >&2; return 2
  fi
  echo "== coverage of $target over $total input(s): $(totals -ignore-filename-regex="$skip")"
  echo "   library under test and adapter: $(totals -ignore-filename-regex="$skip|^$root/(harness|faults)/")"
  echo "   harness (harness/, faults/):     $(totals -ignore-filename-regex="$skip" "$root/harness" "$root/faults")"
  echo "   report: $out/index.html"
}
