#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: $CC $CXX $CXXFLAGS $LIB_FUZZING_ENGINE $SRC
# $OUT come from the builder. Fuzz executables only (no rapidcheck, no
# Boost.Test, no libstdc++-built libraries), each with its seed corpus,
# dictionary and options.
cd "$SRC/mapfuzz"
cmake --preset oss-fuzz
cmake --build --preset oss-fuzz -j"$(nproc)"
# A plain host build of one command-line tool, to turn text seeds into the
# fuzzers' binary form (the OSS-Fuzz flags are for the fuzzers only).
env -u CFLAGS -u CXXFLAGS -u LDFLAGS cmake -S . -B build/host -DMAPFUZZ_TESTS=OFF -DMAPFUZZ_FUZZERS=OFF \
  -DMAPFUZZ_MUTANTS=OFF -DMAPFUZZ_SANITIZERS= -DCMAKE_BUILD_TYPE=Release
env -u CFLAGS -u CXXFLAGS -u LDFLAGS cmake --build build/host --target mapfuzz-reference -j"$(nproc)"
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
    (cd "$seeds" && zip -q "$OUT/${name}_seed_corpus.zip" ./*)
    rm -rf "$seeds"
  fi
done
