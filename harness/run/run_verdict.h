// What the program did with the faults of one run: a Verdict (run_plan.h),
// from how it ended, its output, the --check command and what the preload
// saw. No model: the program is its own judge (its exit status and words),
// the kernel (signals) and the user's check.
#pragma once

#include "harness/run/run_launch.h"
#include "harness/run/run_plan.h"
#include "harness/run/run_trace.h"

namespace mapfuzz::run {

// The worst verdict that applies, in this order: hung (timed out), crashed
// (killed by a signal), check-failed (--check failed), reported (non-zero
// exit, or the output names the errno of a scoped call that failed, by name
// such as ENOSPC, by number as "[Errno 28]", or by its strerror text),
// swallowed (exit 0 though a scoped call failed, injected or real), clean.
// A run that did not start has no verdict (the caller reports why).
Verdict judge(const RunResult& result, const Trace& trace);

// True iff `output` names error `err` in one of the ways above.
bool names_errno(const std::string& output, int err);

}  // namespace mapfuzz::run
