#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: $CC $CXX $CXXFLAGS $LIB_FUZZING_ENGINE $SRC
# $OUT come from the builder. Fuzz executables only (no rapidcheck, no
# Boost.Test, no libstdc++-built libraries), each with its seed corpus,
# dictionary and options. Engine-neutral: FUZZING_ENGINE=libfuzzer or afl
# (then $CC is afl-clang-fast and $LIB_FUZZING_ENGINE AFL++'s driver), and
# SANITIZER=address, undefined or coverage all go through the same lines.
# scripts/oss-fuzz-check runs this script outside Docker for libFuzzer+ASan,
# libFuzzer+UBSan and AFL++ with ASan, then OSS-Fuzz's check_build checks.
cd "$SRC/mapfuzz"
jobs=${MAPFUZZ_BUILD_JOBS:-$(nproc)}
# This script's own variable, not a harness option (harness/options.def):
# kept from the mapfuzz tool run below, which warns about unknown MAPFUZZ_*.
unset MAPFUZZ_BUILD_JOBS

# The runner image has none of the builder's -dev packages, so the mapping
# libraries that come from apt are linked statically (their .a files ship in
# the same -dev packages). They are not instrumented: coverage comes from
# the adapter and the interposed calls.
static_lib_args=()
for lib in lmdb:MAPFUZZ_LMDB_LIBRARY sqlite3:SQLite3_LIBRARY; do
  archive=$($CC -print-file-name="lib${lib%%:*}.a")
  if [ -f "$archive" ]; then
    static_lib_args+=("-D${lib#*:}=$archive")
  fi
done
cmake --preset oss-fuzz "${static_lib_args[@]}"
cmake --build --preset oss-fuzz -j"$jobs"

# A plain host build of one command-line tool, to turn text seeds into the
# fuzzers' binary form (the OSS-Fuzz sanitizer and coverage flags are for the
# fuzzers only). The builder image has no libstdc++ headers, so the host
# build keeps -stdlib=libc++ when $CXXFLAGS has it.
host_cxxflags=
case " $CXXFLAGS " in *" -stdlib=libc++ "*) host_cxxflags=-stdlib=libc++ ;; esac
env -u CFLAGS -u LDFLAGS CXXFLAGS="$host_cxxflags" cmake -S . -B build/host -DMAPFUZZ_TESTS=OFF \
  -DMAPFUZZ_FUZZERS=OFF -DMAPFUZZ_MUTANTS=OFF -DMAPFUZZ_SANITIZERS= -DCMAKE_BUILD_TYPE=Release
env -u CFLAGS -u LDFLAGS CXXFLAGS="$host_cxxflags" cmake --build build/host --target mapfuzz-reference -j"$jobs"

for exe in build/oss-fuzz/targets/fuzz_*; do
  name=$(basename "$exe")
  target=${name#fuzz_}
  cp "$exe" "$OUT/"
  cp corpus/mapfuzz.dict "$OUT/$name.dict"
  printf '[libfuzzer]\ndict = %s.dict\nmax_len = 4096\n' "$name" > "$OUT/$name.options"
  if [ -d "corpus/$target" ]; then
    seeds=$(mktemp -d)
    # Seeds are text programs; the fuzzers take the binary form.
    build/host/targets/mapfuzz-reference encode-dir "corpus/$target" "$seeds"
    rm -f "$OUT/${name}_seed_corpus.zip"
    (cd "$seeds" && zip -q "$OUT/${name}_seed_corpus.zip" ./*)
    rm -rf "$seeds"
  fi
done
