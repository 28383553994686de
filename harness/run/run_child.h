// The program's side of a fork: what the child does between fork() and
// exec(): its own process group, death with the runner, the sandbox as its
// working directory, the environment of faults/run_protocol.h, the
// preload, the size limit and, as root, no permission override.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "harness/run/run_options.h"
#include "harness/run/run_plan.h"

namespace mapfuzz::run {

// Everything the child needs, prepared before fork() (the child then makes
// system calls only).
struct ChildSetup {
  std::vector<std::string> argv;  // what to exec (the program, or gdb with it)
  std::vector<std::string> env;   // NAME=value, the whole environment
  std::string cwd;                // the sandbox
  int log_fd = -1;                // dup'ed to faults::run::kLogFd
  int event_fd = -1;              // dup'ed to faults::run::kEventFd
  int out_fd = -1, err_fd = -1;   // stdout, stderr (-1: inherited)
  bool null_stdin = true;
  bool has_size_limit = false;
  uint64_t size_limit = 0;
  bool drop_dac_override = false;
  pid_t runner = 0;               // the runner's pid (the child dies if it is gone before PR_SET_PDEATHSIG)
};

// The setup for one run of `plan` in `sandbox`. `gdb`: run the program
// under gdb (the preload set in gdb's inferior environment only).
ChildSetup child_setup(const RunOptions& options, const RunPlan& plan, const std::string& preload,
                       const std::string& sandbox);

// In the child after fork(): applies `setup` and execs. Never returns; on
// failure writes "exec-failed <errno> <what>" to the log fd and exits 127.
[[noreturn]] void exec_child(const ChildSetup& setup);

}  // namespace mapfuzz::run
