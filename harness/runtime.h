// Process-wide glue for the executables: one sandbox and one executor per
// process, and the crash hooks that turn a crash inside the library under
// test into the same report as any other finding. All of it is one object
// (runtime.cc's Runtime), made on the first call of any function below with
// the process's options (Options::from_environment(), options.def): a bad
// MAPFUZZ_* value ends the process there with exit code 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/executor.h"
#include "harness/report.h"

namespace mapfuzz::runtime {

// The process's sandbox directory and executor for this_target(), created on
// first use with the fault modes the options turn on. Exits with a clear
// message if no sandbox can be created.
Executor& executor();

// Marks `program` as the one running, for the crash hooks; `context` names
// the mode, seed and replay command printed if the process crashes. Pass
// nulls when the run is over.
void set_current(const Program* program, const ReportContext* context);

// Installs SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGABRT handlers (and ASan's error
// report callback, and outside libFuzzer the sanitizer's death callback) that
// print the report of the current program and then pass the signal on to the
// handler that was there before (ASan, libFuzzer). `under_libfuzzer`:
// libFuzzer owns the sanitizer's death callback (it writes the crash-<sha1>
// file there), so the harness leaves it alone.
void install_crash_hooks(bool under_libfuzzer = false);

// Prints a finding's report to stderr and saves its minimal program with
// context.artifact_prefix; fills context.artifact and context.replay_command.
void report_finding(const Finding& finding, ReportContext& context);

// The fault modes this process runs with, for the fuzzer's banner and
// summary ("injected syscall faults, ..."), each with the variable that
// turns it off.
std::string fault_modes();

// Removes the sandbox (also registered with atexit).
void shutdown();

}  // namespace mapfuzz::runtime
