// A finding's identity, for grouping the findings of many runs (triage,
// scripts/triage): what went wrong (the kind), in which operation, and why
// (the typed causes of the failing step: injected calls, outside events,
// disk conditions, the call that failed without a fault, the signal). It
// leaves out sizes, offsets, errno values, step numbers and earlier steps,
// so the runs of one bug share it. Triage appends the innermost frames of
// the library under test for a crash (they are in the sanitizer's report).
//
// Text form, one line, stable (scripts match it, EXPECTED files hold
// patterns of it): "<kind> <op> <causes>", causes sorted and joined by ","
// or "-" when there are none:
//   not-atomic open fault:mmap
//   signal resize SIGSEGV,fault:ftruncate
//   leak end -
#pragma once

#include <string>
#include <vector>

#include "faults/interpose.h"
#include "harness/finding.h"
#include "harness/op.h"
#include "harness/step_record.h"

namespace mapfuzz {

struct Signature {
  FindingKind kind = FindingKind::kNone;
  const char* op = "end";            // op_kind_name() of the failing op; "end" for the end-of-run checks
  std::vector<std::string> causes;  // sorted, unique tokens (Causes::tokens())
  std::string text() const;
};

// The signature of `finding`, found at `step` (null for the end-of-run
// checks). An unexplained error (no cause at all) names the call the
// library says failed: "error:munmap". A disk condition counts only where it
// can have caused the finding: a call that failed, a success that should
// not have been one (swallowed-error), a signal.
Signature signature_of(const Finding& finding, const StepRecord* step);

// The signature of a crash inside step `index`, running `pending` (null
// once the program's ops are done): `signal` names what ended it ("SIGSEGV",
// "sanitizer", ...); `calls` is the fault layer's log, whose records tagged
// `index` say which faults the step injected; `kind` is the finding's
// (kSignal, or kDataRace for ThreadSanitizer's report).
Signature crash_signature(const Op* pending, uint32_t index, const char* signal,
                          const std::vector<faults::CallRecord>& calls, FindingKind kind = FindingKind::kSignal);

}  // namespace mapfuzz
