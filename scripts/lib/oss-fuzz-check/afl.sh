# scripts/oss-fuzz-check: the checks of an AFL++ build (sourced; uses out,
# bwork, afl_env, afl_args, runner_asan, time, target).

# An afl-fuzz log without its colours, as LOG.txt (grep it there: grep -q
# on a pipe would fail the pipe under pipefail).
plain() { sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$1" >"$1.txt"; }
# stat FILE KEY: one value of afl-fuzz's fuzzer_stats.
afl_stat() { sed -n "s/^$2[[:space:]]*: //p" "$1" 2>/dev/null | head -n 1; }

# afl_fuzz LOG SECONDS FUZZER CORPUS OUTDIR: afl-fuzz -V SECONDS as
# run_fuzzer starts it for FUZZING_ENGINE=afl (its AFL_* settings, -t 5000+,
# the dictionary named in the .options file), in the sandbox.
afl_fuzz() {
  local log=$1 secs=$2 fuzzer=$3 corpus=$4 afl_out=$5 dict=() run_limit=$(($2 + 120))
  local d
  d=$(sed -n 's/^[[:space:]]*dict[[:space:]]*=[[:space:]]*//p' "$out/$fuzzer.options" 2>/dev/null | head -n 1)
  [ -n "$d" ] && [ -f "$out/$d" ] && dict=(-x "$out/$d")
  # afl-fuzz wants at least one input (run_fuzzer adds one too).
  [ -n "$(ls -A "$corpus" 2>/dev/null)" ] || echo input >"$corpus/input"
  rm -rf "$afl_out"
  run "$log" "${afl_env[@]}" -- afl-fuzz -V "$secs" "${afl_args[@]}" -i "$corpus" -o "$afl_out" \
    "${dict[@]}" -- "$out/$fuzzer"
}

# seeds: the driver runs every seed given as a file (what ClusterFuzz does to
# reproduce an input), then no-fork: the same under strace.
afl_seeds() {
  local fuzzer=$1 logs=$2 corpus=$3 nseeds=$4 log="$2/seeds.log" rc ran
  run "$log" "${afl_env[@]}" -- "$out/$fuzzer" "$corpus"/*
  rc=$?
  ran=$(grep -c '^Execution successful' "$log")
  if [ $rc -eq 0 ] && [ "$ran" -eq "$nseeds" ] && ! grep -qE '^==[0-9]+==ERROR|^SUMMARY: |runtime error:' "$log"; then
    pass "$fuzzer" "seeds: the driver ran all $nseeds seeds, exit 0"
  else
    fail "$fuzzer" "seeds: exit $rc, $ran of $nseeds seeds ran ($log: $(grep -m1 -E '==ERROR|SUMMARY|runtime error' "$log"))"
  fi
  check_no_fork "$fuzzer" "$logs" "${afl_env[@]}" ASAN_OPTIONS="$runner_asan:detect_leaks=0:abort_on_error=1" -- \
    "$out/$fuzzer" "$corpus"/*
}

# engine and startup: bad_build_check's checks for afl, on one bounded run.
afl_engine() {
  local fuzzer=$1 log="$2/engine.log" corpus=$3 afl_out="/tmp/${1}_afl" stats map execs rate crashes
  afl_fuzz "$log" 10 "$fuzzer" "$corpus" "$afl_out"
  stats="$afl_out/default/fuzzer_stats"
  plain "$log"
  map=$(grep -m1 -Po 'Target map size: \K[0-9]+' "$log.txt")
  execs=$(afl_stat "$stats" execs_done) rate=$(afl_stat "$stats" execs_per_sec)
  crashes=$(afl_stat "$stats" saved_crashes)
  if grep -q 'All set and ready to roll' "$log.txt"; then
    pass "$fuzzer" "engine: afl-fuzz ready to roll, map size ${map:-?}, ${execs:-?} execs in 10s (${rate:-?}/s)$(
      [ "${crashes:-0}" -gt 0 ] && echo "; $crashes crash(es) saved in $afl_out/default/crashes")"
  else
    fail "$fuzzer" "engine: afl-fuzz did not start fuzzing ($log: $(grep -m1 -E 'PROGRAM ABORT|\[-\]' "$log.txt"))"
  fi
  if grep -qE 'target binary (crashed|terminated)' "$log.txt"; then
    fail "$fuzzer" "startup: $(grep -m1 -oE 'target binary (crashed|terminated)[^.]*' "$log.txt") ($log)"
  else
    pass "$fuzzer" "startup: no crash or termination of the target at start"
  fi
}

check_afl() {
  local fuzzer=$1 logs="$bwork/logs/$1" corpus="/tmp/${1}_corpus" nseeds
  mkdir -p "$logs"
  nseeds=$(unzip_seeds "$fuzzer" "$corpus")
  if [ -n "$nseeds" ]; then afl_seeds "$fuzzer" "$logs" "$corpus" "$nseeds"
  else fail "$fuzzer" "seeds: no ${fuzzer}_seed_corpus.zip in $out"; fi
  afl_engine "$fuzzer" "$logs" "$corpus"
  grep -m1 '^mapfuzz fault modes:' "$logs/seeds.log" 2>/dev/null | sed 's/^/   /'
}

# The timed run: afl-fuzz -V TIME on fuzz_TARGET from its seeds. A saved crash
# fails it; hangs (over AFL++'s own timeout, computed from the seeds' speed)
# are listed.
timed_afl() {
  local bin="fuzz_$target" logs corpus afl_out stats
  if [ ! -x "$out/$bin" ]; then fail "$bin" "timed run: no $bin was built (fuzzers: ${fuzzers[*]})"; return; fi
  logs="$bwork/logs/$bin" corpus="/tmp/${bin}_corpus" afl_out="/tmp/${bin}_afl"
  mkdir -p "$logs"
  unzip_seeds "$bin" "$corpus" >/dev/null
  echo "== $bin for ${time}s with afl-fuzz (in-process outside events)"
  echo "   cd $out && MAPFUZZ_OUTSIDE=in-process TMPDIR=/tmp $(printf '%q ' "${afl_env[@]}")afl-fuzz -V $time ${afl_args[*]} -i $corpus -o $afl_out -x $bin.dict -- ./$bin"
  afl_fuzz "$logs/timed.log" "$time" "$bin" "$corpus" "$afl_out"
  timed_afl_report "$bin" "$logs/timed.log" "$afl_out/default"
}

timed_afl_report() {
  local bin=$1 log=$2 dir=$3 execs rate crashes hangs stability first
  execs=$(afl_stat "$dir/fuzzer_stats" execs_done) rate=$(afl_stat "$dir/fuzzer_stats" execs_per_sec)
  crashes=$(afl_stat "$dir/fuzzer_stats" saved_crashes) hangs=$(afl_stat "$dir/fuzzer_stats" saved_hangs)
  stability=$(afl_stat "$dir/fuzzer_stats" stability)
  echo "   executions: ${execs:-?} (${rate:-?} exec/s), stability ${stability:-?}, ${crashes:-?} crash(es), ${hangs:-?} hang(s); log $log"
  [ "${hangs:-0}" -gt 0 ] && echo "   hangs (over AFL++'s exec timeout, not findings by themselves): $dir/hangs"
  plain "$log"
  if [ -z "$execs" ]; then
    fail "$bin" "timed run: afl-fuzz left no statistics ($log: $(grep -m1 -E 'PROGRAM ABORT|\[-\]' "$log.txt"))"
  elif [ "${crashes:-0}" -gt 0 ]; then
    first=$(ls "$dir/crashes" | grep -m1 '^id:')
    run "$dir/replay.log" "${afl_env[@]}" -- "$out/$bin" "$dir/crashes/$first"
    grep -E '^==mapfuzz== ERROR|^SUMMARY' "$dir/replay.log" | head -n 4 | sed 's/^/   /'
    fail "$bin" "timed run: $crashes crash(es) in $dir/crashes (replay: cd $out && ./$bin FILE)"
  else
    pass "$bin" "timed run: ${time}s, ${rate:-?} exec/s, no crash"
  fi
}
