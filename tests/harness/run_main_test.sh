#!/usr/bin/env bash
# `mapfuzz run` end to end (harness/run/run_main.cc) on programs no one wrote
# for mapfuzz, each verdict asserted:
#   - examples/python/resize_and_flush.py: clean; CPython's mmap.resize under
#     an injected ENOSPC from ftruncate raises OSError (reported); on a full
#     disk the write after resize dies of SIGBUS, attributed to data.bin's
#     offset 12288 with the file 16384 bytes long (crashed); --enumerate
#     prints a table whose crashed row replays to the same verdict.
#   - examples/python/numpy_memmap.py on a full disk: SIGBUS (numpy#21964).
#   - the sqlite3 shell with PRAGMA mmap_size, every fault enumerated: clean
#     errors only, the database intact whenever the shell said it succeeded.
#   - record_log (examples/record_log) on the reference library: nothing
#     fails; on its mutants: swallowed_fallocate_error crashes where ENOSPC is
#     injected, sparse_growth crashes on a full disk.
#   - a program that never ends is hung and leaves no process behind; bad
#     options and a missing program are usage errors (2).
#   run_main_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
run=${MAPFUZZ_RUN_TEST_BINARY:-$build/harness/run/mapfuzz-run}  # another runner build to test
logs=$build/examples/record_log
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
failures=0
fail() { echo "FAIL: $*"; sed -n '1,40p' "$work/out" "$work/err" 2>/dev/null; failures=$((failures + 1)); }
# expect NAME STATUS PATTERN... -- ARGS: runs the runner, checks its exit status and each pattern in its output.
expect() {
  local name=$1 want=$2; shift 2
  local patterns=()
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  "$run" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$want" ] || { fail "$name: exit $got, expected $want"; return; }
  for p in "${patterns[@]}"; do
    cat "$work/out" "$work/err" | grep -qE -- "$p" || { fail "$name: no '$p'"; return; }
  done
  echo "ok: $name"
}
# running PATTERN: true iff a process's command line matches the regular
# expression PATTERN (read from /proc: no procps needed). Write it with
# brackets (time[.]sleep) so that grep's own command line cannot match.
running() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    tr '\0' ' ' <"$f" 2>/dev/null | grep -qE "$1" && return 0
  done
  return 1
}
mounts_ok() { "$run" --disk-free 65536 -- true >/dev/null 2>&1; [ $? -ne 3 ]; }

resize="$src/examples/python/resize_and_flush.py"
expect "python plain run is clean" 0 "SUMMARY: mapfuzz run: clean" "open #1 fd [0-9]+ data.bin -> ok" -- -- "$python" "$resize"
expect "python resize under ENOSPC from ftruncate is reported" 0 "SUMMARY: mapfuzz run: reported" \
  "OSError: \[Errno 28\]" "cause: injected ENOSPC failed the program's ftruncate #1" "resize_and_flush.py\", line 2[0-9] in main" \
  -- --fault 'call=ftruncate errno=ENOSPC nth=1 once' -- "$python" "$resize"
expect "python resize past a file size limit is reported (real EFBIG)" 0 "SUMMARY: mapfuzz run: reported" \
  "OSError: \[Errno 27\] File too large" "real error: the program's ftruncate #1 .* -> EFBIG" \
  -- --size-limit 8192 -- "$python" "$resize"
expect "another process shrinks the file right after the program's resize: SIGBUS" 1 "SUMMARY: mapfuzz run: crashed" \
  "cause: another process: shrink size=0 after-call=6, on data.bin" "at file offset 12288 of data.bin, file size 0 then \(past its end\)" \
  -- --outside 'shrink size=0 after-call=6' -- "$python" "$resize"
# One command, one outcome: the same fault twice gives the same report (but
# its time), trace, stacks and verdict.
for i in 1 2; do
  "$run" --fault 'call=mremap errno=ENOMEM nth=1 once' -- "$python" "$resize" 2>&1 >/dev/null |
    sed -E 's/\(mapfuzz run, [0-9]+ ms\)//' >"$work/same$i"
done
cmp -s "$work/same1" "$work/same2" && grep -q "mremap #1 data.bin to length 16384 -> ENOMEM (injected)" "$work/same1" &&
  echo "ok: the same command gives the same report" || { diff "$work/same1" "$work/same2" | head -20; fail "the same command, two reports"; }
