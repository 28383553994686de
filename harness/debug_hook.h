// Where a debugger stops a replay: the executor calls
// mapfuzz_before_library_call() right before every step's library call (and
// before a skipped step's non-call), and mapfuzz_after_library_call() when
// the call returned. Both do nothing; `replay --gdb` puts a breakpoint on the
// first with the condition `step == N` (harness/gdb_replay.h). Cost on the
// fuzzing path: two calls of empty functions per step, and no text is built
// unless the executor was asked to (Executor::set_debugger_text()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/step_record.h"

extern "C" {
// `step`: the step's index in the program; `text`: what
// debugger_text() wrote for it, or null when no debugger text was asked for.
// Never inlined, never removed: a debugger can always break on it.
void mapfuzz_before_library_call(uint32_t step, const char* text);
// The library call of `step` returned (not called after a signal ended it).
void mapfuzz_after_library_call(uint32_t step);
// What the fault layer's tracked mappings say about `addr` (a faulting
// address, from gdb's $_siginfo): the file offset it maps and the file's
// size now, or that no sandbox mapping holds it. A static buffer, for a
// debugger to print; async-signal-safe, allocates nothing.
const char* mapfuzz_describe_address(uint64_t addr);
}

namespace mapfuzz {

// The text a debugger prints when it stops before `current`: the step, the
// model's expectation (or why it is skipped) and the program so far in text
// form, the ops of `trace` (the steps before it) then the current one.
std::string debugger_text(const std::vector<StepRecord>& trace, const StepRecord& current);

}  // namespace mapfuzz
