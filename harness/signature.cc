#include "harness/signature.h"

#include <algorithm>

namespace mapfuzz {
namespace {

void normalise(std::vector<std::string>* tokens) {
  std::sort(tokens->begin(), tokens->end());
  tokens->erase(std::unique(tokens->begin(), tokens->end()), tokens->end());
}

}  // namespace

std::string Signature::text() const {
  std::string out = std::string(finding_name(kind)) + " " + op + " ";
  if (causes.empty()) return out + "-";
  for (size_t i = 0; i < causes.size(); ++i) out += (i ? "," : "") + causes[i];
  return out;
}

Signature signature_of(const Finding& finding, const StepRecord* step) {
  Signature s;
  s.kind = finding.kind;
  if (!step) return s;
  s.op = op_kind_name(step->op.kind);
  s.causes = step->causes.tokens();
  // A disk condition that held during a call that succeeded caused nothing,
  // unless the success is the bug (or a signal ended the call).
  const bool disk_may_cause = !step->status.ok() || finding.kind == FindingKind::kSwallowedError ||
                              finding.kind == FindingKind::kSignal;
  if (!disk_may_cause) std::erase_if(s.causes, [](const std::string& t) { return t.rfind("disk:", 0) == 0; });
  if (s.causes.empty() && !step->status.ok() && step->status.call()) {
    std::string call = step->status.call();  // an adapter's own name may hold spaces: "mmap.resize: OSError"
    std::replace_if(call.begin(), call.end(), [](char c) { return c == ' ' || c == '\t'; }, '_');
    s.causes.push_back("error:" + call);
  }
  normalise(&s.causes);
  return s;
}

Signature crash_signature(const Op* pending, uint32_t index, const char* signal,
                          const std::vector<faults::CallRecord>& calls, FindingKind kind) {
  Signature s;
  s.kind = kind;
  if (pending) s.op = op_kind_name(pending->kind);
  s.causes.push_back(signal);
  for (const faults::CallRecord& c : calls) {
    if (c.tag == index && c.injected) s.causes.push_back(std::string("fault:") + faults::call_name(c.call));
  }
  normalise(&s.causes);
  return s;
}

}  // namespace mapfuzz
