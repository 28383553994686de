#include "harness/runtime.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "faults/disk_full.h"
#include "faults/privileges.h"
#include "faults/signal_guard.h"
#include "harness/abandoned_memory.h"
#include "harness/sandbox.h"
#include "harness/subject.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAPFUZZ_HAS_ASAN 1
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

std::unique_ptr<Sandbox> g_sandbox;
std::unique_ptr<DiskConditions> g_disk;
std::string g_disk_note;
std::unique_ptr<faults::Outside> g_outside;
std::string g_outside_note;
bool g_in_call = false;
// Room on the sandbox's tmpfs when no program filled it: the largest file,
// a replacement of it, and a library's side files (locks, journals).
constexpr uint64_t kDiskCapacity = 4 * kMaxProgramFileSize + (8u << 20);
std::unique_ptr<Executor> g_executor;
const Program* g_program = nullptr;
const ReportContext* g_context = nullptr;
volatile sig_atomic_t g_reported = 0;

constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_previous[sizeof kCrashSignals / sizeof kCrashSignals[0]];

uint64_t env_size(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 0);
  if (*end != '\0' || n == 0) {
    std::fprintf(stderr, "mapfuzz: ignoring %s=%s (want a positive number of bytes)\n", name, v);
    return fallback;
  }
  return n;
}

// Fault modes are on unless the variable is "0".
bool env_on(const char* name) {
  const char* v = std::getenv(name);
  return !(v && std::strcmp(v, "0") == 0);
}

// Prints the report of the run in progress. Runs inside a signal handler on
// the way to a crash, so it only has to work, not be async-signal-safe.
void print_crash_report(const char* what) {
  if (g_reported || !g_program || !g_executor) return;
  g_reported = 1;
  faults::FileSizeLimit::lift_now();  // the reports below must not hit a program's size limit
  const auto& trace = g_executor->trace();
  const Op* pending = trace.size() < g_program->ops.size() ? &g_program->ops[trace.size()] : nullptr;
  Finding f{FindingKind::kSignal, static_cast<int64_t>(trace.size()), what};
  if (!pending) f.step = -1;
  ReportContext context = g_context ? *g_context : ReportContext{};
  if (context.save_on_crash) {
    context.artifact = save_program(context.artifact_prefix, minimal_program(trace, f, pending), f.kind);
    if (!context.artifact.empty()) {
      context.replay_command = cli_path(this_target().name) + " replay " + context.artifact;
    }
  }
  const std::string report = format_report(this_target().name, trace, f, context, pending);
  (void)!::write(STDERR_FILENO, report.data(), report.size());
}

