#include "harness/runtime.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "faults/disk_full.h"
#include "faults/privileges.h"
#include "faults/signal_guard.h"
#include "harness/abandoned_memory.h"
#include "harness/options.h"
#include "harness/sandbox.h"
#include "harness/subject.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAPFUZZ_HAS_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define MAPFUZZ_HAS_TSAN 1
#endif
#endif
#ifdef MAPFUZZ_HAS_ASAN
// Only in ASan builds: OSS-Fuzz rejects a UBSan-only binary that calls any
// __asan_ function.
extern "C" void __asan_set_error_report_callback(void (*callback)(const char*)) __attribute__((weak));
#endif
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace mapfuzz::runtime {
namespace {

constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr size_t kCrashSignalCount = sizeof kCrashSignals / sizeof kCrashSignals[0];
// Room on the sandbox's tmpfs when no program filled it: the largest file,
// a replacement of it, and a library's side files (locks, journals).
constexpr uint64_t kDiskCapacity = 4 * kMaxProgramFileSize + (8u << 20);

// "MAPFUZZ_DISK_FULL=0": how to turn a mode off, from the option table.
std::string off_with(const char* variable) { return std::string(variable) + "=" + option_type::Switch::show(false); }

// Everything the process-wide glue keeps: the options, the sandbox and what
// sits on it (disk conditions, outside events, the executor), the program
// running now for the crash hooks, and the handlers they chain to. One
// instance per process (Runtime::get()).
class Runtime {
 public:
  explicit Runtime(const Options& options) : options_(options) {}

  // The one instance, made on first use and never destroyed: the crash
  // handlers may run during exit, after shutdown(), and must still find the
  // handlers to chain to.
  static Runtime& get();
  // The instance if it exists, for the signal handlers (which cannot make
  // one); null before the first get().
  static Runtime* if_made() { return instance_; }

  Executor& executor();
  void set_current(const Program* program, const ReportContext* context);
  void install_crash_hooks(bool under_libfuzzer);
  void report_finding(const Finding& finding, ReportContext& context);
  std::string fault_modes();
  void shutdown();

  // Prints the report of the run in progress. Runs inside a signal handler
  // on the way to a crash, so it only has to work, not be async-signal-safe.
  // `signal` names what ended the run in the signature ("SIGSEGV",
  // "sanitizer", "sanitizer-death"); `signo` and `signal_code` are the
  // signal and its si_code (0 for a sanitizer's death).
  void print_crash_report(const char* what, const char* signal, int signo = 0, int signal_code = 0,
                          FindingKind kind = FindingKind::kSignal);
  // Passes `sig` on to the handler that was there before ours.
  void chain(int sig, siginfo_t* info, void* ucontext);

 private:
  // A signal handler takes no argument and may run at any moment (a crash
  // inside the library, an ASan report, exit): this pointer is how it
  // reaches the program running, the executor's trace and the handlers it
  // chains to. Set once by get(), never reset.
  static Runtime* instance_;

  const Options options_;
  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<DiskConditions> disk_;
  std::string disk_note_;
  std::unique_ptr<faults::Outside> outside_;
  std::string outside_note_;
  std::unique_ptr<Executor> executor_;
  const Program* program_ = nullptr;
  const ReportContext* context_ = nullptr;
  volatile sig_atomic_t reported_ = 0;
  struct sigaction previous_[kCrashSignalCount] = {};
};

Runtime* Runtime::instance_ = nullptr;

Runtime& Runtime::get() {
  static Runtime* const runtime = instance_ = new Runtime(Options::from_environment());
  return *runtime;
}

Executor& Runtime::executor() {
  if (executor_) return *executor_;
  sandbox_ = std::make_unique<Sandbox>();
  RunOptions run;
  run.max_file_size = options_.max_file_size;
  // The disk first: the private mount must be made while the process is
  // single-threaded and before the outside process is forked (it shares the
  // mount). With the disk-full mode off the sandbox stays where it is.
  disk_ = std::make_unique<DiskConditions>();
  if (options_.disk_full) {
    const Status mounted = disk_->mount(sandbox_->dir(), kDiskCapacity);
    disk_note_ = mounted.ok() ? std::string("tmpfs in a ") + faults::LimitedTmpfs::how()
                 : disk_->mount_skipped() ? "skipped: " + disk_->unavailable_reason()
                                          : "failed: " + disk_->unavailable_reason();
  } else {
    disk_note_ = "off: " + off_with(OptionName::disk_full);
  }
  run.disk = disk_.get();
  // Outside events come from a long-lived helper process, or, where child
  // processes are not allowed (OSS-Fuzz: in-process by default), from this
  // process through a second file descriptor.
  if (options_.outside_events) {
    outside_ = faults::make_outside(options_.outside == OutsideMode::kProcess, sandbox_->dir(), &fill_pattern,
                                    &outside_note_);
    run.outside = outside_.get();
  } else {
    outside_note_ = off_with(OptionName::outside_events);
  }
  run.in_call_events = options_.in_call_events;
  run.max_faults_per_op = options_.max_faults_per_op;
  executor_ = std::make_unique<Executor>(this_target(), sandbox_->dir(), run);
  std::atexit(runtime::shutdown);
  return *executor_;
}

void Runtime::set_current(const Program* program, const ReportContext* context) {
  program_ = program;
  context_ = context;
  if (program) reported_ = 0;
}

void Runtime::print_crash_report(const char* what, const char* signal, int signo, int signal_code, FindingKind kind) {
  if (reported_ || !program_ || !executor_) return;
  reported_ = 1;
  faults::FileSizeLimit::lift_now();  // the reports below must not hit a program's size limit
  const auto& trace = executor_->trace();
  // The op running, or its whole concurrent group (the race needs all of it).
  const std::vector<Op>& ops = program_->ops;
  size_t end = trace.size() < ops.size() ? trace.size() + 1 : trace.size();
  while (end < ops.size() && ops[end].concurrent) ++end;
  const std::span<const Op> running(ops.data() + std::min(trace.size(), ops.size()), end - std::min(trace.size(), ops.size()));
  const Op* pending = running.empty() ? nullptr : running.data();
  Finding f{kind, static_cast<int64_t>(trace.size()), what};
  f.signo = signo;
  f.signal_code = signal_code;
  if (!pending) f.step = -1;
  ReportContext context = context_ ? *context_ : ReportContext{};
  if (context.save_on_crash) {
    context.artifact = save_program(context.artifact_prefix, minimal_program(trace, f, running), f.kind);
    if (!context.artifact.empty()) {
      context.replay_command = cli_path(this_target().name) + " replay " + context.artifact;
    }
  }
  const Signature signature = crash_signature(pending, static_cast<uint32_t>(trace.size()), signal, faults::call_log(), kind);
  const Severity severity = crash_severity(trace, static_cast<uint32_t>(trace.size()), faults::call_log());
  const std::string report = format_report(this_target().name, trace, f, context, running, &signature, &severity);
  (void)!::write(STDERR_FILENO, report.data(), report.size());
}

void Runtime::chain(int sig, siginfo_t* info, void* ucontext) {
  for (size_t i = 0; i < kCrashSignalCount; ++i) {
    if (kCrashSignals[i] != sig) continue;
    const struct sigaction& prev = previous_[i];
    if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
      prev.sa_sigaction(sig, info, ucontext);
      return;
    }
    if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler) {
      prev.sa_handler(sig);
      return;
    }
    ::sigaction(sig, &prev, nullptr);
    ::raise(sig);
  }
}

