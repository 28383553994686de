#include "harness/run/run_report.h"

#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "faults/status.h"
#include "harness/explanations.h"
#include "harness/run/run_frames.h"
#include "harness/run/run_verdict.h"

namespace mapfuzz::run {
namespace {

constexpr size_t kTraceLines = 24;
constexpr size_t kNativeFrames = 8;

std::string command_text(const RunOptions& o) {
  std::string s;
  for (const std::string& w : o.command) s += (s.empty() ? "" : " ") + shell_quote(w);
  return s;
}

std::string last_lines(const std::string& text, size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) out += "    " + lines[i] + "\n";
  return out;
}

std::string call_line(const CallLine& c, const std::string& sandbox) {
  std::string s = std::string(faults::call_name(c.call)) + " #" + std::to_string(c.count);
  if (c.fd >= 0) s += " fd " + std::to_string(c.fd);
  if (c.path != "-") s += " " + show_path(c.path, sandbox);
  if (c.call == faults::Call::kFtruncate) s += " size " + std::to_string(c.length);
  if (c.call == faults::Call::kMremap) s += " to length " + std::to_string(c.length);
  if (c.call == faults::Call::kMmap || c.call == faults::Call::kMsync || c.call == faults::Call::kWrite ||
      c.call == faults::Call::kFallocate || c.call == faults::Call::kMunmap || c.call == faults::Call::kMadvise) {
    s += " offset " + std::to_string(c.offset) + " length " + std::to_string(c.length);
  }
  s += c.err == 0 ? " -> ok" : std::string(" -> ") + errno_name(c.err) + (c.injected ? " (injected)" : "");
  return s;
}

// "cause:" and "why:" lines for the fault or event that fired.
std::string cause_lines(const RunOptions& options, const JudgedRun& run) {
  std::string s;
  if (options.has_disk_free) {
    s += "  cause: a full disk: the sandbox's own tmpfs had " + std::to_string(options.disk_free) +
         " bytes free at the start (--disk-free)\n";
  }
  if (options.has_size_limit) {
    s += "  cause: a file size limit of " + std::to_string(options.size_limit) + " bytes (--size-limit, RLIMIT_FSIZE)\n";
  }
  const Trace& t = run.trace;
  if (t.first_injected >= 0) {
    const CallLine& c = t.calls[static_cast<size_t>(t.first_injected)];
    s += "  cause: injected " + std::string(errno_name(c.err)) + " failed the program's " +
         call_line(c, run.result.sandbox) + "\n";
    s += "  why: " + std::string(faults::call_name(c.call)) + " " + errno_name(c.err) + ": " +
         explain::error_meaning(faults::call_name(c.call), c.err).text + "\n";
  }
  for (const EventDone& e : run.result.events) {
    const std::string what = e.index < run.plan->events.size() ? format_event(run.plan->events[e.index]) : "?";
    s += "  cause: another process: " + what + ", on " + show_path(e.path, run.result.sandbox) +
         (e.failure.empty() ? "" : " (could not: " + e.failure + ")") + "\n";
  }
  for (const faults::FaultSpec& f : run.plan->faults) {
    const uint64_t made = t.counts[static_cast<size_t>(f.call)];
    if (made < f.nth) {
      s += "  note: fault " + format_fault(f) + " never fired: the program made " + std::to_string(made) + " " +
           faults::call_name(f.call) + " call" + (made == 1 ? "" : "s") + " on scoped files\n";
    }
  }
  for (size_t i = 0; i < run.plan->events.size(); ++i) {
    bool done = false;
    for (const EventDone& e : run.result.events) done |= e.index == i;
    if (!done) s += "  note: event " + format_event(run.plan->events[i]) + " never came due\n";
  }
  const Imposed imposed = imposed_by(options);
  for (const CallLine& c : t.calls) {
    if (!c.injected && provoked(c, imposed)) {
      s += "  real error: the program's " + call_line(c, run.result.sandbox) + "\n";
      break;
    }
  }
  return s;
}

std::string what_line(const JudgedRun& run) {
  const RunResult& r = run.result;
  const Trace& t = run.trace;
  switch (run.verdict) {
    case Verdict::kHung:
      return "  what: still running after the time limit; killed\n";
    case Verdict::kCrashed: {
      std::string s = "  what: killed by " + std::string(explain::signal_name(r.signo));
      if (t.has_signal && t.signal.signo == r.signo) {
        s += std::string(" (") + explain::signal_code_name(t.signal.signo, t.signal.code) + ")";
        if (t.signal.scoped) {
          const bool past_end = t.signal.size >= 0 && t.signal.offset >= static_cast<uint64_t>(t.signal.size);
          s += " at file offset " + std::to_string(t.signal.offset) + " of " + show_path(t.signal.path, r.sandbox) +
               ", file size " + (t.signal.size >= 0 ? std::to_string(t.signal.size) : std::string("unknown")) +
               " then" + (t.signal.size < 0 ? "" : past_end ? " (past its end)" : " (inside the file: a page it could not back)");
        }
        s += std::string("\n  why: ") + explain::signal_meaning(t.signal.signo, t.signal.code);
      }
      return s + "\n";
    }
    case Verdict::kCheckFailed:
      return std::string("  what: the --check command failed after the run (") +
             (WIFEXITED(r.check_status) ? "exit status " + std::to_string(WEXITSTATUS(r.check_status))
                                        : std::string("killed")) + "); its output:\n" + last_lines(r.check_output, 10);
    case Verdict::kReported:
      return r.exit_code != 0 ? "  what: exit status " + std::to_string(r.exit_code) + "\n"
                              : "  what: exit 0, and its output names the error\n";
    case Verdict::kSwallowed:
      return "  what: exit 0, and its output does not name the error a scoped call failed with\n";
    default:
      return "  what: exit 0\n";
  }
}

std::string where_lines(const Trace& t) {
  std::string s;
  if (!t.pystack.empty()) {
    s += "  at (Python, innermost first):\n";
    for (const std::string& f : t.pystack) s += "    " + f + "\n";
  }
  if (!t.stack.empty()) {
    s += "  at (native, innermost first):\n";
    for (const std::string& f : describe_frames(t.stack, kNativeFrames)) s += "    " + f + "\n";
  }
  return s;
}

std::string trace_lines(const JudgedRun& run) {
  const auto& calls = run.trace.calls;
  std::string s = "  trace (the program's calls on scoped files";
  const size_t from = calls.size() > kTraceLines ? calls.size() - kTraceLines : 0;
  s += from > 0 ? ", the last " + std::to_string(kTraceLines) + " of " + std::to_string(calls.size()) + " recorded):\n" : "):\n";
  for (size_t i = from; i < calls.size(); ++i) s += "    " + call_line(calls[i], run.result.sandbox) + "\n";
  if (calls.empty()) s += "    (none: the program touched no scoped file)\n";
  return s;
}

}  // namespace

