#!/usr/bin/env bash
# expect_finding.sh MODE KIND_REGEX CLI SEEDS_DIR -- COMMAND...
#   MODE finding: COMMAND must fail with exit status 1 (the exit-code table's
#                 finding, harness/exit_codes.h) and a mapfuzz report whose kind
#                 matches KIND_REGEX, and the replay command in the report must
#                 reproduce the same kind, with exit status 1 too.
#   MODE clean:   COMMAND must succeed with no mapfuzz report (exit 0, or 3:
#                 inconclusive, a fault mode some program needs is unavailable
#                 here, e.g. disk-full without mount privileges; said so).
#   MODE known:   either, for a library with known findings that cannot be
#                 avoided: COMMAND may succeed with no report, or fail as in
#                 MODE finding; a finding of any other kind fails.
# SEEDS_DIR (a directory of text programs) is encoded into $WORK/seeds first;
# the string @SEEDS@ in COMMAND is replaced by that directory and @WORK@ by a
# fresh work directory (removed afterwards).
set -uo pipefail
mode=$1 kinds=$2 cli=$3 seeds=$4; shift 4
[ "$1" = "--" ] && shift
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$cli" encode-dir "$seeds" "$work/seeds" >/dev/null || { echo "FAIL: cannot encode seeds"; exit 1; }
mkdir -p "$work/artifacts"
cmd=()
for a in "$@"; do a=${a//@SEEDS@/$work/seeds}; cmd+=("${a//@WORK@/$work}"); done
(cd "$work" && MAPFUZZ_ARTIFACT_DIR="$work/artifacts" "${cmd[@]}") >"$work/out" 2>&1
status=$?
report=$(grep -E '^==mapfuzz== ERROR: ' "$work/out" | head -n1)
# Exit 3 (harness/exit_codes.h): no finding, but some steps were skipped here.
if [ $status -eq 3 ] && [ -z "$report" ] && [ "$mode" != finding ]; then
  grep -m3 'inconclusive' "$work/out"
  echo "note: inconclusive here (exit 3): counted as no finding"; status=0
fi
if [ "$mode" = known ] && [ $status -eq 0 ] && [ -z "$report" ]; then
  grep -E 'stat::number_of_executed_units|tests passed|OK, passed|^enumerated ' "$work/out" | tail -n 3
  echo "PASS: no finding (allowed: $kinds)"; exit 0
fi
if [ "$mode" = clean ]; then
  if [ $status -ne 0 ] || [ -n "$report" ]; then
    echo "FAIL: expected no finding, got exit $status"; tail -n 60 "$work/out"; exit 1
  fi
  grep -E 'stat::number_of_executed_units|tests passed|OK, passed|^enumerated ' "$work/out" | tail -n 3
  echo "PASS: no finding"; exit 0
fi
# A sanitizer CHECK failure inside the library (LMDB's mdb_env_close
# unmapping memory it does not own, docs/findings/lmdb.md) kills the fuzzer
# without a report, or with mapfuzz's "the sanitizer runtime died" signal
# report, and depends on memory layout (a text replay rarely reproduces it):
# in known mode it counts as the allowed signal.
died=$(grep -c '^  what: the sanitizer runtime died' "$work/out" || true)
if [ "$mode" = known ] && { [ -z "$report" ] || [ "$died" -gt 0 ]; } && grep -q 'CHECK failed' "$work/out" &&
   echo signal | grep -qE "^($kinds)$"; then
  grep -m1 'CHECK failed' "$work/out"
  echo "PASS: known layout-dependent crash inside the library (a sanitizer CHECK failure; allowed: $kinds)"; exit 0
fi
if [ $status -eq 0 ] || [ -z "$report" ]; then
  echo "FAIL: expected a finding matching '$kinds', got exit $status and no report"; tail -n 60 "$work/out"; exit 1
fi
if [ "$mode" = finding ] && [ $status -ne 1 ]; then
  echo "FAIL: a finding must exit with status 1 (harness/exit_codes.h), got $status"; tail -n 20 "$work/out"; exit 1
fi
kind=$(echo "$report" | sed -E 's/^==mapfuzz== ERROR: ([a-z-]+) .*/\1/')
if ! echo "$kind" | grep -qE "^($kinds)$"; then
  echo "FAIL: finding '$kind' does not match '$kinds'"; tail -n 60 "$work/out"; exit 1
fi
# Print the report (the trace) and check that its replay command reproduces it.
sed -n '/^==mapfuzz== ERROR/,/^SUMMARY: mapfuzz/p' "$work/out" | head -n 40
replay=$(grep -E '^  replay: ' "$work/out" | tail -n1 | sed 's/^  replay: //')
if [ -z "$replay" ]; then echo "FAIL: the report names no replay command"; exit 1; fi
# A wild write's outcome depends on what lies next to the mapping, so replay
# may see another of the allowed kinds (a crash instead of corrupted data),
# and a crash that depends on memory layout (LMDB's mdb_env_close after a
# failed mdb_env_set_mapsize, docs/findings/lmdb.md) may need a few replays:
# one of up to 6 must reproduce it. Each replay is bounded: after such a
# crash the sanitizer's own report can deadlock in its symbolizer (seen once
# in CI with lmdb_writemap), and a hung attempt counts as one that did not
# reproduce.
for attempt in 1 2 3 4 5 6; do
  timeout -s KILL 60 $replay --quiet >"$work/replay" 2>&1
  replay_status=$?
  again=$(grep -E '^==mapfuzz== ERROR: ' "$work/replay" | head -n1 | sed -E 's/^==mapfuzz== ERROR: ([a-z-]+) .*/\1/')
  if [ "$again" = "$kind" ] || echo "$again" | grep -qE "^($kinds)$"; then
    if [ $replay_status -ne 1 ]; then
      echo "FAIL: the replay found $again but exited with $replay_status, not 1 (harness/exit_codes.h)"; exit 1
    fi
    echo "PASS: caught as $kind; replay reproduces it (as $again, attempt $attempt)"; exit 0
  fi
  [ "$kind" = signal ] || break
done
# The fuzz executable's own crash file, replayed by it, has the layout the
# fuzz run had.
unit=$(grep -oE 'Test unit written to [^ ]+' "$work/out" | tail -n1 | sed 's/^Test unit written to //')
if [ "$kind" = signal ] && [ -n "$unit" ]; then
  for attempt in 1 2 3; do
    (cd "$work" && timeout -s KILL 60 "${cmd[0]}" "$unit") >"$work/replay" 2>&1
    if grep -qE '^==mapfuzz== ERROR: signal ' "$work/replay"; then
      echo "PASS: caught as $kind; the fuzzer's crash file reproduces it (attempt $attempt; the text replay did not)"; exit 0
    fi
  done
fi
echo "FAIL: replay gave '${again:-no finding}', the run gave '$kind'"; cat "$work/replay"; exit 1
