#!/usr/bin/env bash
# sqlite_busy_test.sh CLI PROGRAM
# While another process (the outside helper) holds fcntl locks on SQLite's
# lock bytes, SQLite must answer busy and keep its data: replaying PROGRAM
# (corpus/sqlite/outside_lock_busy.txt) must end without a finding (exit 0:
# every read matched the model, the file read back through a fresh
# connection at the end too), and each of the five calls made under a
# conflicting lock must fail with EBUSY, excused as contention (lock-held).
set -uo pipefail
cli=$1 program=$2
out=$("$cli" replay "$program" 2>&1)
status=$?
if [ $status -ne 0 ]; then
  echo "FAIL: replay exited $status (expected 0: busy answers, data intact)"; echo "$out" | tail -n 40; exit 1
fi
busy=$(grep -c 'library: EBUSY from .*database is locked' <<<"$out")
held=$(grep -c 'events: another process held an' <<<"$out")
if [ "$busy" -ne 5 ] || [ "$held" -ne 5 ]; then
  echo "FAIL: expected 5 EBUSY answers under a held lock, each excused as contention; got $busy and $held"
  echo "$out"; exit 1
fi
echo "PASS: SQLite answered busy 5 times under another process's locks, data intact"
