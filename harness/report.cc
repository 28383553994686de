#include "harness/report.h"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdio>

#include "harness/artifact_file.h"
#include "harness/text_codec.h"
#include "harness/why.h"

namespace mapfuzz {
namespace {

std::string expectation_text(const StepRecord& s) {
  char buf[128];
  if (s.expected.must_fail) {
    std::snprintf(buf, sizeof buf, "fail, size %llu", (unsigned long long)s.model_size_before);
  } else if (s.op.kind == OpKind::kRead) {
    std::snprintf(buf, sizeof buf, "ok, %llu bytes", (unsigned long long)s.expected.read_length);
  } else {
    std::snprintf(buf, sizeof buf, "ok, size %llu", (unsigned long long)s.expected.size_after);
  }
  return buf;
}

std::string answer_text(const StepRecord& s) {
  char buf[160];
  if (s.op.kind == OpKind::kRead && s.status.ok()) {
    std::snprintf(buf, sizeof buf, "ok, %llu bytes", (unsigned long long)s.read_got);
  } else {
    std::snprintf(buf, sizeof buf, "%s, size %llu", s.status.ok() ? "ok" : s.status.describe().c_str(),
                  (unsigned long long)s.size_after);
  }
  return buf;
}

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

Program minimal_program(const std::vector<StepRecord>& trace, const Finding& finding, std::span<const Op> pending) {
  Program p;
  for (const StepRecord& s : trace) {
    // After the failing step, only the rest of its concurrent group: the
    // race needs all of it.
    const bool past = finding.step >= 0 && s.index > static_cast<uint64_t>(finding.step);
    if (past && !s.op.concurrent) break;
    if (!s.skipped) p.ops.push_back(s.op);
  }
  p.ops.insert(p.ops.end(), pending.begin(), pending.end());
  return p;
}

std::string format_step(const StepRecord& s) {
  std::string line = "step " + std::to_string(s.index) + ": " + format_op(s.op);
  if (s.skipped) return line + "  (skipped: " + s.skipped + ")";
  if (s.op.kind == OpKind::kFault) return line + "  (armed)";
  line += "\n    model: " + expectation_text(s) + "    library: " + answer_text(s);
  if (s.serial_position) {
    line += "\n    raced: its group's outcome matches the serial order with this call " +
            std::to_string(s.serial_position) + (s.serial_position == 1 ? "st" : s.serial_position == 2 ? "nd" : "rd");
  }
  if (s.causes.any()) line += "\n    events: " + s.causes.describe();
  if (s.hazard) line += "\n    verdict: documented hazard (the library does not claim to survive this outside truncation or full disk)";
  return line;
}

std::string format_report(const char* target_name, const std::vector<StepRecord>& trace,
                          const Finding& finding, const ReportContext& context, std::span<const Op> pending,
                          const Signature* signature, const Severity* severity) {
  const Program minimal = minimal_program(trace, finding, pending);
  const StepRecord* failing = nullptr;
  for (const StepRecord& s : trace) {
    if (finding.step >= 0 && s.index == finding.step) failing = &s;
  }
  std::string r;
  r += "==mapfuzz== ERROR: ";
  r += finding_name(finding.kind);
  r += " in target '";
  r += target_name;
  r += "' (" + context.mode + ")\n";
  if (finding.step >= 0) {
    const Op* op = failing ? &failing->op : pending.empty() ? nullptr : pending.data();
    r += "  at step " + std::to_string(finding.step) + ": " + (op ? format_op(*op) : std::string("?")) + "\n";
    if (failing && failing->causes.any()) r += "  events: " + failing->causes.describe() + "\n";
  } else {
    r += "  at the end-of-run checks\n";
  }
  r += "  what: " + finding.detail + "\n";
  r += "  why: " + why_text(finding, failing) + "\n";
  r += "  signature: " + (signature ? *signature : signature_of(finding, failing)).text() + "\n";
  r += "  severity: " + (severity ? *severity : severity_of(trace, finding)).text() + "\n";
  r += "  trace (" + std::to_string(minimal.ops.size()) + " ops, text form):\n";
  for (const Op& op : minimal.ops) r += "    " + format_op(op) + "\n";
  if (!context.seed.empty()) r += "  seed: " + context.seed + "\n";
  if (!context.artifact.empty()) r += "  program saved: " + context.artifact + "\n";
  if (!context.replay_command.empty()) r += "  replay: " + context.replay_command + "\n";
  r += "SUMMARY: mapfuzz: ";
  r += finding_name(finding.kind);
  r += finding.step >= 0 ? " at step " + std::to_string(finding.step) : std::string(" at end of run");
  r += " in ";
  r += target_name;
  r += "\n";
  return r;
}

std::string save_program(const std::string& prefix, const Program& program, FindingKind kind) {
  const std::string text = format_program(program);
  char name[96];
  std::snprintf(name, sizeof name, "mapfuzz-%s-%016llx.txt", finding_name(kind),
                (unsigned long long)fnv1a(text));
  std::string path = prefix + name;
  if (path[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) path = std::string(cwd) + "/" + path;
  }
  if (const Status written = write_file_atomically(path, text); !written.ok()) {
    std::fprintf(stderr, "mapfuzz: %s\n", write_error(path, written).c_str());
    return "";
  }
  return path;
}

std::string cli_path(const char* target_name) {
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string dir = ".";
  if (n > 0) {
    dir.assign(exe, static_cast<size_t>(n));
    dir.erase(dir.rfind('/'));
  }
  return dir + "/mapfuzz-" + target_name;
}

}  // namespace mapfuzz
