# scripts/oss-fuzz-check: one OSS-Fuzz-style build (sourced; uses its globals:
# engine, sanitizer, bwork, out, src, jobs, ccache, libfuzzer_engine, afl_driver).

# The builder's environment for ENGINE+SANITIZER, into build_env (what
# OSS-Fuzz's `compile` and compile_<engine> export before build.sh).
builder_env() {
  local cflags
  cflags="$base_cflags $(san_flags_for "$sanitizer")"
  if [ "$engine" = afl ]; then
    # compile_afl: afl-clang-fast instruments for AFL++ itself (no
    # COVERAGE_FLAGS); the driver supplies main().
    build_env=(CC=afl-clang-fast CXX=afl-clang-fast++ LIB_FUZZING_ENGINE="$afl_driver" AFL_QUIET=1
      ASAN_OPTIONS="detect_leaks=0:symbolize=0:detect_odr_violation=0:abort_on_error=1")
  else
    cflags="$cflags -fsanitize=fuzzer-no-link"
    build_env=(CC=clang CXX=clang++ LIB_FUZZING_ENGINE="$libfuzzer_engine")
  fi
  build_env+=(CFLAGS="$cflags" CXXFLAGS="$cflags -stdlib=libc++" SANITIZER="$sanitizer"
    FUZZING_ENGINE="$engine" ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c++
    SRC="$bwork/src" WORK="$bwork/work" OUT="$out" MAPFUZZ_BUILD_JOBS="$jobs")
  if [ "$ccache" = 1 ]; then
    # Not OSS-Fuzz's: only saves time here (CMake reads these variables).
    build_env+=(CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR="$bwork/src")
  fi
}

# The first errors of a failed build log, with the copied paths shortened.
build_errors() {
  grep -E 'error:|undefined reference|CMake Error|No such file' "$1" |
    sed -e "s|$bwork/src/mapfuzz/||g" -e 's|cmake/\.\./||g' | awk '!seen[$0]++' | head -n 20
  tail -n 5 "$1"
}

# build_fuzzers: copies the tree and runs build.sh as the builder would.
# Returns 0, or 2 after printing why the build failed.
build_fuzzers() {
  local SRC="$bwork/src" log="$bwork/build.log" start
  rm -rf "$SRC" "$bwork/work" "$out" || { echo "   ERROR: cannot clear $bwork" >&2; return 2; }
  mkdir -p "$SRC/mapfuzz" "$bwork/work" "$out" || { echo "   ERROR: cannot create $bwork" >&2; return 2; }
  # The Dockerfile's COPY . $SRC/mapfuzz, minus local build trees.
  if ! tar -C "$src" --exclude=./build --exclude=./.git -cf - . | tar -C "$SRC/mapfuzz" -xf -; then
    echo "   ERROR: cannot copy $src to $SRC/mapfuzz" >&2; return 2
  fi
  cp "$SRC/mapfuzz/.clusterfuzzlite/build.sh" "$SRC/build.sh"
  builder_env
  echo "   cd $SRC && env $(printf '%q ' "${build_env[@]}")bash -eu build.sh"
  start=$(date +%s)
  if ! (cd "$SRC" && env "${build_env[@]}" bash -eux build.sh) >"$log" 2>&1; then
    echo "   ERROR: build failed after $(( $(date +%s) - start ))s; first errors (full log: $log):" >&2
    build_errors "$log" >&2
    return 2
  fi
  echo "   built in $(( $(date +%s) - start ))s; log $log"
  grep -E '^-- mapfuzz: ' "$log" | sed 's/^-- /   /'
  return 0
}
