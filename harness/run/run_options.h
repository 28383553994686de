// The command line of `mapfuzz run` (scripts/run, mapfuzz-run, and the
// `run` command of every mapfuzz-<target>): one table of options
// (run_options.cc) that the parser, --help and the replay commands read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/run/run_plan.h"

namespace mapfuzz::run {

struct RunOptions {
  std::vector<std::string> command;  // the program and its arguments (after --)
  std::vector<std::string> files;    // --files: absolute glob patterns; empty: the sandbox directory
  RunPlan plan;                      // --fault, --outside
  bool has_disk_free = false;
  uint64_t disk_free = 0;            // --disk-free: bytes left free on the sandbox's own tmpfs
  bool has_size_limit = false;
  uint64_t size_limit = 0;           // --size-limit: RLIMIT_FSIZE (real EFBIG)
  double timeout = 30;               // --timeout: seconds per run before it counts as hung
  std::string check;                 // --check: a shell command run after the program
  bool enumerate = false;            // --enumerate
  bool all_errnos = true;            // --errnos all|first
  bool events = true;                // --no-events: enumerate faults only
  unsigned jobs = 0;                 // --jobs: parallel runs (0: the number of CPUs)
  size_t max_runs = 3000;            // --max-runs
  VerdictSet fail_on;                // --fail-on
  std::string report_dir;            // --report-dir: one report file per distinct site
  bool keep_privileges = false;      // --keep-privileges
  bool gdb = false;                  // --gdb
  bool quiet = false;                // --quiet
};

enum class ParseOutcome { kRun, kHelp, kError };

// Parses args (without the program name). kRun: *out is ready. kHelp:
// --help was asked. kError: *error says what is wrong (nothing ran).
ParseOutcome parse_run_options(const std::vector<std::string>& args, RunOptions* out, std::string* error);

// The --help text (ends with a newline), `invoked_as` in the synopsis.
std::string run_usage(const std::string& invoked_as);

// The options of `options` that replay needs (--files, --disk-free,
// --size-limit, --check, --timeout, --keep-privileges), shell-quoted, each
// preceded by a space; "" if none.
std::string replay_options(const RunOptions& options);

// `word` quoted for a POSIX shell when it needs it.
std::string shell_quote(const std::string& word);

}  // namespace mapfuzz::run