void crash_handler(int sig, siginfo_t* info, void* ucontext) {
  Runtime* runtime = Runtime::if_made();
  if (!runtime) return;  // cannot happen: the handler is installed through the instance
  char what[160];
  std::snprintf(what, sizeof what, "%s (si_code %d) at address %p while the library ran", strsignal(sig),
                info ? info->si_code : 0, info ? info->si_addr : nullptr);
  runtime->print_crash_report(what, signal_token(sig), sig, info ? info->si_code : 0);
  // Pass the signal on to whoever handled it before (ASan, libFuzzer).
  runtime->chain(sig, info, ucontext);
}

[[maybe_unused]] void asan_report(const char*) {
  if (Runtime* runtime = Runtime::if_made()) runtime->print_crash_report("AddressSanitizer report (above) while the library ran", "sanitizer");
}

}  // namespace

#ifdef MAPFUZZ_HAS_TSAN
// ThreadSanitizer builds (the tsan preset): a data race ends the run like any
// finding (halt_on_error; libFuzzer keeps the input), and the crash report
// printed from a signal handler is not itself reported; it exits 1, as
// every finding does (harness/exit_codes.h). Its lock-order checker is off:
// after thousands of inputs with the harness's hidden locks (faults/
// tsan_hidden.h) its bookkeeping failed an internal CHECK and the process
// hung in its own report (seen in a fork-mode run).
// clang 14 instruments libFuzzer's coverage counters (a section after the
// executable's data, which ThreadSanitizer names by the symbol before it,
// __TMC_END__): every racing call of a group bumps them unordered. They are
// libFuzzer's, not the library's.
extern "C" const char* __tsan_default_suppressions() { return "race:__TMC_END__\n"; }
extern "C" const char* __tsan_default_options() { return "halt_on_error=1:report_signal_unsafe=0:exitcode=1:detect_deadlocks=0"; }

