#!/usr/bin/env bash
# outside_test.sh BIN_DIR CORPUS_DIR
# 1. Both outside-event modes (helper process, in-process second fd) give the
#    same outcome on every outside_*.txt seed.
# 2. Replaying a SIGBUS finding prints its attribution, the same every time.
# 3. A fuzzer killed with SIGKILL leaves no helper process and no mount
#    behind (its disk-full tmpfs lived in its own mount namespace), and its
#    sandbox is reaped by the next run.
set -uo pipefail
bin=$1 corpus=$2
fail() { echo "FAIL: $*"; exit 1; }
export TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-outside-test-XXXXXX")
trap 'rm -rf "$TMPDIR"' EXIT

for f in "$corpus"/outside_*.txt; do
  a=$("$bin/mapfuzz-reference" replay "$f" 2>&1 | grep -v '^==' | sed 's/(process mode)/(MODE mode)/')
  b=$(MAPFUZZ_OUTSIDE=in-process "$bin/mapfuzz-reference" replay "$f" 2>&1 | grep -v '^==' | sed 's/(in-process mode)/(MODE mode)/')
  [ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b"); fail "modes differ on $f"; }
  echo "$a" | grep -q "(MODE mode)" || echo "$f: no data-removing event fired (fine)"
done
echo "PASS: helper-process and in-process modes agree on $(ls "$corpus"/outside_*.txt | wc -l) programs"

mutant="$bin/mapfuzz-reference_mut_claims_truncation_safety"
for i in 1 2 3; do
  out=$("$mutant" replay --quiet "$corpus/outside_shrink_then_read.txt" 2>&1); rc=$?
  [ $rc -ne 0 ] || fail "replay found nothing"
  for want in "ERROR: signal" "SIGBUS (BUS_ADRERR) at file offset 8192" "file size then 5000" \
              "the library believed 16384" "cause: outside shrink" "at step 5: read offset=8192"; do
    echo "$out" | grep -qF "$want" || { echo "$out"; fail "attribution lacks '$want'"; }
  done
  [ $i = 1 ] && first="$out"
  [ "$out" = "$first" ] || fail "replay $i differs from the first"
done
echo "PASS: SIGBUS replay prints its attribution, identical 3 times"

work=$(mktemp -d); mkdir -p "$work/corpus"
# -max_len=1: empty programs, so no finding ends the run before the kill.
"$bin/fuzz_reference" "$work/corpus" -max_total_time=60 -max_len=1 >"$work/log" 2>&1 &
fuzzer=$!
sleep 3
helpers=$(pgrep -P $fuzzer | tr '\n' ' ')
sandbox=$(ls -d "$TMPDIR"/mapfuzz-$fuzzer-* 2>/dev/null)
# The disk-full tmpfs is mounted on the sandbox in the fuzzer's own mount
# namespace only: never in this one's.
inside=$(grep -c " $sandbox tmpfs " /proc/$fuzzer/mounts 2>/dev/null)
outside=$(grep -c "mapfuzz" /proc/self/mounts)
kill -9 $fuzzer; wait $fuzzer 2>/dev/null
if grep -q "skipped: needs mount privileges" "$work/log"; then
  echo "disk-full mode skipped here (no mount privileges): mount checks not applicable"
else
  [ "${inside:-0}" -ge 1 ] || { cat "$work/log"; fail "no tmpfs on the sandbox inside the fuzzer's namespace"; }
fi
[ "$outside" = 0 ] || fail "a mapfuzz mount is visible outside the fuzzer"
[ -n "$helpers" ] || { cat "$work/log"; fail "no helper process was running"; }
[ -n "$sandbox" ] || fail "no sandbox directory was made"
sleep 0.5
for h in $helpers; do
  # A zombie waiting for init to reap it is dead.
  state=$(awk '{print $3}' "/proc/$h/stat" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ] && fail "helper $h outlived the killed fuzzer (state $state)"
done
"$bin/mapfuzz-reference" check "$corpus" >/dev/null 2>&1
[ -e "$sandbox" ] && fail "the killed run's sandbox $sandbox was not reaped"
grep -q "mapfuzz" /proc/self/mounts && fail "a mapfuzz mount outlived the killed fuzzer"
rm -rf "$work"
echo "PASS: after SIGKILL no helper survives and the next run reaped the sandbox"
