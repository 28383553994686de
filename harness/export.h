// `mapfuzz-<target> export`: one self-contained program that makes the same
// library calls as a mapfuzz program, with no mapfuzz code, and checks the
// condition of the program's finding. Injected faults, outside events and
// disk conditions are done by a small runtime carried in the program
// (harness/export_runtime.h); the library calls come from the adapter, which
// says them while the program is replayed (harness/transcript.h).
//
// The exported program exits 0 when the library does what the model
// requires at the failing step, 1 while the bug is present, 3 when it
// cannot set the run up (a full disk needs a tmpfs of its own: root).
#pragma once

#include <functional>
#include <string>

#include "harness/executor.h"
#include "harness/finding.h"
#include "harness/op.h"
#include "harness/transcript.h"

namespace mapfuzz {

struct ExportResult {
  bool ok = false;
  std::string error;  // !ok: why nothing was written (one line)
  Finding finding;    // ok: the finding the exported program checks
  bool crashed = false;  // the replay died in a library call: *out is the crash version
  int64_t hazard_step = -1;  // no finding: a documented hazard ended the run at this step (exported too)
};

// Replays `program` with `executor` (fresh run), narrating the library calls
// through the target's exporter, and writes the program to *out. `origin`
// (the input file's name) and `replay_command` go in its header;
// `source_name` (the exported file's name) in its build lines. Fails
// (nothing in *out) if the target has no exporter for `language`, or the
// program races (a concurrent group the target's contract lets race), or
// gives neither a finding nor a documented hazard (a SIGBUS the
// library does not claim to survive, which is exported as what it shows). `crash_sink`, if set, is called during every
// library call with the program as it reads if that call never returns (a
// crash of the library ends the process: export_isolated() keeps the last).
//
// export_isolated() runs export_program() in a child process with
// runtime::executor(), and returns what it wrote, or the crash version when
// the library crashed the child (ExportResult::crashed).
ExportResult export_program(Executor& executor, const Program& program, ExportLanguage language,
                            const std::string& origin, const std::string& replay_command,
                            const std::string& source_name, std::string* out,
                            const std::function<void(const std::string&)>& crash_sink = {});

ExportResult export_isolated(const Program& program, ExportLanguage language, const std::string& origin,
                             const std::string& replay_command, const std::string& source_name, std::string* out);

}  // namespace mapfuzz
