// Findings as people read them: one report shape for the fuzz targets, the
// property tests and replay, following libFuzzer's habit of one ERROR line,
// the details, and one SUMMARY line.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "harness/step_record.h"
#include "harness/finding.h"
#include "harness/op.h"
#include "harness/severity.h"
#include "harness/signature.h"

namespace mapfuzz {

struct ReportContext {
  std::string mode;            // "fuzz", "property", "replay", "enumerate"
  std::string seed;            // what decides the run: input hash, rapidcheck seed, file name
  std::string replay_command;  // one command that replays the finding
  std::string artifact;        // the saved minimal program, if any
  // Where a crash saves its minimal program ("" = do not save): libFuzzer's
  // -artifact_prefix in fuzz mode.
  std::string artifact_prefix;
  // Whether a finding or crash saves its minimal program at all (off under
  // AFL++, which keeps the crashing input itself).
  bool save_on_crash = false;
};

// The program that reproduces `finding`: the ops that ran (skipped ones
// dropped, they change nothing) up to and including the failing one; the
// whole executed trace for end-of-run findings; after the failing step, the
// rest of its concurrent group. `pending` are the ops that were running when
// a crash interrupted the run (the op, or its whole concurrent group; empty
// if none).
Program minimal_program(const std::vector<StepRecord>& trace, const Finding& finding,
                        std::span<const Op> pending = {});

// One line per step, as replay prints it: the op, the model's expectation,
// the library's answer and any injected fault that fired.
std::string format_step(const StepRecord& step);

// The full report of `finding` for `target_name`, with its signature and
// severity: `signature` and `severity` where the trace cannot tell them (a
// crash inside a step), else signature_of(finding, its step) and
// severity_of(trace, finding).
std::string format_report(const char* target_name, const std::vector<StepRecord>& trace,
                          const Finding& finding, const ReportContext& context, std::span<const Op> pending = {},
                          const Signature* signature = nullptr, const Severity* severity = nullptr);

// Writes `program` in text form to "<prefix>mapfuzz-<kind>-<hash>.txt"
// (prefix as libFuzzer's -artifact_prefix: a directory with '/', or empty
// for the current directory), whole or not at all (write_file_atomically,
// harness/artifact_file.h). Returns the path, or "" if it cannot be written:
// then stderr says "cannot write PATH: <strerror>" and no file is left.
std::string save_program(const std::string& prefix, const Program& program, FindingKind kind);

// The command-line tool's path for `target_name`, next to the running
// executable ("<dir of /proc/self/exe>/mapfuzz-<target>").
std::string cli_path(const char* target_name);

}  // namespace mapfuzz
