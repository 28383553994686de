// What the program did with the faults of one run: a Verdict (run_plan.h),
// from how it ended, its output, the --check command and what the preload
// saw. No model: the program is its own judge (its exit status and words),
// the kernel (signals) and the user's check.
#pragma once

#include "harness/run/run_launch.h"
#include "harness/run/run_plan.h"
#include "harness/run/run_trace.h"

namespace mapfuzz::run {

// The conditions a run imposed besides its injected faults.
struct Imposed {
  bool disk_full = false;   // --disk-free
  bool size_limit = false;  // --size-limit
};

// What `options` impose.
Imposed imposed_by(const RunOptions& options);

// True iff the failure of `call` is the run's doing: injected; ENOSPC or
// EDQUOT on a full disk; EFBIG under the size limit; any error after an
// outside event (the file changed under the program). Other real failures
// (ENOENT from a probe for a file, EAGAIN from a held lock) are the
// program's own business, in a plain run too.
bool provoked(const CallLine& call, const Imposed& imposed);

// The worst verdict that applies, in this order: hung (timed out), crashed
// (killed by a signal), check-failed (--check failed), reported (non-zero
// exit, or the output names the errno of a provoked failure, by name such as
// ENOSPC, by number as "[Errno 28]", or by its strerror text), swallowed
// (exit 0 though a scoped call failed, provoked), clean. A run that did not
// start has no verdict (the caller reports why).
Verdict judge(const RunResult& result, const Trace& trace, const Imposed& imposed);

// True iff `output` names error `err` in one of the ways above.
bool names_errno(const std::string& output, int err);

}  // namespace mapfuzz::run
