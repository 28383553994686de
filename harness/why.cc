#include "harness/why.h"

#include "harness/explanations.h"

namespace mapfuzz {

FailedCall failed_call_of(const Finding& finding, const StepRecord* step) {
  if (finding.error > 0) return {finding.call ? finding.call : "", finding.error};
  if (!step) return {};
  const std::vector<Causes::InjectedCall>& injected = step->causes.injected();
  const Status& status = step->status;
  if (!status.ok()) {
    const char* call = status.call() ? status.call() : "the library";
    if (!explain::canonical_call(call)) {
      for (const Causes::InjectedCall& i : injected) {
        if (i.error == status.code()) return {faults::call_name(i.call), i.error};
      }
    }
    return {call, status.code()};
  }
  if (!injected.empty()) return {faults::call_name(injected.back().call), injected.back().error};
  return {};
}

std::string why_text(const Finding& finding, const StepRecord* step) {
  const std::string advice = explain::correct_library(finding.kind);
  if (finding.signo != 0) {
    return std::string(explain::signal_name(finding.signo)) + " " +
           explain::signal_code_name(finding.signo, finding.signal_code) + ": " +
           explain::signal_meaning(finding.signo, finding.signal_code) + ". " + advice;
  }
  const FailedCall failed = failed_call_of(finding, step);
  if (failed.call.empty()) return advice;
  return failed.call + " " + errno_name(failed.error) + ": " +
         explain::error_meaning(failed.call.c_str(), failed.error).text + ". " + advice;
}

}  // namespace mapfuzz
