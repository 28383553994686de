#include "harness/run/run_child.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faults/raw_syscalls.h"
#include "faults/record_line.h"
#include "faults/run_protocol.h"

extern char** environ;

namespace mapfuzz::run {
namespace {

namespace proto = faults::run;

std::string faults_env(const RunPlan& plan) {
  std::string s;
  for (const faults::FaultSpec& f : plan.faults) {
    if (!s.empty()) s += ';';
    s += std::to_string(static_cast<int>(f.call)) + ":" + std::to_string(f.err) + ":" + std::to_string(f.nth) +
         (f.persistent ? ":persistent" : ":once");
  }
  return s;
}

std::string events_env(const RunPlan& plan) {
  std::string s;
  for (const PlannedEvent& e : plan.events) {
    s += (s.empty() ? "" : ";") + std::string(e.trigger == Trigger::kAfterMmap ? "m" : "c") + std::to_string(e.after);
  }
  return s;
}

// The runner's environment without the variables a run sets itself.
std::vector<std::string> inherited_env() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var(*e);
    const std::string name = var.substr(0, var.find('='));
    if (name.rfind("MAPFUZZ_RUN_", 0) == 0 || name == proto::kEnvSandbox || name == "LD_PRELOAD") continue;
    if (name == "PYTHONFAULTHANDLER" || name == "ASAN_OPTIONS") continue;  // set below
    env.push_back(var);
  }
  return env;
}

// The user's ASAN_OPTIONS, and verify_asan_link_order=0.
std::string asan_options() {
  const char* old = std::getenv("ASAN_OPTIONS");
  return std::string("ASAN_OPTIONS=") + (old != nullptr && *old != '\0' ? std::string(old) + ":" : "") +
         "verify_asan_link_order=0";
}

[[noreturn]] void fail(int log_fd, const char* what) {
  const int err = errno;
  faults::detail::RecordLine line;
  line.text("exec-failed ").number(static_cast<uint64_t>(err)).space().text(what);
  line.emit(log_fd);
  _exit(127);
}

void drop_permission_override() {
  ::prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0);
  ::prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0);
}

}  // namespace

ChildSetup child_setup(const RunOptions& options, const RunPlan& plan, const std::string& preload,
                       const std::string& sandbox) {
  ChildSetup s;
  s.cwd = sandbox;
  s.env = inherited_env();
  const char* old_preload = std::getenv("LD_PRELOAD");
  const std::string ld_preload = preload + (old_preload && *old_preload ? std::string(":") + old_preload : "");
  std::vector<std::string> ours = {
      std::string(proto::kEnvSandbox) + "=" + sandbox,
      std::string(proto::kEnvLogFd) + "=" + std::to_string(proto::kLogFd),
      std::string(proto::kEnvEventFd) + "=" + std::to_string(proto::kEventFd),
      std::string(proto::kEnvFaults) + "=" + faults_env(plan),
      std::string(proto::kEnvEvents) + "=" + events_env(plan),
      "PYTHONFAULTHANDLER=1",
      // An ASan-built program wants its runtime first; the preload comes first.
      asan_options(),
  };
  std::string scope;
  for (const std::string& f : options.files) scope += (scope.empty() ? "" : "\n") + f;
  if (!scope.empty()) ours.push_back(std::string(proto::kEnvScope) + "=" + scope);
  s.env.insert(s.env.end(), ours.begin(), ours.end());
  if (options.gdb) {
    s.env.push_back(std::string(proto::kEnvPid) + "=0");
    s.argv = {"gdb", "-q", "-ex", "set startup-with-shell off", "-ex", "set breakpoint pending on",
              "-ex", "set environment LD_PRELOAD=" + ld_preload, "-ex", "break mapfuzz_fault_fired",
              "-ex", "break mapfuzz_event_due", "-ex", "run", "--args"};
    s.argv.insert(s.argv.end(), options.command.begin(), options.command.end());
    s.null_stdin = false;
  } else {
    s.env.push_back("LD_PRELOAD=" + ld_preload);
    s.argv = options.command;  // MAPFUZZ_RUN_PID: set in the child, which knows its pid
  }
  s.has_size_limit = options.has_size_limit;
  s.size_limit = options.size_limit;
  s.drop_dac_override = !options.keep_privileges && ::geteuid() == 0;
  s.runner = ::getpid();
  return s;
}

void exec_child(const ChildSetup& setup) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (::getppid() != setup.runner) _exit(127);  // the runner died before the line above
  const int log_fd = setup.log_fd;
  if (::dup2(setup.log_fd, proto::kLogFd) < 0 || ::dup2(setup.event_fd, proto::kEventFd) < 0) fail(log_fd, "dup2");
  if (setup.out_fd >= 0 && ::dup2(setup.out_fd, STDOUT_FILENO) < 0) fail(log_fd, "dup2");
  if (setup.err_fd >= 0 && ::dup2(setup.err_fd, STDERR_FILENO) < 0) fail(log_fd, "dup2");
  if (setup.null_stdin) {
    const int null = faults::sys::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
  }
  if (::chdir(setup.cwd.c_str()) != 0) fail(proto::kLogFd, "chdir");
  if (setup.has_size_limit) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit {};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = setup.size_limit < limit.rlim_max ? setup.size_limit : limit.rlim_max;
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) fail(proto::kLogFd, "setrlimit");
  }
  if (setup.drop_dac_override) drop_permission_override();
  std::vector<std::string> env = setup.env;
  if (setup.argv[0] != "gdb") env.push_back(std::string(proto::kEnvPid) + "=" + std::to_string(::getpid()));
  std::vector<char*> argv, envp;
  for (const std::string& a : setup.argv) argv.push_back(const_cast<char*>(a.c_str()));
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  ::execvpe(argv[0], argv.data(), envp.data());
  fail(proto::kLogFd, argv[0]);
}

}  // namespace mapfuzz::run
