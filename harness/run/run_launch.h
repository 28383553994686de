// Running the program: each run gets a fresh sandbox (on its own tmpfs
// with --disk-free), the preload library, its faults and events, a time
// limit, and is watched until it ends; then its process group is killed
// (nothing it started outlives it), the --check command runs, and the
// sandbox is removed. Several runs go at once (--enumerate); the runner
// performs each run's outside events when its preload asks.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/run/run_options.h"
#include "harness/run/run_plan.h"

namespace mapfuzz::run {

// An outside event the runner performed (or could not).
struct EventDone {
  uint32_t index = 0;     // into RunPlan::events
  uint32_t mmap_number = 0;
  std::string path;       // the mapped file
  std::string failure;    // "" if done; else the failed call and errno
};

struct RunResult {
  enum class End : uint8_t { kExited, kSignaled, kTimedOut, kNotStarted };
  End end = End::kNotStarted;
  int exit_code = 0;   // kExited
  int signo = 0;       // kSignaled
  std::string out, err;  // the program's stdout and stderr (each cut at kMaxCapture)
  std::string log;       // the preload's records (faults/run_protocol.h)
  std::vector<EventDone> events;
  bool check_ran = false;
  int check_status = 0;  // the check's wait status, as waitpid gives it
  std::string check_output;
  double seconds = 0;
  std::string sandbox;   // the sandbox directory it ran in (gone now)
  std::string not_started;  // kNotStarted: why
  bool disk_unavailable = false;  // kNotStarted because --disk-free needs mount privileges here
};

inline constexpr size_t kMaxCapture = 1 << 20;

// The preload library to use: $MAPFUZZ_PRELOAD if set, else the one built
// with this runner. Empty if neither exists (then *why says so).
std::string find_preload(std::string* why);

// Runs every plan with the program and options of `options`, up to `jobs`
// at once, and calls done(i, result) for plans[i] as each run ends (in the
// order they end). `echo`: the program's output also goes to this
// process's stdout/stderr as it comes, and its stdin is this process's
// (else /dev/null). A run that cannot start is reported with kNotStarted.
void run_all(const RunOptions& options, const std::string& preload, const std::vector<RunPlan>& plans,
             unsigned jobs, bool echo, const std::function<void(size_t, RunResult&&)>& done);

}  // namespace mapfuzz::run
