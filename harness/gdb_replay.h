// `replay --gdb` and `replay --gdb-batch`: the replay of one program run
// again under gdb, stopped right before the library call of the failing step
// (or of the step --break-at names). gdb is run as a separate program, never
// linked; the executable under it is the one running (/proc/self/exe) with
// `replay --debugger-text`, which passes each step's text to the breakpoint
// function mapfuzz_before_library_call() (harness/debug_hook.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mapfuzz {

struct GdbRequest {
  std::string file;                    // the program to replay
  std::vector<std::string> pass_args;  // replay options to pass on (--text, --binary)
  size_t ops = 0;                      // the program's operations
  int64_t break_at = -1;               // the step to stop at; -1: the failing step
  bool batch = false;                  // print what --gdb-batch prints and exit
};

// Finds the step to stop at (with break_at -1: a quiet replay in a child
// process, whose report is printed first), then runs gdb on this executable:
// it stops at the breakpoint and prints the step, the model's expectation and
// the program so far; for a signal finding it goes on to the faulting
// instruction and prints what the fault layer knows of the address.
// Interactive: the gdb prompt is the user's from there. Batch: it also prints
// the backtrace there and, for other findings, at the library's first file
// or mapping call of the step (or the call's return), then kills the program.
// Returns gdb's exit status; 0 (with a message) if the replay gives no
// finding to stop at; 2 if gdb cannot be run or break_at is out of range.
int replay_under_gdb(const GdbRequest& request);

}  // namespace mapfuzz
