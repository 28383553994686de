#include "harness/property/isolated_run.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <rapidcheck/detail/Configuration.h>

#include "harness/exit_codes.h"
#include "harness/options.h"
#include "harness/report.h"
#include "harness/runtime.h"
#include "harness/text_codec.h"

namespace mapfuzz::property {
namespace {

[[noreturn]] void child_main(const State& initial, const Commands& commands, int out_fd, int kind_fd) {
  ::dup2(out_fd, STDERR_FILENO);
  ::close(out_fd);
  runtime::install_crash_hooks();
  Executor& ex = runtime::executor();
  const Program program = to_program(commands);
  ReportContext context;
  context.mode = "property";
  runtime::set_current(&program, &context);
  ex.begin();
  Sut sut{&ex, {}};
  rc::state::runAll(commands, initial, sut);
  Finding finding = sut.finding;
  if (finding) {
    ex.end();
  } else {
    finding = ex.finish();
  }
  if (finding) {
    const std::string report = format_report(this_target().name, ex.trace(), finding, context);
    (void)!::write(STDERR_FILENO, report.data(), report.size());
  }
  const uint8_t kind = static_cast<uint8_t>(finding.kind);
  (void)!::write(kind_fd, &kind, 1);
  ::_exit(exit_status(finding ? ExitCode::kFinding : ExitCode::kClean));
}

// Reads all of `fd` into `out`, then closes it.
void read_all(int fd, std::string* out) {
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
}

}  // namespace

IsolatedResult run_isolated(const State& initial, const Commands& commands) {
  IsolatedResult result;
  runtime::executor();  // the sandbox is made once, in the parent
  int fds[2], kind_fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.failed = true;
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  if (::pipe2(kind_fds, O_CLOEXEC) != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    result.failed = true;
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::close(kind_fds[0]);
    child_main(initial, commands, fds[1], kind_fds[1]);
  }
  ::close(fds[1]);
  ::close(kind_fds[1]);
  read_all(fds[0], &result.output);
  std::string kind;
  read_all(kind_fds[0], &kind);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
    result.output += "\n(the run was killed by " + std::string(strsignal(WTERMSIG(status))) + ")\n";
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  result.failed = result.exit_code != 0;
  if (result.failed) {
    const bool named = kind.size() == 1 && kind[0] > 0 && kind[0] < static_cast<char>(FindingKind::kCount);
    result.kind = named ? static_cast<FindingKind>(kind[0]) : FindingKind::kSignal;
  }
  return result;
}

void check_target_survives(bool with_faults) {
  State initial;
  initial.contract = this_target().contract;
  initial.faults = with_faults;
  const auto commands = *rc::state::gen::commands(initial, &gen_command);
  const IsolatedResult r = run_isolated(initial, commands);
  if (!r.failed) return;

  // Save the program of this (possibly shrunk) case; the last one saved is
  // the minimal counterexample rapidcheck reports.
  const FindingKind kind = r.kind;
  const std::string& dir = Options::from_environment().artifact_dir;
  const std::string prefix = dir.empty() ? "" : dir + "/";
  const std::string saved = save_program(prefix, to_program(commands), kind);
  std::string message = r.output;
  message += "  seed: rapidcheck seed=" + std::to_string(rc::detail::configuration().testParams.seed) +
             " (RC_PARAMS=\"seed=...\" regenerates; the 'reproduce' string below replays the shrunk case)\n";
  if (!saved.empty()) message += "  replay: " + cli_path(this_target().name) + " replay " + saved + "\n";
  RC_FAIL(message);
}

}  // namespace mapfuzz::property
