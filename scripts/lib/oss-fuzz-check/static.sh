# scripts/oss-fuzz-check: the checks of a fuzzer's binary, for every engine
# (sourced; uses engine, sanitizer, out).

runner_libs='^(linux-vdso|ld-linux(-x86-64)?|libc|libm|libdl|libpthread|librt|libgcc_s|libutil|libresolv)\.so'
emulation_libs='^(libc\+\+|libc\+\+abi|libunwind|libstdc\+\+)\.so'
# bad_build_check's thresholds.
asan_min=1000 ubsan_min=168 ubsan_max_no_ubsan=200

# Calls into the sanitizer runtimes, as "callee<TAB>caller" lines.
sanitizer_calls() {
  objdump -dC --no-show-raw-insn "$1" | awk '
    /^[0-9a-f]+ </ { fn = substr($0, index($0, "<") + 1); sub(/>:$/, "", fn) }
    match($0, /callq?[ \t]+[0-9a-f]+[ \t]+<__(asan|ubsan)[^>]*>/) {
      c = substr($0, RSTART, RLENGTH); sub(/^[^<]*</, "", c); sub(/>$/, "", c); print c "\t" fn }'
}

check_sanitizers() {
  local fuzzer=$1 calls asan ubsan ok
  calls=$(sanitizer_calls "$out/$fuzzer")
  asan=$(grep -c '^__asan' <<<"$calls") ubsan=$(grep -c '^__ubsan' <<<"$calls")
  case "$sanitizer" in
    address) ok=$(( asan >= asan_min && ubsan <= ubsan_max_no_ubsan )) ;;
    undefined) ok=$(( asan == 0 && ubsan >= ubsan_min )) ;;
    *) ok=$(( asan >= asan_min && ubsan >= ubsan_min )) ;;
  esac
  if [ "$ok" = 1 ]; then
    pass "$fuzzer" "sanitizers: $asan __asan calls, $ubsan __ubsan calls ($sanitizer)"
  elif [ "$sanitizer" = undefined ] && [ "$asan" -gt 0 ]; then
    fail "$fuzzer" "sanitizers: $asan __asan call(s) in a UBSan build (OSS-Fuzz: \"seems to be compiled with ASan\"): $(
      grep '^__asan' <<<"$calls" | sort -u | head -n 3 | sed 's/\t/ called in /' | paste -sd ';')"
  else
    fail "$fuzzer" "sanitizers: $asan __asan calls, $ubsan __ubsan calls do not fit a $sanitizer build"
  fi
}

check_libs() {
  local fuzzer=$1 libs missing
  libs=$(ldd "$out/$fuzzer" | awk '{print $1}' | sed 's|.*/||')
  missing=$(grep -Ev "$runner_libs" <<<"$libs" | grep -Ev "$emulation_libs" | tr '\n' ' ')
  if [ -n "${missing// /}" ]; then
    fail "$fuzzer" "libs: needs ${missing% } (not in the runner image; link it statically)"
  else
    pass "$fuzzer" "libs: only the runner's libc/libm/libgcc_s$(grep -qE "$emulation_libs" <<<"$libs" &&
      echo " (plus this machine's shared libc++/libstdc++; OSS-Fuzz links libc++ statically)")"
  fi
}

# arch, sanitizers, libs.
check_static() {
  local fuzzer=$1
  if file "$out/$fuzzer" | grep -q 'x86-64'; then pass "$fuzzer" "arch: x86-64"
  else fail "$fuzzer" "arch: $(file -b "$out/$fuzzer")"; fi
  check_sanitizers "$fuzzer"
  check_libs "$fuzzer"
}

# unzip_seeds FUZZER DIR: the seed corpus into DIR (emptied); prints the count,
# or nothing when the fuzzer has no seed corpus.
unzip_seeds() {
  local zip="$out/${1}_seed_corpus.zip"
  rm -rf "$2" && mkdir -p "$2" || return
  [ -f "$zip" ] || return 0
  unzip -q -o -d "$2" "$zip" && ls "$2" | wc -l
}

# check_no_fork FUZZER LOGS ENV... -- CMD...: runs CMD under strace (no leak
# check: LeakSanitizer refuses to run under ptrace) and passes when it started
# no child process.
check_no_fork() {
  local fuzzer=$1 logs=$2; shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  rm -rf "$logs/strace" && mkdir -p "$logs/strace"
  run "$logs/no-fork.log" "${envs[@]}" -- "${traced[@]}" "$logs/strace/seeds" "$@"
  if ! ls "$logs/strace/seeds".* >/dev/null 2>&1; then
    fail "$fuzzer" "no-fork: strace recorded nothing ($logs/no-fork.log)"
    return
  fi
  local kids sym extra=""
  read -r kids sym < <(children_in "$logs/strace/seeds")
  [ "$sym" -gt 0 ] && extra=" (besides $sym llvm-symbolizer)"
  if [ "$kids" -eq 0 ]; then pass "$fuzzer" "no-fork: no child process over the seeds$extra"
  else fail "$fuzzer" "no-fork: $kids child process(es)$extra ($logs/strace/seeds.*)"; fi
}
