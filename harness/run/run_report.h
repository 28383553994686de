// The reports of `mapfuzz run`, in the shape of every mapfuzz report: what
// the program did, the cause (the fault or outside event, with the errno or
// signal and what it means), the file offset and size, where in the program
// (its Python and native frames), the trace of its calls on scoped files,
// and the command that replays the run (and one that stops in gdb there).
#pragma once

#include <string>

#include "harness/run/run_launch.h"
#include "harness/run/run_options.h"
#include "harness/run/run_plan.h"
#include "harness/run/run_trace.h"

namespace mapfuzz::run {

// One finished run and everything said about it.
struct JudgedRun {
  const RunPlan* plan = nullptr;
  RunResult result;
  Trace trace;
  Verdict verdict = Verdict::kClean;
};

// What set a run off: the first injected fault, else the first event.
enum class SiteCause : uint8_t { kNone, kFault, kEvent };

// Where a run's verdict happened: two runs with the same site are one
// finding, whatever the nth or mode.
struct Site {
  Verdict verdict = Verdict::kClean;
  SiteCause cause = SiteCause::kNone;
  faults::Call call = faults::Call::kCount;  // kFault
  int err = 0;                               // kFault
  faults::OutsideKind event = faults::OutsideKind::kCount;  // kEvent
  std::string where;  // the innermost Python frame, else native frames, else the event's moment; "" unknown
  auto operator<=>(const Site&) const = default;
};

// "ftruncate ENOSPC", "outside shrink", "-".
std::string describe_cause(const Site& site);

// Parses the run's records and judges it (run_verdict.h) under the
// conditions `options` imposed.
JudgedRun judged(const RunOptions& options, const RunPlan* plan, RunResult&& result);

Site site_of(const JudgedRun& run);

// The innermost frame of the program at the first injected failure: the
// Python frame if there is one, else the first native frame.
std::string where_short(const Trace& trace);

// "mapfuzz-run [options] --fault '...' -- CMD" for this run's plan.
std::string replay_command(const RunOptions& options, const RunPlan& plan, bool gdb);

// The full report (ends with a newline). `headline_only`: the first line
// and the summary for a clean run.
std::string report(const RunOptions& options, const JudgedRun& run);

// What started the runner, for replay commands: $MAPFUZZ_RUN_INVOKED_AS
// (scripts/run sets it), else "mapfuzz-run".
std::string invoked_as();

}  // namespace mapfuzz::run
