#include "harness/property/isolated_run.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <rapidcheck/detail/Configuration.h>

#include "harness/options.h"
#include "harness/report.h"
#include "harness/runtime.h"
#include "harness/text_codec.h"

namespace mapfuzz::property {
namespace {

[[noreturn]] void child_main(const State& initial, const Commands& commands, int out_fd) {
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
  ::_exit(finding_exit_code(finding.kind));
}

}  // namespace

IsolatedResult run_isolated(const State& initial, const Commands& commands) {
  IsolatedResult result;
  runtime::executor();  // the sandbox is made once, in the parent
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.failed = true;
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    child_main(initial, commands, fds[1]);
  }
  ::close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    result.output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
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
  FindingKind kind = FindingKind::kSignal;
  for (int k = 1; k < static_cast<int>(FindingKind::kCount); ++k) {
    if (finding_exit_code(static_cast<FindingKind>(k)) == r.exit_code) kind = static_cast<FindingKind>(k);
  }
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
