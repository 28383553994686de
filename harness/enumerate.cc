#include "harness/enumerate.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>

#include "faults/interpose.h"
#include "harness/report.h"
#include "harness/runtime.h"
#include "harness/status.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

// The kind of the op at `step` of the run just made (kCount: none).
OpKind op_at(const std::vector<StepRecord>& trace, int64_t step) {
  if (step < 0 || static_cast<uint64_t>(step) >= trace.size()) return OpKind::kCount;
  return trace[static_cast<size_t>(step)].op.kind;
}

// The step whose injected failure a finding at `step` (-1: end of run) is
// blamed on: the last injection at or before it (a persistent fault fires
// again and again), else the first one; -1 if none fired.
int64_t blamed_step(int64_t step) {
  int64_t first = -1, last = -1;
  for (const faults::CallRecord& r : faults::call_log()) {
    if (!r.injected) continue;
    if (first < 0) first = r.tag;
    if (step < 0 || r.tag <= step) last = r.tag;
  }
  return last >= 0 ? last : first;
}

}  // namespace

std::string describe(const FindingSite& s) {
  std::string t = finding_name(s.kind);
  t += s.failing_op == OpKind::kCount ? " at the end-of-run checks" : std::string(" in ") + op_kind_name(s.failing_op);
  if (s.call == faults::Call::kCount) return t + ", no fault";
  t += std::string(", ") + faults::call_name(s.call) + " failed";
  t += s.fired_in == OpKind::kCount ? " (the fault never fired)" : std::string(" in ") + op_kind_name(s.fired_in);
  return t;
}

Program strip_faults(const Program& program) {
  Program out;
  out.ops.reserve(program.ops.size());
  for (const Op& op : program.ops) {
    if (op.kind != OpKind::kFault) out.ops.push_back(op);
  }
  return out;
}

std::vector<faults::FaultSpec> fault_schedule(const CallCounts& counts, ErrnoSet errnos) {
  std::vector<faults::FaultSpec> out;
  for (size_t c = 0; c < kCallKinds; ++c) {
    const auto call = static_cast<faults::Call>(c);
    size_t n = 0;
    const int* list = faults::realistic_errnos(call, &n);
    if (errnos == ErrnoSet::kFirst && n > 1) n = 1;
    const uint64_t count = std::min<uint64_t>(counts[c], UINT16_MAX);
    for (uint64_t k = 1; k <= count; ++k) {
      for (size_t e = 0; e < n; ++e) {
        const auto nth = static_cast<uint16_t>(k);
        out.push_back({call, nth, list[e], false});
        if (const faults::FaultSpec always{call, nth, list[e], true}; faults::ends_retries(always)) {
          out.push_back(always);
        }
      }
    }
  }
  return out;
}

Enumerator::Enumerator(Executor& executor, EnumerateOptions options)
    : executor_(executor), options_(std::move(options)) {}

void Enumerator::enumerate(const std::string& name, const Program& input, size_t position, size_t of) {
  ++programs_;
  runs_.clear();
  counts_.fill(0);
  const std::string where = of > 0 ? "[" + std::to_string(position) + "/" + std::to_string(of) + "] " + name : name;

  // The plain run: its findings are the library's own; its calls are the
  // ones to fail.
  Program program = strip_faults(input);
  const EnumeratedRun plain = run_one(name, program, false);
  if (const StepRecord* skipped = executor_.first_unavailable_step()) {
    ++inconclusive_;
    if (options_.progress) {
      std::fprintf(options_.progress, "== %s: inconclusive: step %u (%s) skipped: %s\n", where.c_str(),
                   skipped->index, format_op(skipped->op).c_str(), skipped->skipped);
    }
  }
  if (plain.kind != FindingKind::kNone) {
    if (options_.progress) {
      std::fprintf(options_.progress, "== %s: the plain run (no fault) gives %s (finding #%zu); not enumerated\n",
                   where.c_str(), finding_name(plain.kind), plain.distinct);
      std::fflush(options_.progress);
    }
    return;
  }
  const uint32_t destroyed = static_cast<uint32_t>(executor_.trace().size());
  uint64_t total_calls = 0;
  for (const faults::CallRecord& r : faults::call_log()) {
    if (r.tag >= destroyed) continue;  // made while the library was destroyed
    ++counts_[static_cast<size_t>(r.call)];
    ++total_calls;
  }
  const std::vector<faults::FaultSpec> schedule = fault_schedule(counts_, options_.errnos);

  if (options_.progress) {
    std::string calls;
    for (size_t c = 0; c < kCallKinds; ++c) {
      if (counts_[c] == 0) continue;
      calls += calls.empty() ? "" : ", ";
      calls += faults::call_name(static_cast<faults::Call>(c));
      calls += " " + std::to_string(counts_[c]);
    }
    std::fprintf(options_.progress, "== %s: %zu ops, %" PRIu64 " calls (%s), %zu runs\n", where.c_str(),
                 program.ops.size(), total_calls, calls.c_str(), schedule.size());
    std::fflush(options_.progress);
  }
  if (options_.table && !schedule.empty()) {
    std::fprintf(options_.table, "  %-10s %4s  %-7s %-11s %-18s %s\n", "call", "nth", "errno", "mode", "fired in",
                 "outcome");
  }

  // The faulted runs: one program, its first op rewritten per run.
  program.ops.insert(program.ops.begin(), Op{.kind = OpKind::kFault});
  runs_.reserve(schedule.size());
  for (const faults::FaultSpec& fault : schedule) {
    program.ops[0].fault = fault;
    runs_.push_back(run_one(name, program, true));
    print_row(program, runs_.back());
  }
}

