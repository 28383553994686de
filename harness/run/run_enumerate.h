// `mapfuzz run --enumerate`: SQLite's way of testing I/O errors, for any
// program. One plain run counts the program's calls on scoped files; then
// one run per (call kind, k, errno, once|persistent) of what it made (the
// realistic errnos of faults/fault_spec.h), and one per outside event kind
// after each of its mmaps of a scoped file, in parallel, each with the time
// limit. Runs are grouped by site (run_report.h): the table has one row
// per distinct site, each with the command that replays its first run.
#pragma once

#include <vector>

#include "harness/exit_codes.h"
#include "harness/run/run_launch.h"
#include "harness/run/run_options.h"
#include "harness/run/run_trace.h"

namespace mapfuzz::run {

// The runs an enumeration makes for a program whose plain run left
// `counted` (each with the user's own faults and events first).
std::vector<RunPlan> enumeration_plans(const RunOptions& options, const Trace& counted);

// Runs the enumeration and prints the table (stdout), a report per
// distinct site whose verdict is in options.fail_on (stderr; every site's
// in --report-dir), and progress (stderr). Returns the exit code: kFinding if
// any site's verdict is in fail_on, kInconclusive if runs could not start
// for want of mount privileges, kUsage if the plan is over --max-runs or
// the program cannot be run, else kClean.
ExitCode enumerate(const RunOptions& options, const std::string& preload);

}  // namespace mapfuzz::run
