// A report's `why:` line: what the failing call's errno (or the signal)
// means for a mapped file, and what a correct library does instead, read
// from the explanation table (harness/explanations.h). Built from typed
// data only, never from a finding's detail text.
#pragma once

#include <string>

#include "harness/finding.h"
#include "harness/step_record.h"

namespace mapfuzz {

// The call and errno a why line explains; call is "" when there is none.
struct FailedCall {
  std::string call;  // the table's name ("msync"), or the library's own ("mapped_region::flush")
  int error = 0;
};

// The call and errno behind `finding` at `step` (null: the end-of-run
// checks or a crash before the step was recorded), first found of:
// finding.call/error (a call that failed inside a step reported as
// success); the step's failed Status (an adapter's own call name is
// replaced by the injected call with the same errno, if there is one);
// the step's last injected call. None (call "") otherwise.
FailedCall failed_call_of(const Finding& finding, const StepRecord* step);

// "SIGBUS BUS_ADRERR: <meaning>. <correct library>" for a finding with a
// signal; "msync EINVAL: <meaning>. <correct library>" when
// failed_call_of() names a call; "<correct library>" alone otherwise.
// One line, no "why:" prefix, no newline.
std::string why_text(const Finding& finding, const StepRecord* step);

}  // namespace mapfuzz
