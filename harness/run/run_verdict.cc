#include "harness/run/run_verdict.h"

#include <sys/wait.h>

#include <cstring>
#include <string>

#include <cctype>
#include <cerrno>

#include "faults/status.h"

namespace mapfuzz::run {

bool names_errno(const std::string& output, int err) {
  if (err <= 0) return false;
  const char* text = std::strerror(err);
  if (text != nullptr && output.find(text) != std::string::npos) return true;
  if (output.find("[Errno " + std::to_string(err) + "]") != std::string::npos) return true;
  const std::string name = errno_name(err);
  for (size_t at = output.find(name); !name.empty() && at != std::string::npos; at = output.find(name, at + 1)) {
    const auto word = [&](size_t i) { return i < output.size() && (std::isalnum(static_cast<unsigned char>(output[i])) || output[i] == '_'); };
    if ((at == 0 || !word(at - 1)) && !word(at + name.size())) return true;
  }
  return false;
}

Imposed imposed_by(const RunOptions& options) { return {options.has_disk_free, options.has_size_limit}; }

bool provoked(const CallLine& call, const Imposed& imposed) {
  if (call.err == 0) return false;
  if (call.injected || call.after_event) return true;
  if (imposed.disk_full && (call.err == ENOSPC || call.err == EDQUOT)) return true;
  return imposed.size_limit && call.err == EFBIG;
}

Verdict judge(const RunResult& result, const Trace& trace, const Imposed& imposed) {
  if (result.end == RunResult::End::kTimedOut) return Verdict::kHung;
  if (result.end == RunResult::End::kSignaled) return Verdict::kCrashed;
  if (result.check_ran && result.check_status != 0) return Verdict::kCheckFailed;
  if (result.exit_code != 0) return Verdict::kReported;
  bool failed = false;
  const std::string output = result.out + result.err;
  for (const CallLine& c : trace.calls) {
    if (!provoked(c, imposed)) continue;
    failed = true;
    if (names_errno(output, c.err)) return Verdict::kReported;
  }
  return failed ? Verdict::kSwallowed : Verdict::kClean;
}

}  // namespace mapfuzz::run
