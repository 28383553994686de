#!/usr/bin/env bash
# cli_inputs_test.sh CLI: the command line's answers to help requests and to
# inputs that are not programs. `replay --help`/`-h` print replay's usage
# (exit 0); an empty file, a directory or a missing file given to replay,
# check, enumerate or decode is an error with a reason (exit 2), never
# "no finding".
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
if [ "$(id -u)" -ne 0 ]; then  # root reads a file whatever its mode
  echo 'open create size=4096' >"$work/unreadable.txt"; chmod 000 "$work/unreadable.txt"
  expect 2 'Permission denied' -- replay "$work/unreadable.txt"
fi
[ $fail -eq 0 ] && echo "PASS: help and bad inputs answered"
exit $fail
