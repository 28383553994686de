// The --check command: a shell command run after the program, in its
// sandbox, with no preload and no fault, whose failure means the program
// left its files in a state the user does not accept.
#pragma once

#include <string>

#include "harness/run/run_launch.h"
#include "harness/run/run_options.h"

namespace mapfuzz::run {

// Runs options.check with /bin/sh -c in `sandbox` (MAPFUZZ_SANDBOX set, and
// MAPFUZZ_EXIT the program's exit status, or "signal N": a check can accept
// a file the program said it failed to write), up
// to options.timeout seconds (then it is killed: a failure). Sets
// result->check_ran, check_status (the wait status; a check that could not
// start is exit status 127) and check_output (stdout and stderr, cut at
// kMaxCapture).
void run_check(const RunOptions& options, const std::string& sandbox, RunResult* result);

}  // namespace mapfuzz::run
