#include "harness/severity.h"

#include <algorithm>

namespace mapfuzz {
namespace {

std::string count(uint32_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// Adds what `step` needed to `s`.
void add_step(const StepRecord& step, Severity* s) {
  if (step.skipped) return;
  const uint32_t injected = static_cast<uint32_t>(step.causes.injected().size());
  const uint32_t in_call = step.causes.has(Cause::kInCallEvent) ? 1 : 0;
  s->faults += injected;
  s->outside_events += in_call;
  s->max_in_one_call = std::max(s->max_in_one_call, injected + in_call);
  const Op& op = step.op;
  if (op.kind != OpKind::kOutside || op.after_mmap || !step.status.ok()) return;
  if (faults::is_disk_condition(op.outside.kind)) {
    ++s->disk_conditions;
  } else {
    ++s->outside_events;  // between library calls: in none of them
  }
}

}  // namespace

const char* severity_class_name(SeverityClass c) {
  switch (c) {
    case SeverityClass::kNone: return "none";
    case SeverityClass::kSingle: return "single";
    case SeverityClass::kOutside: return "outside";
    case SeverityClass::kMultiple: return "multiple";
    case SeverityClass::kCompound: return "compound";
    case SeverityClass::kCount: break;
  }
  return "?";
}

SeverityClass Severity::cls() const {
  if (faults + outside_events + disk_conditions == 0) return SeverityClass::kNone;
  if (max_in_one_call >= 2) return SeverityClass::kCompound;
  if (outside_events + disk_conditions > 0) return SeverityClass::kOutside;
  return faults == 1 ? SeverityClass::kSingle : SeverityClass::kMultiple;
}

std::string Severity::text() const {
  return std::string(severity_class_name(cls())) + " (" + count(faults, "fault") + ", " +
         count(outside_events, "outside event") + ", " + count(disk_conditions, "disk condition") + ", at most " +
         std::to_string(max_in_one_call) + " in one call)";
}

Severity severity_of(const std::vector<StepRecord>& trace, const Finding& finding) {
  Severity s;
  for (const StepRecord& step : trace) {
    if (finding.step >= 0 && step.index > static_cast<uint64_t>(finding.step)) break;
    add_step(step, &s);
  }
  return s;
}

Severity crash_severity(const std::vector<StepRecord>& trace, uint32_t index,
                        const std::vector<faults::CallRecord>& calls) {
  Severity s;
  for (const StepRecord& step : trace) {
    if (step.index < index) add_step(step, &s);
  }
  uint32_t injected = 0;
  for (const faults::CallRecord& c : calls) injected += c.tag == index && c.injected;
  s.faults += injected;
  s.max_in_one_call = std::max(s.max_in_one_call, injected);
  return s;
}

}  // namespace mapfuzz
