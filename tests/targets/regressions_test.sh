#!/usr/bin/env bash
# regressions_test.sh BIN_DIR REGRESSIONS_DIR
# Replays every reproducer listed in REGRESSIONS_DIR/<target>/EXPECTED
# ("<file> <finding-kind, hazard or clean>"; "also <pattern>" lines are for triage) against mapfuzz-<target> and asserts the
# listed outcome, so a library upgrade that changes a behaviour shows up here.
# Targets whose executable was not built (library missing) are skipped.
set -uo pipefail
bin=$1 dir=$2
failed=0 checked=0
for expected in "$dir"/*/EXPECTED; do
  target=$(basename "$(dirname "$expected")")
  cli="$bin/mapfuzz-$target"
  if [ ! -x "$cli" ]; then echo "skipped: $target (not built)"; continue; fi
  while read -r file want _; do
    case "$file" in ''|'#'*|also) continue ;; esac
    out=$(MAPFUZZ_AVOID_KNOWN= "$cli" replay --quiet "$(dirname "$expected")/$file" 2>&1)
    got=$(echo "$out" | sed -n 's/^SUMMARY: mapfuzz: \([a-z-]*\) .*/\1/p' | head -n1)
    if [ -z "$got" ]; then
      # A run ended by a documented hazard (a counted SIGBUS) is not a finding.
      if echo "$out" | grep -q 'documented hazard'; then got=hazard; else got=clean; fi
    fi
    checked=$((checked + 1))
    if [ "$got" != "$want" ]; then
      echo "FAIL: $target/$file gave $got, EXPECTED says $want"; failed=$((failed + 1))
    fi
  done < "$expected"
done
echo "checked $checked reproducers: $failed changed"
[ $checked -gt 0 ] && [ $failed -eq 0 ]