std::string invoked_as() {
  const char* v = std::getenv("MAPFUZZ_RUN_INVOKED_AS");
  return v != nullptr && *v != '\0' ? v : "mapfuzz-run";
}

// `File "/a/b/x.py", line 23 in main` as `x.py:23 main`.
static std::string compact_python_frame(const std::string& frame) {
  const size_t q1 = frame.find('"'), q2 = frame.find('"', q1 + 1);
  const size_t line = frame.find(", line ", q2), in = frame.find(" in ", q2);
  if (q1 == std::string::npos || q2 == std::string::npos || line == std::string::npos || in == std::string::npos) {
    return frame;
  }
  std::string file = frame.substr(q1 + 1, q2 - q1 - 1);
  if (const size_t slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
  return file + ":" + frame.substr(line + 7, in - line - 7) + " " + frame.substr(in + 4);
}

std::string where_short(const Trace& t) {
  if (!t.pystack.empty()) return compact_python_frame(t.pystack.front());
  if (!t.stack.empty()) return frame_key(parse_frame(t.stack.front()));
  return "";
}

JudgedRun judged(const RunOptions& options, const RunPlan* plan, RunResult&& result) {
  JudgedRun run;
  run.plan = plan;
  run.result = std::move(result);
  run.trace = parse_trace(run.result.log);
  run.verdict = judge(run.result, run.trace, imposed_by(options));
  return run;
}

Site site_of(const JudgedRun& run) {
  Site site;
  site.verdict = run.verdict;
  const Trace& t = run.trace;
  if (t.first_injected >= 0) {
    const CallLine& c = t.calls[static_cast<size_t>(t.first_injected)];
    site.cause = SiteCause::kFault;
    site.call = c.call;
    site.err = c.err;
    if (!t.pystack.empty()) {
      site.where = compact_python_frame(t.pystack.front());
    } else {
      // The program's own frames (not the C library's), innermost first.
      size_t kept = 0;
      for (const std::string& text : t.stack) {
        const NativeFrame f = parse_frame(text);
        if (is_runtime_frame(f) || kept == 4) continue;
        site.where += (kept++ ? " < " : "") + frame_key(f);
      }
    }
  } else if (!run.result.events.empty()) {
    const EventDone& e = run.result.events.front();
    site.cause = SiteCause::kEvent;
    if (e.index < run.plan->events.size()) site.event = run.plan->events[e.index].event.kind;
    site.where = e.index < run.plan->events.size() && run.plan->events[e.index].trigger == Trigger::kAfterCall
                     ? "after call #" + std::to_string(run.plan->events[e.index].after)
                     : "after mmap #" + std::to_string(e.mmap_number);
  }
  return site;
}

std::string describe_cause(const Site& site) {
  switch (site.cause) {
    case SiteCause::kFault:
      return std::string(faults::call_name(site.call)) + " " + errno_name(site.err);
    case SiteCause::kEvent:
      return std::string("outside ") + (site.event < faults::OutsideKind::kCount ? faults::outside_kind_name(site.event) : "?");
    case SiteCause::kNone:
      break;
  }
  return "-";
}

std::string replay_command(const RunOptions& options, const RunPlan& plan, bool gdb) {
  std::string s = invoked_as() + (gdb ? " --gdb" : "") + replay_options(options);
  for (const faults::FaultSpec& f : plan.faults) s += " --fault " + shell_quote(format_fault(f));
  for (const PlannedEvent& e : plan.events) s += " --outside " + shell_quote(format_event(e));
  return s + " -- " + command_text(options);
}

std::string report(const RunOptions& options, const JudgedRun& run) {
  std::string s = "==mapfuzz== " + std::string(verdict_name(run.verdict)) + ": `" + command_text(options) + "`";
  s += " (mapfuzz run, " + std::to_string(static_cast<int>(run.result.seconds * 1000)) + " ms)\n";
  s += cause_lines(options, run);
  if (run.trace.first_injected < 0 && run.result.events.empty() && !options.has_disk_free && !options.has_size_limit) {
    s += "  cause: none (no fault or event fired)\n";
  }
  s += what_line(run) + where_lines(run.trace) + trace_lines(run);
  if (!run.result.err.empty()) s += "  stderr (last lines):\n" + last_lines(run.result.err, 12);
  s += "  replay: " + replay_command(options, *run.plan, false) + "\n";
  s += "  debug: " + replay_command(options, *run.plan, true) + "\n";
  return s + "SUMMARY: mapfuzz run: " + verdict_name(run.verdict) + " in `" + command_text(options) + "`\n";
}

}  // namespace mapfuzz::run