# The run command of every mapfuzz-<target> is the same runner.
if [ -x "$build/targets/mapfuzz-reference" ]; then
  "$build/targets/mapfuzz-reference" run --fault 'call=ftruncate errno=ENOSPC nth=1 once' -- "$python" "$resize" \
    >"$work/out" 2>"$work/err"
  grep -q "SUMMARY: mapfuzz run: reported" "$work/err" && echo "ok: mapfuzz-reference run" || fail "mapfuzz-reference run"
fi
if mounts_ok; then
  expect "python write after resize on a full disk dies of SIGBUS" 1 "SUMMARY: mapfuzz run: crashed" \
    "killed by SIGBUS \(BUS_ADRERR\) at file offset 12288 of data.bin, file size 16384 then" "cause: a full disk" \
    -- --disk-free 4096 -- "$python" "$resize"
  if "$python" -c 'import numpy' 2>/dev/null; then
    expect "numpy.memmap on a full disk dies of SIGBUS" 1 "killed by SIGBUS \(BUS_ADRERR\) at file offset [0-9]+ of matrix.dat" \
      -- --disk-free 65536 -- "$python" "$src/examples/python/numpy_memmap.py"
  else
    echo "skipped: numpy.memmap (python3-numpy is not installed)"
  fi
  expect "record_log: the correct library reports a full disk" 0 "SUMMARY: mapfuzz run: reported" "ENOSPC from posix_fallocate" \
    -- --disk-free 16384 --check "[ \"\$MAPFUZZ_EXIT\" != 0 ] || $logs/record_log verify log.bin 64" -- "$logs/record_log" write log.bin 64
  expect "record_log: sparse growth dies of SIGBUS on a full disk" 1 "SUMMARY: mapfuzz run: crashed" \
    "killed by SIGBUS \(BUS_ADRERR\) at file offset [0-9]+ of log.bin" -- --disk-free 16384 -- "$logs/record_log_sparse_growth" write log.bin 64
else
  echo "skipped: the full-disk cases (no mount privileges here)"
fi

# --enumerate: a bounded table; its crashed row replays to the same verdict.
expect "python enumeration" 1 "^crashed +outside shrink" "^reported +ftruncate E" "runs in [0-9.]+ s, [0-9]+ distinct sites" \
  -- --enumerate --errnos first --timeout 20 -- "$python" "$resize"
replay=$(grep -A1 '^crashed *outside shrink' "$work/out" | sed -n 's/^ *replay: mapfuzz-run //p')
[ -n "$replay" ] || fail "enumeration: no replay line under the crashed row"
eval "set -- $replay"
expect "the crashed row's replay" 1 "SUMMARY: mapfuzz run: crashed" "another process: shrink size=0 after-mmap=1" -- "$@"

check_db='[ "$MAPFUZZ_EXIT" != 0 ] || [ "$(sqlite3 test.db "PRAGMA integrity_check; SELECT count(*) FROM t;" | tr "\n" " ")" = "ok 1000 " ]'
if command -v sqlite3 >/dev/null; then
  expect "the sqlite3 shell: clean errors under every fault" 0 "^reported +write ENOSPC" ", 0 failing" \
    -- --enumerate --errnos first --no-events --timeout 20 --check "$check_db" \
       -- sqlite3 -bail -init "$src/examples/sqlite/mmap_shell.sql" test.db .quit
  # Another program holds SQLite's lock bytes from right after the shell opens its database.
  expect "the sqlite3 shell under another program's lock says so" 1 "SUMMARY: mapfuzz run: reported" \
    "database is locked" "cause: another process: lock kind=fcntl mode=exclusive offset=1073741824 length=512 after-call=2, on test.db" \
    -- --fail-on reported --outside 'lock kind=fcntl mode=exclusive offset=0x40000000 length=512 after-call=2' \
       -- sqlite3 -bail -init "$src/examples/sqlite/mmap_shell.sql" test.db .quit
else
  echo "skipped: the sqlite3 shell is not installed"
fi

expect "record_log: the correct library under every fault" 0 ", 0 failing" \
  -- --enumerate --errnos first --check "[ \"\$MAPFUZZ_EXIT\" != 0 ] || $logs/record_log verify log.bin 20" \
     -- "$logs/record_log" write log.bin 20
expect "record_log: a swallowed posix_fallocate error crashes" 1 "^crashed +fallocate ENOSPC" \
  "resize\(unsigned long\) \(mapped_file.cc:[0-9]+\)" -- --enumerate --errnos first --no-events \
  -- "$logs/record_log_swallowed_fallocate_error" write log.bin 20

