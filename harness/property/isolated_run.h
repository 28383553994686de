// Runs a property's command sequence in a forked child so that a crash or a
// signal in the library becomes an ordinary test failure that rapidcheck can
// shrink, instead of ending the test process.
#pragma once

#include <string>

#include "harness/finding.h"
#include "harness/property/commands.h"

namespace mapfuzz::property {

struct IsolatedResult {
  bool failed = false;
  int exit_code = 0;   // the child's exit code (harness/exit_codes.h), or 128+signal
  FindingKind kind = FindingKind::kNone;  // the child's finding; kSignal if it died without naming one
  std::string output;  // everything the child printed on stderr (its report)
};

// Forks; the child runs `commands` through the process's executor (runtime::
// executor()) with rapidcheck's runAll, then the end-of-run checks, prints
// the report of any finding to stderr, passes its kind back through a pipe
// and exits with ExitCode::kFinding (kClean without one). The parent waits
// and collects. Never throws.
IsolatedResult run_isolated(const State& initial, const Commands& commands);

// The property shared by every target: generate a command sequence for
// this_target() and require that the isolated run has no finding. On
// failure saves the program (text form) under $MAPFUZZ_ARTIFACT_DIR (default
// the current directory) and fails with the report and the replay command.
void check_target_survives(bool with_faults);

}  // namespace mapfuzz::property