// Every sanitizer report ends with this summary line; a data race's becomes
// a data-race finding (ThreadSanitizer printed both stacks above it).
extern "C" void __sanitizer_report_error_summary(const char* summary) {
  (void)!::write(STDERR_FILENO, summary, std::strlen(summary));
  (void)!::write(STDERR_FILENO, "\n", 1);
  if (std::strstr(summary, "ThreadSanitizer: data race") == nullptr) return;
  if (Runtime* runtime = Runtime::if_made()) {
    runtime->print_crash_report("ThreadSanitizer saw a data race (both stacks above) while the library ran", "data-race",
                                0, 0, FindingKind::kDataRace);
  }
}
#endif

namespace {

// A sanitizer that dies without a report of its own (an internal CHECK
// failure after the library unmapped the sanitizer's memory, say).
void sanitizer_death() {
  if (Runtime* runtime = Runtime::if_made()) {
    runtime->print_crash_report("the sanitizer runtime died (message above) while the library ran",
                                "sanitizer-death");
  }
}

void Runtime::install_crash_hooks(bool under_libfuzzer) {
  for (size_t i = 0; i < kCrashSignalCount; ++i) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = crash_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(kCrashSignals[i], &sa, &previous_[i]);
  }
#ifdef MAPFUZZ_HAS_ASAN
  if (__asan_set_error_report_callback) __asan_set_error_report_callback(asan_report);
#endif
  if (__sanitizer_set_death_callback && !under_libfuzzer) __sanitizer_set_death_callback(sanitizer_death);
  // The SIGBUS/SIGSEGV guard goes on top: faults on sandbox mappings become
  // attributed findings; anything else falls through to the hooks above.
  (void)faults::SignalGuard::install();
  abandoned_memory::install();
}

void Runtime::report_finding(const Finding& finding, ReportContext& context) {
  const Executor& ex = executor();
  if (context.save_on_crash) {
    context.artifact = save_program(context.artifact_prefix, minimal_program(ex.trace(), finding), finding.kind);
  }
  if (!context.artifact.empty()) {
    context.replay_command = cli_path(this_target().name) + " replay " + context.artifact;
  }
  const std::string report = format_report(this_target().name, ex.trace(), finding, context);
  reported_ = 1;
  std::fputs(report.c_str(), stderr);
  std::fflush(stderr);
}

std::string Runtime::fault_modes() {
  executor();
  std::string modes = "injected syscall faults";
  if (options_.max_faults_per_op != 0) {
    modes += " (at most " + option_type::Limit::show(options_.max_faults_per_op) + " per operation: " +
             OptionName::max_faults_per_op + ")";
  }
  modes += "; outside events (";
  if (outside_) {
    modes += outside_->mode();
    if (!outside_note_.empty()) modes += ": " + outside_note_;
    if (options_.in_call_events) {
      modes += ", also right after the library's mmap; off with " + off_with(OptionName::outside_events) +
               ", the after-mmap ones with " + off_with(OptionName::in_call_events);
    } else {
      modes += ", at operation boundaries only: " + off_with(OptionName::in_call_events) + "; off with " +
               off_with(OptionName::outside_events);
    }
  } else {
    modes += "off: " + outside_note_;
  }
  modes += "); real disk full (" + disk_note_;
  if (options_.disk_full) modes += "; off with " + off_with(OptionName::disk_full);
  modes += ") and RLIMIT_FSIZE; SIGBUS/SIGSEGV guard with attribution; real EACCES via ";
  modes += faults::overrides_permissions() ? "dropped DAC capabilities" : "permission bits";
  modes += "; sandbox in " + Sandbox::base_dir();
  return modes;
}

void Runtime::shutdown() {
  if (executor_ && executor_->hazards() > 0) {
    std::fprintf(stderr, "mapfuzz: %llu documented hazard(s): SIGBUS after another process truncated the file or "
                 "the disk filled up (the library does not claim to survive it)\n",
                 (unsigned long long)executor_->hazards());
  }
  program_ = nullptr;
  executor_.reset();
  outside_.reset();
  disk_.reset();  // unmounts before the sandbox directory is removed
  sandbox_.reset();
}

}  // namespace

Executor& executor() { return Runtime::get().executor(); }

void set_current(const Program* program, const ReportContext* context) {
  Runtime::get().set_current(program, context);
}

void install_crash_hooks(bool under_libfuzzer) { Runtime::get().install_crash_hooks(under_libfuzzer); }

void report_finding(const Finding& finding, ReportContext& context) {
  Runtime::get().report_finding(finding, context);
}

std::string fault_modes() { return Runtime::get().fault_modes(); }

void shutdown() {
  if (Runtime* runtime = Runtime::if_made()) runtime->shutdown();
}

}  // namespace mapfuzz::runtime
