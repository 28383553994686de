#!/usr/bin/env bash
# scripts/coverage end to end on a tiny corpus: builds the coverage build in
# WORK/build, writes the HTML report to WORK/report, and the report covers the
# library under test (targets/reference) as well as the harness. Also: usage
# errors exit 2.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:?usage: coverage_test.sh WORK_DIR}
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work/corpus" || exit 1
cp "$root/corpus/reference/create_write_read_close.txt" "$root/corpus/reference/resize_to_zero_and_back.txt" \
  "$work/corpus/" || exit 1

"$root/scripts/coverage" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no TARGET must exit 2"
"$root/scripts/coverage" reference --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "an unknown option must exit 2"
"$root/scripts/coverage" reference --corpus "$work/none" >/dev/null 2>&1; [ $? -eq 2 ] || fail "a missing corpus must exit 2"

"$root/scripts/coverage" reference --corpus "$work/corpus" --build-dir "$work/build" --out "$work/report" \
  >"$work/out.log" 2>&1
rc=$?
cat "$work/out.log"
[ $rc -eq 0 ] || fail "scripts/coverage exited $rc"
[ -s "$work/report/index.html" ] || fail "no $work/report/index.html"
grep -q "^   report: $work/report/index.html$" "$work/out.log" || fail "the path of index.html is not printed"
grep -q '^== coverage of reference over 2 input(s): lines [0-9.]*% ([1-9][0-9]*/' "$work/out.log" ||
  fail "no totals line"
grep -q 'targets/reference/mapped_file.cc' "$work/report/index.html" || fail "the library under test is not in the report"
grep -q 'harness/executor.cc' "$work/report/index.html" || fail "the harness is not in the report"
grep -q '^   library under test and adapter: lines [0-9.]*% ([1-9]' "$work/out.log" ||
  fail "the library under test has no covered line"
echo "PASS: scripts/coverage writes a report covering the library and the harness"
