#!/usr/bin/env bash
# cli_inputs_test.sh CLI: the command line's answers to help requests and to
# inputs that are not programs. Every command's --help/-h prints its usage
# and the exit-code table (exit 0); an unknown option is an error (exit 2);
# an empty file, a directory, an empty directory or a missing file given to
# replay, check, enumerate, encode or decode is an error with a reason
# (exit 2), never "no finding"; an output file that cannot be written is an
# error naming the errno, with no empty or partial file left behind.
set -uo pipefail
cli=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-cli-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
# expect WANT_STATUS WANT_REGEX -- ARGS...: the CLI's exit status and output.
expect() {
  local want=$1 regex=$2; shift 3
  local out status
  out=$("$cli" "$@" 2>&1); status=$?
  if [ "$status" -ne "$want" ] || ! grep -qE -- "$regex" <<<"$out"; then
    echo "FAIL: $* gave exit $status (want $want and /$regex/):"; head -n 5 <<<"$out"; fail=1
  else
    echo "ok: $* -> exit $status"
  fi
}
: >"$work/empty.txt"
mkdir "$work/dir" "$work/with_empty"
: >"$work/with_empty/e.txt"
expect 0 ' replay --gdb\|--gdb-batch ' -- replay --help
expect 0 '^usage: mapfuzz-.* replay ' -- replay -h
expect 2 'is empty' -- replay "$work/empty.txt"
expect 2 'is empty' -- replay --quiet "$work/empty.txt"
expect 2 'is a directory' -- replay "$work/dir"
expect 2 'No such file' -- replay "$work/missing.txt"
expect 2 'is empty' -- check "$work/with_empty"
expect 2 'is empty' -- enumerate --quiet "$work/empty.txt"
expect 2 'is empty' -- enumerate --quiet "$work/with_empty"
expect 2 'is empty' -- decode "$work/empty.txt"
expect 2 'needs --gdb' -- replay --break-at 1 "$work/empty.txt"
expect 2 'unknown option --bogus' -- replay --bogus "$work/empty.txt"
for cmd in replay check enumerate encode encode-dir decode options errors; do
  expect 0 "^usage: mapfuzz-[a-z_]+ $cmd .*" -- "$cmd" --help
  expect 0 '^  3 inconclusive' -- "$cmd" -h
done
expect 0 '^exit status: 0 no finding' -- --help
for cmd in check enumerate encode encode-dir decode options errors; do
  expect 2 'unknown option --bogus|unknown argument --bogus' -- "$cmd" --bogus "$work/empty.txt"
done
expect 2 'holds no program' -- check "$work/dir"
expect 2 'holds no program' -- enumerate --quiet "$work/dir"
expect 2 'is empty' -- encode "$work/empty.txt" "$work/out.bin"
expect 2 'holds no \*.txt program' -- encode-dir "$work/dir" "$work/encoded"
expect 2 'wrong arguments' -- decode
expect 2 'unknown command' -- bogus
# A step that needs a fault mode that is off (or unavailable here) makes a
# run without finding inconclusive: exit 3, never 0.
expect_env() {  # VAR=VALUE WANT_STATUS WANT_REGEX -- ARGS...
  local setting=$1; shift
  local want=$1 regex=$2; shift 3
  local out status
  out=$(env "$setting" "$cli" "$@" 2>&1); status=$?
  if [ "$status" -ne "$want" ] || ! grep -qE -- "$regex" <<<"$out"; then
    echo "FAIL: $setting $* gave exit $status (want $want and /$regex/):"; head -n 5 <<<"$out"; fail=1
  else
    echo "ok: $setting $* -> exit $status"
  fi
}
printf 'open create size=8192\noutside shrink size=4096\nread offset=0 length=100\nclose\n' >"$work/outside.txt"
mkdir "$work/programs"; cp "$work/outside.txt" "$work/programs/"
expect_env MAPFUZZ_OUTSIDE_EVENTS=0 3 'inconclusive: step 1 .*skipped: no outside process' -- replay "$work/outside.txt"
expect_env MAPFUZZ_OUTSIDE_EVENTS=0 3 '1 inconclusive' -- check "$work/programs"
expect_env MAPFUZZ_OUTSIDE_EVENTS=0 3 '1 inconclusive' -- enumerate --quiet --errno-set first "$work/outside.txt"
printf 'open create size=4096\noutside diskfull free=0\nresize size=65536\nclose\n' >"$work/diskfull.txt"
expect_env MAPFUZZ_DISK_FULL=0 3 'skipped: no disk-full mode here' -- replay --quiet "$work/diskfull.txt"
expect_env MAPFUZZ_OUTSIDE_EVENTS=1 0 '== no finding' -- replay "$work/outside.txt"
# An output that cannot be written: the errno named, nothing left behind.
echo 'open create size=4096' >"$work/program.txt"
: >"$work/plain"
expect 2 'cannot write .*/plain/out.bin: Not a directory' -- encode "$work/program.txt" "$work/plain/out.bin"
mkdir "$work/limited"
out=$(bash -c 'ulimit -f 0; exec "$@"' - "$cli" decode "$work/program.txt" "$work/limited/out.txt" 2>&1); status=$?
if [ "$status" -ne 2 ] || ! grep -q 'cannot write .*/limited/out.txt: File too large' <<<"$out" ||
   [ -n "$(ls -A "$work/limited")" ]; then
  echo "FAIL: decode under a file size limit gave exit $status (want 2, 'File too large', no file left):"
  head -n 3 <<<"$out"; ls -la "$work/limited"; fail=1
else
  echo "ok: decode under a file size limit -> exit 2, File too large, no file left"
fi
if [ "$(id -u)" -ne 0 ]; then  # root reads a file whatever its mode
  echo 'open create size=4096' >"$work/unreadable.txt"; chmod 000 "$work/unreadable.txt"
  expect 2 'Permission denied' -- replay "$work/unreadable.txt"
fi
[ $fail -eq 0 ] && echo "PASS: help and bad inputs answered"
exit $fail
