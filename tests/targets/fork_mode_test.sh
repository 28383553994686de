#!/usr/bin/env bash
# fork_mode_test.sh FUZZER MAPFUZZ_CLI ROOT
# In libFuzzer's fork mode a finding is a crash, not a timeout: with
# -ignore_crashes=1 the status line counts it under "crash", and without it
# the parent stops at it and exits 1 (the exit-code table). FUZZER must be a
# planted bug the seeds reach at once (stale_length_after_shrink).
set -uo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 FUZZER MAPFUZZ_CLI ROOT" >&2; exit 2; fi
fuzzer=$(readlink -f "$1") cli=$2 root=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-fork-XXXXXX")
trap 'rm -rf "$work"' EXIT
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done
"$cli" encode-dir "$root/corpus/reference" "$work/seeds" >/dev/null || exit 1
mkdir -p "$work/a" "$work/b"
failed=0
(cd "$work" && timeout 300 "$fuzzer" a seeds -fork=1 -ignore_crashes=1 -runs=300 -seed=1) >"$work/ignore.log" 2>&1
last=$(grep -E 'oom/timeout/crash: ' "$work/ignore.log" | tail -n 1)
crashes=$(echo "$last" | sed -nE 's|.*oom/timeout/crash: [0-9]+/([0-9]+)/([0-9]+).*|\2|p')
timeouts=$(echo "$last" | sed -nE 's|.*oom/timeout/crash: [0-9]+/([0-9]+)/([0-9]+).*|\1|p')
if [ -z "$crashes" ] || [ "$crashes" -eq 0 ] || [ "$timeouts" -ne 0 ]; then
  echo "FAIL: with -ignore_crashes=1 the findings must count as crashes: $last"; failed=1
fi
(cd "$work" && timeout 300 "$fuzzer" b seeds -fork=1 -runs=300 -seed=1) >"$work/stop.log" 2>&1
got=$?
[ "$got" = 1 ] || { echo "FAIL: fork mode without -ignore_crashes exited $got, want 1 (it must stop at the finding)"; tail -n 5 "$work/stop.log"; failed=1; }
[ $failed = 0 ] && echo "fork mode: findings count as crashes ($last); without -ignore_crashes it stops with exit 1"
exit $failed
