#!/bin/sh
# expect_exit.sh CODE COMMAND [ARGS...]: runs a reproducer and passes iff it
# exits with CODE (0: the library behaves correctly, 1: the finding
# reproduced, 2: setup failed; see README.md). The suite asserts each
# finding's current code, so a library upgrade that changes it shows up.
want=$1
shift
TMPDIR=$(mktemp -d) || exit 1
export TMPDIR
"$@"
got=$?
rm -rf "$TMPDIR"
if [ "$got" -ne "$want" ]; then
  echo "expect_exit: '$*' exited with $got, expected $want (0 fixed, 1 reproduced, 2 setup)" >&2
  exit 1
fi
exit 0
