// What one run of `mapfuzz run` does to the program, and what it made of
// it: plain values shared by the runner's files (harness/run/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faults/fault_spec.h"
#include "faults/outside_event.h"

namespace mapfuzz::run {

// When an outside event happens: right after the program's Nth successful
// mmap of a scoped file, on that file; or right after its Nth call on a
// scoped file of any kind, on the file of that call (or of its latest mmap
// when the call names no fd: munmap, msync, ...).
enum class Trigger : uint8_t { kAfterMmap, kAfterCall };

struct PlannedEvent {
  faults::OutsideEvent event;
  Trigger trigger = Trigger::kAfterMmap;
  uint32_t after = 1;  // N >= 1
};

// True for the events after which the file no longer holds what the program
// wrote, whatever the program does (shrink, punch, pwrite, replace, unlink):
// the --check command does not run after them.
bool destroys_data(faults::OutsideKind kind);

// The faults and events of one run. Empty: the plain run.
struct RunPlan {
  std::vector<faults::FaultSpec> faults;
  std::vector<PlannedEvent> events;
};

// What the program did with the faults, worst last. A run's verdict is the
// worst that applies.
enum class Verdict : uint8_t {
  kClean,        // exit 0; no scoped call failed (or none was planned to)
  kSwallowed,    // exit 0 although a scoped call failed, and nothing in its output names the error
  kReported,     // non-zero exit, or its output names the errno of a failed call
  kCheckFailed,  // the --check command failed after the run
  kCrashed,      // killed by a signal (SIGBUS, SIGSEGV, SIGABRT, ...)
  kHung,         // still running at the time limit (killed)
  kCount
};

// "clean", "swallowed", "reported", "check-failed", "crashed", "hung".
const char* verdict_name(Verdict v);
// Inverse of verdict_name(); false for an unknown name.
bool verdict_from_name(const std::string& name, Verdict* out);

// A set of verdicts (bit i: Verdict i).
struct VerdictSet {
  uint32_t bits = 0;
  bool has(Verdict v) const { return (bits >> static_cast<int>(v) & 1u) != 0; }
  void add(Verdict v) { bits |= 1u << static_cast<int>(v); }
};

// The text forms, as a program's ops write them (harness/text_codec.h),
// without the leading "fault"/"outside": "call=ftruncate errno=ENOSPC
// nth=1 once", "shrink size=0 after-mmap=1".
std::string format_fault(const faults::FaultSpec& fault);
std::string format_event(const PlannedEvent& event);
// Parse the same forms. On failure return false and set *error.
bool parse_fault(const std::string& text, faults::FaultSpec* out, std::string* error);
bool parse_event(const std::string& text, PlannedEvent* out, std::string* error);

}  // namespace mapfuzz::run
