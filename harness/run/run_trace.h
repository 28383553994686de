// What the preload library wrote about one run (faults/run_protocol.h),
// parsed into typed values: the program's calls on scoped files in order,
// the stack at the first injected failure, the events, and the signal that
// killed it, if one hit a scoped mapping.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "faults/fault_spec.h"

namespace mapfuzz::run {

struct CallLine {
  faults::Call call = faults::Call::kCount;
  uint64_t count = 0;  // its number among the counted calls of its kind (what nth counts)
  int fd = -1;
  uint64_t offset = 0, length = 0;
  int err = 0;          // 0: succeeded
  bool injected = false;
  bool after_event = false;  // an outside event had been performed before it
  std::string path;     // "-" if unknown
};

struct SignalLine {
  int signo = 0, code = 0;
  uint64_t addr = 0;
  bool scoped = false;  // the address was in a mapping of a scoped file (always, for a record)
  uint64_t offset = 0;  // scoped: the file offset it maps
  int64_t size = -1;    // scoped: the file's size then (-1: unknown)
  std::string path;
};

struct Trace {
  bool started = false;           // the preload ran in the program
  std::string exec_failed;        // "" or why the program could not be started
  std::vector<CallLine> calls;
  long first_injected = -1;       // index into calls; -1: no fault fired
  std::vector<std::string> stack;    // native frames at it, innermost first ("module+0xoff symbol")
  std::vector<std::string> pystack;  // Python frames at it, innermost first ("file", line N in f)
  bool has_signal = false;
  SignalLine signal;
  std::array<uint64_t, static_cast<size_t>(faults::Call::kCount)> counts{};  // calls counted, per kind
  uint32_t mmaps = 0;             // successful mmaps of scoped files
};

Trace parse_trace(const std::string& log);

// `path` shown relative to the sandbox when it is inside it.
std::string show_path(const std::string& path, const std::string& sandbox);

}  // namespace mapfuzz::run
