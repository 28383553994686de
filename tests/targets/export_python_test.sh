#!/usr/bin/env bash
# export_python_test.sh TARGETS_BIN_DIR ROOT
# Every python_mmap regression (corpus/regressions/python_mmap/*.txt) exports
# to a Python script that shows its behaviour with the system's python3, no
# mapfuzz involved: the script must exit 1 (the bug, or the documented
# hazard, is present) and leave no temporary file behind.
set -uo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 TARGETS_BIN_DIR ROOT" >&2; exit 2; fi
bin=$1 root=$(cd "$2" && pwd)
cli=$bin/mapfuzz-python_mmap
[ -x "$cli" ] || { echo "FAIL: $cli is missing"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mapfuzz-export-py-XXXXXX")
trap 'rm -rf "$work"' EXIT
for v in $(compgen -e | grep -E '^(MAPFUZZ_|[A-Z]+SAN_OPTIONS$)'); do unset "$v"; done
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"

failed=0 checked=0
for program in "$root"/corpus/regressions/python_mmap/*.txt; do
  name=$(basename "$program" .txt)
  script=$work/$name.py
  if ! "$cli" export "$program" -o "$script" >"$work/$name.export" 2>&1; then
    echo "FAIL: $name: export failed:"; cat "$work/$name.export"; failed=1; continue
  fi
  head -n 1 "$script" | grep -q '^#!/usr/bin/env python3' || { echo "FAIL: $name: not a python3 script"; failed=1; }
  if grep -n 'mapfuzz_\|import mapfuzz' "$script" | grep -v '^[0-9]*:#' | head -n 3 | grep -q .; then
    echo "FAIL: $name: the script uses mapfuzz code"; failed=1
  fi
  (cd "$work" && timeout 120 python3 "$script") >"$work/$name.out" 2>&1; got=$?
  checked=$((checked + 1))
  if [ "$got" != 1 ]; then
    echo "FAIL: $name: the exported script exited $got, want 1 (the behaviour shown)"; tail -n 8 "$work/$name.out"; failed=1
  else
    echo "ok: $name: $(grep -m1 'BUG' "$work/$name.out" | sed 's/^repro: //')"
  fi
done
left=$(ls -A "$TMPDIR")
[ -z "$left" ] || { echo "FAIL: the scripts left temporary files: $left"; failed=1; }
[ "$checked" -gt 0 ] || { echo "FAIL: no regression found"; failed=1; }
echo "export (python): $checked checked, $([ $failed = 0 ] && echo all right || echo FAILED)"
exit $failed
