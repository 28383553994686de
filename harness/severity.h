// How much bad luck a finding needs: the injected faults that fired, the
// outside events and disk conditions that applied in the steps up to it,
// and the most faults and in-call events that hit one library call (a
// rollback that fails after a failed growth needs two in one call). Counted
// from the executor's typed trace (StepRecord::causes and the steps' ops),
// never from report text. Reports print text(); triage groups by its class.
//
// Text form, one line, stable (scripts/lib/mapfuzz_tools/severity.py reads
// it):
//   "<class> (<F> fault(s), <E> outside event(s), <D> disk condition(s), at most <M> in one call)"
//   single (1 fault, 0 outside events, 0 disk conditions, at most 1 in one call)
//   compound (2 faults, 0 outside events, 0 disk conditions, at most 2 in one call)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faults/interpose.h"
#include "harness/finding.h"
#include "harness/op.h"
#include "harness/step_record.h"

namespace mapfuzz {

// What a finding needs, from the most likely in practice to the least. The
// order is the one summaries sort by.
enum class SeverityClass : uint8_t {
  kNone,      // no fault, outside event or disk condition: a plain bug
  kSingle,    // one injected fault
  kOutside,   // outside events or disk conditions (with at most one fault or event per call)
  kMultiple,  // several injected faults, each in a call of its own
  kCompound,  // two or more faults or in-call events within one library call
  kCount
};

// "none", "single", "outside", "multiple", "compound" (stable: scripts
// group by them).
const char* severity_class_name(SeverityClass c);

struct Severity {
  uint32_t faults = 0;           // injected failures that fired
  uint32_t outside_events = 0;   // outside events applied between operations or fired inside a call
  uint32_t disk_conditions = 0;  // `outside diskfull` / `outside sizelimit` that applied
  uint32_t max_in_one_call = 0;  // most injected failures plus in-call events within one step
  SeverityClass cls() const;
  // The text form above.
  std::string text() const;
  bool operator==(const Severity&) const = default;
};

// The severity of `finding` over the steps of `trace` up to and including
// its step (the whole trace for the end-of-run checks, finding.step -1):
// the steps of the program the report prints. Skipped steps count nothing;
// an outside event or disk condition counts when its step succeeded (an
// after-mmap event when it fired, in the step of the call it fired in).
Severity severity_of(const std::vector<StepRecord>& trace, const Finding& finding);

// The severity of a crash inside step `index` (not in `trace`): the steps of
// `trace` before it, plus the injected failures the fault layer's log
// `calls` holds for tag `index` (as one call).
Severity crash_severity(const std::vector<StepRecord>& trace, uint32_t index,
                        const std::vector<faults::CallRecord>& calls);

}  // namespace mapfuzz