expect "a program that never ends is hung" 1 "SUMMARY: mapfuzz run: hung" -- --timeout 1 -- "$python" -c 'import time; time.sleep(600)'
running 'time[.]sleep[(]600[)]' && fail "the hung program outlived its run"
# A C program on a stdio stream: fopen and fclose are its open and close, and
# the calls on fileno() are scoped.
expect "a stream from fopen is scoped" 0 "open #1 fd [0-9]+ data.bin -> ok" "mmap #1 fd [0-9]+ data.bin offset 0 length 8192 -> ok" \
  "close #1 fd [0-9]+ data.bin -> ok" "SUMMARY: mapfuzz run: clean" -- -- "$build/tests/harness/run_stdio_probe"
expect "an mmap of a stream's fd fails when asked" 0 "stdio_probe: mmap: Cannot allocate memory" "SUMMARY: mapfuzz run: reported" \
  -- --fault 'call=mmap errno=ENOMEM nth=1 once' -- "$build/tests/harness/run_stdio_probe"

# A program that recovers from faults on purpose goes on as it would alone.
expect "a program's own SIGBUS recovery still works" 0 "^recovered 3" "SUMMARY: mapfuzz run: clean" \
  -- -- "$build/tests/harness/run_signal_probe"

# The runner killed: SIGTERM kills the program and removes its sandbox at
# once; after SIGKILL the program dies with the runner (PR_SET_PDEATHSIG) and
# the next run removes the sandbox left behind.
for sig in TERM KILL; do
  "$run" -- "$python" -c 'import time; time.sleep(601)' >/dev/null 2>&1 &
  runner=$!
  sleep 1
  kill -$sig $runner
  wait $runner 2>/dev/null
  sleep 0.3
  running 'time[.]sleep[(]601[)]' && fail "SIG$sig: the program outlived the runner"
  [ "$sig" = KILL ] && "$run" -- true >/dev/null 2>&1
  [ "$(find "$TMPDIR" -mindepth 1 | wc -l)" -eq 0 ] && echo "ok: SIG$sig to the runner leaves nothing" || fail "SIG$sig: left behind: $(ls "$TMPDIR")"
done
expect "an unknown errno is a usage error" 2 "unknown errno 'ENOPE'" -- --fault 'call=open errno=ENOPE nth=1 once' -- true
expect "no program is a usage error" 2 "no program to run" -- --
expect "a missing program is a usage error" 2 "did not start: .*no-such-program" -- -- no-such-program
expect "--help" 0 "usage: mapfuzz-run" "--disk-free BYTES" -- --help
# As an ordinary user (nobody): faults work; a full disk works through a user
# namespace, or the run says it was skipped (exit 3), never a false verdict.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$run"; then
  nobody_tmp=$(mktemp -d /tmp/mapfuzz-run-test-XXXXXX)
  chmod 1777 "$nobody_tmp"
  as_nobody() { TMPDIR=$nobody_tmp setpriv --reuid=65534 --regid=65534 --clear-groups "$run" "$@"; }
  as_nobody --fault 'call=ftruncate errno=ENOSPC nth=1 once' -- "$python" "$resize" >"$work/out" 2>"$work/err"
  grep -q "SUMMARY: mapfuzz run: reported" "$work/err" && echo "ok: as nobody, a fault" || fail "as nobody, a fault"
  as_nobody --disk-free 4096 -- "$python" "$resize" >"$work/out" 2>"$work/err"
  case $? in
    1) grep -q "killed by SIGBUS (BUS_ADRERR) at file offset 12288 of data.bin" "$work/err" && echo "ok: as nobody, a full disk (user namespace)" || fail "as nobody, a full disk" ;;
    3) grep -q "skipped: --disk-free: needs mount privileges" "$work/err" && echo "ok: as nobody, a full disk is skipped here" || fail "as nobody, skipped" ;;
    *) fail "as nobody, a full disk: unexpected exit" ;;
  esac
  [ "$(find "$nobody_tmp" -mindepth 1 | wc -l)" -eq 0 ] || fail "left behind as nobody: $(ls "$nobody_tmp")"
  rm -rf "$nobody_tmp"
else
  echo "skipped: the nobody cases (not root, or the build is not readable by nobody)"
fi
[ "$(find "$TMPDIR" -mindepth 1 | wc -l)" -eq 0 ] || fail "left behind in TMPDIR: $(ls "$TMPDIR")"
[ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
echo "run_main: all passed"