EnumeratedRun Enumerator::run_one(const std::string& name, const Program& program, bool faulted) {
  EnumeratedRun run;
  if (faulted) run.fault = program.ops[0].fault;
  ReportContext crash_context;
  if (options_.crash_reports) {
    crash_context.mode = "enumerate";
    crash_context.seed = "program " + name + (faulted ? " with " + format_op(program.ops[0]) : "");
    crash_context.artifact_prefix = options_.artifact_prefix;
    crash_context.save_on_crash = true;
    runtime::set_current(&program, &crash_context);
  }
  const Finding finding = executor_.run(program);
  if (options_.crash_reports) runtime::set_current(nullptr, nullptr);
  ++total_runs_;

  // The log outlives the run until the next one starts.
  for (const faults::CallRecord& r : faults::call_log()) {
    if (r.injected) {
      run.fired_step = r.tag;
      break;
    }
  }
  run.kind = finding.kind;
  if (finding) run.distinct = record_finding(name, program, faulted, finding, blamed_step(finding.step));
  return run;
}

size_t Enumerator::record_finding(const std::string& name, const Program& program, bool faulted,
                                  const Finding& finding, int64_t fired_step) {
  const std::vector<StepRecord>& trace = executor_.trace();
  FindingSite site;
  site.kind = finding.kind;
  site.failing_op = op_at(trace, finding.step);
  if (faulted) {
    site.call = program.ops[0].fault.call;
    site.fired_in = op_at(trace, fired_step);
  }
  for (size_t i = 0; i < findings_.size(); ++i) {
    if (findings_[i].site == site) {
      ++findings_[i].runs;
      return i + 1;
    }
  }

  DistinctFinding d;
  d.site = site;
  d.finding = finding;
  d.program_name = name;
  d.faulted = faulted;
  if (faulted) d.fault = program.ops[0].fault;
  d.runs = 1;
  d.severity = severity_of(trace, finding);
  d.artifact = save_program(options_.artifact_prefix, minimal_program(trace, finding), finding.kind);
  findings_.push_back(d);

  if (options_.reports) {
    const char* target = executor_.target().name;
    ReportContext context;
    context.mode = "enumerate";
    context.seed = "program " + name + (faulted ? " with " + format_op(program.ops[0]) : " (no fault)") +
                   "; finding #" + std::to_string(findings_.size()) + ": " + describe(site);
    context.artifact = d.artifact;
    if (!d.artifact.empty()) context.replay_command = cli_path(target) + " replay " + d.artifact;
    if (options_.table) std::fflush(options_.table);
    std::fputs(format_report(target, trace, finding, context).c_str(), options_.reports);
    std::fflush(options_.reports);
  }
  return findings_.size();
}

void Enumerator::print_row(const Program& program, const EnumeratedRun& run) {
  if (!options_.table) return;
  std::string fired = "-";
  if (run.fired_step >= 0) {
    const OpKind kind = run.fired_step < static_cast<int64_t>(program.ops.size())
                            ? program.ops[static_cast<size_t>(run.fired_step)].kind
                            : OpKind::kClose;  // the executor's closing step at the end
    fired = "step " + std::to_string(run.fired_step) + " " + op_kind_name(kind);
  }
  std::string outcome = "clean";
  if (run.kind != FindingKind::kNone) {
    outcome = std::string(finding_name(run.kind)) + " #" + std::to_string(run.distinct);
  }
  std::fprintf(options_.table, "  %-10s %4u  %-7s %-11s %-18s %s\n", faults::call_name(run.fault.call),
               static_cast<unsigned>(run.fault.nth), errno_name(run.fault.err),
               run.fault.persistent ? "persistent" : "once", fired.c_str(), outcome.c_str());
  std::fflush(options_.table);
}

std::string Enumerator::summary() const {
  auto count = [](size_t n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  std::string out = "enumerated " + count(total_runs_, "run") + " over " + count(programs_, "program") + ": " +
                    count(findings_.size(), "distinct finding");
  if (inconclusive_ > 0) {
    out += "; " + std::to_string(inconclusive_) + " inconclusive (a fault mode a program needs is unavailable here)";
  }
  return out;
}

}  // namespace mapfuzz
