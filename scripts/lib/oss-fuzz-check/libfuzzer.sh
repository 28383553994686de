# scripts/oss-fuzz-check: the checks of a libFuzzer build (sourced; uses out,
# bwork, runner_asan, fuzzer_args, time, target).

# engine: bad_build_check's check_engine (FUZZER -seed=1337 -runs=4).
lf_engine() {
  local fuzzer=$1 log="$2/engine.log" edges
  run "$log" -- "$out/$fuzzer" -seed=1337 -runs=4
  edges=$(grep -Po 'INFO: Loaded [0-9]+ module.*\(.*(counters|guards)\):\s+\K[0-9]+' "$log" | head -n 1)
  if grep -q 'no interesting inputs were found' "$log"; then
    fail "$fuzzer" "engine: no coverage instrumentation ($log)"
  elif [ -z "$edges" ]; then
    fail "$fuzzer" "engine: did not start ($log: $(grep -m1 -E 'ERROR|error' "$log"))"
  elif [ "$edges" -lt 100 ]; then
    pass "$fuzzer" "engine: $edges edges (OSS-Fuzz warns under 100: partial instrumentation)"
  else
    pass "$fuzzer" "engine: $edges edges"
  fi
}

# seeds: check_seed_corpus (run_fuzzer over the unzipped seeds).
lf_seeds() {
  local fuzzer=$1 log="$2/seeds.log" corpus=$3 nseeds=$4 rc done_line
  run "$log" -- "$out/$fuzzer" "${fuzzer_args[@]}" -runs=4 "${opts[@]}" "$corpus"
  rc=$?
  done_line=$(grep -m1 -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log")
  if [ $rc -eq 0 ] && [ -n "$done_line" ] && ! grep -qE '^==[0-9]+==ERROR|^SUMMARY: |runtime error:' "$log"; then
    pass "$fuzzer" "seeds: $nseeds seeds, ${done_line}(s), exit 0"
  else
    fail "$fuzzer" "seeds: exit $rc over $nseeds seeds ($log: $(grep -m1 -E '==ERROR|SUMMARY|runtime error' "$log"))"
  fi
}

check_libfuzzer() {
  local fuzzer=$1 logs="$bwork/logs/$1" corpus="/tmp/${1}_corpus" nseeds
  mkdir -p "$logs"
  lf_engine "$fuzzer" "$logs"
  mapfile -t opts < <(options_of "$fuzzer")
  run "$logs/startup.log" -- "$out/$fuzzer" "${fuzzer_args[@]}" -seed=1337 -runs=4 "${opts[@]}"
  if grep -q 'Done 4 runs' "$logs/startup.log"; then pass "$fuzzer" "startup: Done 4 runs"
  else fail "$fuzzer" "startup: no 'Done 4 runs' ($logs/startup.log: $(grep -m1 -E 'ERROR|error' "$logs/startup.log"))"; fi
  nseeds=$(unzip_seeds "$fuzzer" "$corpus")
  if [ -n "$nseeds" ]; then
    lf_seeds "$fuzzer" "$logs" "$corpus" "$nseeds"
    check_no_fork "$fuzzer" "$logs" ASAN_OPTIONS="$runner_asan:detect_leaks=0" -- \
      "$out/$fuzzer" "${fuzzer_args[@]}" -runs=4 "${opts[@]}" "$corpus"
  else
    fail "$fuzzer" "seeds: no ${fuzzer}_seed_corpus.zip in $out"
  fi
  grep -m1 '^mapfuzz fault modes:' "$logs/engine.log" | sed 's/^/   /'
}

# OSS-Fuzz runs the fuzzers with an environment of its own: MAPFUZZ_OUTSIDE
# cannot be set there. Whether a fuzzer forks without it, for the record (an
# empty MAPFUZZ_OUTSIDE is the harness's default, as if unset).
default_env_probe() {
  local probe="fuzz_$target" logs kids sym
  [ -x "$out/$probe" ] || probe="${fuzzers[0]}"
  [ -d "/tmp/${probe}_corpus" ] || return 0
  logs="$bwork/logs/$probe"
  rm -rf "$logs/strace-default-env" && mkdir -p "$logs/strace-default-env"
  run "$logs/default-env.log" MAPFUZZ_OUTSIDE= ASAN_OPTIONS="$runner_asan:detect_leaks=0" -- \
    "${traced[@]}" "$logs/strace-default-env/seeds" "$out/$probe" "${fuzzer_args[@]}" -runs=4 "/tmp/${probe}_corpus"
  read -r kids sym < <(children_in "$logs/strace-default-env/seeds")
  echo "== $probe without MAPFUZZ_OUTSIDE (as ClusterFuzz would run it)"
  grep -m1 '^mapfuzz fault modes:' "$logs/default-env.log" | sed 's/^/   /'
  if [ "$kids" -gt 0 ]; then
    echo "   warning: $kids child process(es): OSS-Fuzz cannot set MAPFUZZ_OUTSIDE=in-process, so an"
    echo "            OSS-Fuzz build should default to in-process outside events"
    results+=("warn $probe: forks $kids child process(es) when MAPFUZZ_OUTSIDE is unset")
  else
    echo "   no child process"
  fi
}

# watch_children PID_OF_RUNNER BIN: samples the fuzzer's child tasks while it
# runs (strace would change the speed, and LeakSanitizer refuses to run under
# it) into kids_seen[pid]=comm; LeakSanitizer's stop-the-world tracer (a
# CLONE_VM task whose exit signal is 0) is recorded as "tracer".
watch_children() {
  local runner=$1 bin=$2 pid="" task kid stat comm kids fields
  while kill -0 "$runner" 2>/dev/null; do
    # Builtins only in this loop: it shares the CPU with the fuzzer.
    [ -n "$pid" ] || pid=$(pgrep -f "^$out/$bin " | head -n 1)
    for task in /proc/"$pid"/task/*/children; do
      [ -n "$pid" ] && read -ra kids <"$task" 2>/dev/null || continue
      for kid in "${kids[@]}"; do
        read -r stat <"/proc/$kid/stat" 2>/dev/null && read -r comm <"/proc/$kid/comm" 2>/dev/null || continue
        read -ra fields <<<"${stat##*) }"  # fields[0] is stat's 3rd field; [35] the exit signal
        if [ "${fields[35]:-}" = 0 ]; then kids_seen[$kid]=tracer; else kids_seen[$kid]=$comm; fi
      done
    done
    sleep 0.2
  done
}

# The timed run: fuzz_TARGET for --time seconds from its seeds.
timed_libfuzzer() {
  local bin="fuzz_$target" logs corpus artifacts runner rc run_limit=$((time + 120))
  if [ ! -x "$out/$bin" ]; then fail "$bin" "timed run: no $bin was built (fuzzers: ${fuzzers[*]})"; return; fi
  logs="$bwork/logs/$bin" corpus="/tmp/${bin}_corpus" artifacts="/tmp/${bin}_artifacts"
  mkdir -p "$logs"
  unzip_seeds "$bin" "$corpus" >/dev/null
  rm -rf "$artifacts" && mkdir -p "$artifacts"
  mapfile -t opts < <(options_of "$bin")
  echo "== $bin for ${time}s with libFuzzer (in-process outside events)"
  echo "   cd $out && MAPFUZZ_OUTSIDE=in-process TMPDIR=/tmp ./$bin ${fuzzer_args[*]} ${opts[*]} -max_total_time=$time -print_final_stats=1 -artifact_prefix=$artifacts/ $corpus"
  run "$logs/timed.log" -- "$out/$bin" "${fuzzer_args[@]}" "${opts[@]}" -max_total_time="$time" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" &
  runner=$!
  declare -A kids_seen=()
  watch_children "$runner" "$bin"
  wait "$runner"; rc=$?
  timed_libfuzzer_report "$bin" "$logs/timed.log" "$artifacts" "$rc"
}

timed_libfuzzer_report() {
  local bin=$1 log=$2 artifacts=$3 rc=$4 most=0 sym=0 tracers=0 names="" kid execs rate crashes
  for kid in "${!kids_seen[@]}"; do
    case "${kids_seen[$kid]}" in
      tracer) tracers=$((tracers + 1)) ;;
      llvm-symbolizer*|addr2line) sym=$((sym + 1)) ;;
      *) most=$((most + 1)); names+="${kids_seen[$kid]} " ;;
    esac
  done
  [ $((sym + tracers)) -gt 0 ] &&
    echo "   sanitizer tasks seen (not counted): $tracers LeakSanitizer tracer(s), $sym llvm-symbolizer"
  execs=$(grep -Po 'stat::number_of_executed_units:\s*\K[0-9]+' "$log")
  rate=$(grep -Po 'stat::average_exec_per_sec:\s*\K[0-9]+' "$log")
  grep -m1 '^mapfuzz fault modes:' "$log" | sed 's/^/   /'
  grep -m1 'documented hazard' "$log" | sed 's/^/   /'
  echo "   executions: ${execs:-?} (${rate:-?} exec/s); exit $rc; log $log"
  crashes=$(ls "$artifacts" 2>/dev/null | grep -E '^(crash|leak|timeout|oom)-' | tr '\n' ' ')
  if [ "$rc" -eq 0 ] && [ -z "$crashes" ] && [ "$most" -eq 0 ]; then
    pass "$bin" "timed run: ${time}s, ${rate:-?} exec/s, no finding, no child process"
  elif [ -n "$crashes" ] || [ "$rc" -ne 0 ]; then
    grep -E '^==mapfuzz== ERROR|^SUMMARY' "$log" | head -n 4 | sed 's/^/   /'
    fail "$bin" "timed run: exit $rc, artifacts: ${crashes:-none} (in $artifacts)"
  else
    fail "$bin" "timed run: saw $most child process(es) while fuzzing: ${names% }"
  fi
}
