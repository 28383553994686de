// The text form of a program: one operation per line, printed in every
// report, accepted by replay, and used to write seed inputs by hand.
//
//   # comments and blank lines are ignored
//   open create size=65536
//   open existing
//   resize size=4096
//   write offset=4096 length=100 seed=7
//   read offset=0 length=4096
//   sync offset=0 length=0          (length 0 = whole file; "sync" alone = same)
//   close
//   reopen
//   fault call=ftruncate errno=ENOSPC nth=1 once      (or: persistent)
//   read offset=0 length=4096 thread=1 concurrent
//        (any op: `thread=N` runs it on thread N, 0..2; `concurrent` makes it
//         race with the op before it; see Op::thread, Op::concurrent)
//
// Numbers are decimal or 0x-prefixed hex. Values above 2^32 print as hex.
#pragma once

#include <string>

#include "harness/op.h"

namespace mapfuzz {

// One line, without newline, in the grammar above.
std::string format_op(const Op& op);
// The whole program, one line per op, preceded by "# mapfuzz program v1".
std::string format_program(const Program& program);

// Parses `text`. On success returns true and fills `out`. On failure returns
// false, leaves `out` unspecified and sets `error` to "line N: what is wrong".
// Rejects values outside the limits of op.h and more than kMaxOps operations.
bool parse_program(const std::string& text, Program* out, std::string* error);

// True iff `data` looks like the text form (it starts with "# mapfuzz" or
// its first non-comment word is an op name and it is printable ASCII,
// where comments may also hold UTF-8).
bool looks_like_text(const std::string& data);

}  // namespace mapfuzz