void crash_handler(int sig, siginfo_t* info, void* ucontext) {
  char what[160];
  std::snprintf(what, sizeof what, "%s (si_code %d) at address %p while the library ran", strsignal(sig),
                info ? info->si_code : 0, info ? info->si_addr : nullptr);
  print_crash_report(what);
  // Pass the signal on to whoever handled it before (ASan, libFuzzer).
  for (size_t i = 0; i < sizeof kCrashSignals / sizeof kCrashSignals[0]; ++i) {
    if (kCrashSignals[i] != sig) continue;
    const struct sigaction& prev = g_previous[i];
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

[[maybe_unused]] void asan_report(const char*) { print_crash_report("AddressSanitizer report (above) while the library ran"); }

// A sanitizer that dies without a report of its own (an internal CHECK
// failure after the library unmapped the sanitizer's memory, say).
void sanitizer_death() { print_crash_report("the sanitizer runtime died (message above) while the library ran"); }

}  // namespace

Executor& executor() {
  if (!g_executor) {
    g_sandbox = std::make_unique<Sandbox>();
    RunOptions options;
    options.max_file_size = env_size("MAPFUZZ_MAX_FILE_SIZE", kMaxProgramFileSize);
    // The disk first: the private mount must be made while the process is
    // single-threaded and before the outside process is forked (it shares
    // the mount). MAPFUZZ_DISK_FULL=0 leaves the sandbox where it is.
    g_disk = std::make_unique<DiskConditions>();
    if (env_on("MAPFUZZ_DISK_FULL")) {
      const faults::MountStatus mounted = g_disk->mount(g_sandbox->dir(), kDiskCapacity);
      g_disk_note = mounted.ok() ? std::string("tmpfs in a ") + faults::LimitedTmpfs::how()
                                 : mounted.code == faults::MountStatus::Code::kSkipped ? "skipped: " + mounted.message
                                                                                       : "failed: " + mounted.message;
    } else {
      g_disk_note = "off (MAPFUZZ_DISK_FULL=0)";
    }
    options.disk = g_disk.get();
    // Outside events come from a long-lived helper process, or, where child
    // processes are not allowed (OSS-Fuzz: MAPFUZZ_OUTSIDE=in-process), from
    // this process through a second file descriptor.
    if (env_on("MAPFUZZ_OUTSIDE_EVENTS")) {
      const char* mode = std::getenv("MAPFUZZ_OUTSIDE");
#ifdef MAPFUZZ_OUTSIDE_DEFAULT_IN_PROCESS
      const bool allow_child = mode && std::strcmp(mode, "process") == 0;
#else
      const bool allow_child = !(mode && std::strcmp(mode, "in-process") == 0);
#endif
      g_outside = faults::make_outside(allow_child, g_sandbox->dir(), &fill_pattern, &g_outside_note);
      options.outside = g_outside.get();
    } else {
      g_outside_note = "MAPFUZZ_OUTSIDE_EVENTS=0";
    }
    options.in_call_events = g_in_call = env_on("MAPFUZZ_IN_CALL_EVENTS");
    g_executor = std::make_unique<Executor>(this_target(), g_sandbox->dir(), options);
    std::atexit(shutdown);
  }
  return *g_executor;
}

void set_current(const Program* program, const ReportContext* context) {
  g_program = program;
  g_context = context;
  if (program) g_reported = 0;
}

void install_crash_hooks(bool under_libfuzzer) {
  for (size_t i = 0; i < sizeof kCrashSignals / sizeof kCrashSignals[0]; ++i) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = crash_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(kCrashSignals[i], &sa, &g_previous[i]);
  }
#ifdef MAPFUZZ_HAS_ASAN
  if (__asan_set_error_report_callback) __asan_set_error_report_callback(asan_report);
#endif
  if (__sanitizer_set_death_callback && !under_libfuzzer) __sanitizer_set_death_callback(sanitizer_death);
  // The SIGBUS/SIGSEGV guard goes on top: faults on sandbox mappings become
  // attributed findings; anything else falls through to the hooks above.
  faults::SignalGuard::install();
  abandoned_memory::install();
}

void report_finding(const Finding& finding, ReportContext& context) {
  const Executor& ex = executor();
  context.artifact = save_program(context.artifact_prefix, minimal_program(ex.trace(), finding), finding.kind);
  if (!context.artifact.empty()) {
    context.replay_command = cli_path(this_target().name) + " replay " + context.artifact;
  }
  const std::string report = format_report(this_target().name, ex.trace(), finding, context);
  g_reported = 1;
  std::fputs(report.c_str(), stderr);
  std::fflush(stderr);
}

std::string fault_modes() {
  executor();
  std::string modes = "injected syscall faults; outside events (";
  modes += g_outside ? g_outside->mode() : "off";
  modes += g_outside_note.empty() ? "" : ": " + g_outside_note;
  if (g_outside) modes += g_in_call ? ", also right after the library's mmap" : ", at operation boundaries only";
  modes += "); real disk full (";
  modes += g_disk_note;
  modes += ") and RLIMIT_FSIZE; SIGBUS/SIGSEGV guard with attribution; real EACCES via ";
  modes += faults::overrides_permissions() ? "dropped DAC capabilities" : "permission bits";
  modes += "; sandbox in " + Sandbox::base_dir();
  return modes;
}

void shutdown() {
  if (g_executor && g_executor->hazards() > 0) {
    std::fprintf(stderr, "mapfuzz: %llu documented hazard(s): SIGBUS after another process truncated the file or "
                 "the disk filled up (the library does not claim to survive it)\n",
                 (unsigned long long)g_executor->hazards());
  }
  g_program = nullptr;
  g_executor.reset();
  g_outside.reset();
  g_disk.reset();  // unmounts before the sandbox directory is removed
  g_sandbox.reset();
}

}  // namespace mapfuzz::runtime
