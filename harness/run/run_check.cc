#include "harness/run/run_check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "faults/run_protocol.h"

namespace mapfuzz::run {

void run_check(const RunOptions& options, const std::string& sandbox, RunResult* result) {
  using Clock = std::chrono::steady_clock;
  result->check_ran = true;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    result->check_status = 127 << 8;
    return;
  }
  const std::string env_sandbox = std::string(faults::run::kEnvSandbox) + "=" + sandbox;
  const std::string env_exit = "MAPFUZZ_EXIT=" + (result->end == RunResult::End::kSignaled
                                                      ? "signal " + std::to_string(result->signo)
                                                      : std::to_string(result->exit_code));
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    ::dup2(pipefd[1], STDOUT_FILENO);
    ::dup2(pipefd[1], STDERR_FILENO);
    if (::chdir(sandbox.c_str()) != 0) _exit(127);
    ::putenv(const_cast<char*>(env_sandbox.c_str()));
    ::putenv(const_cast<char*>(env_exit.c_str()));
    ::unsetenv("LD_PRELOAD");
    ::execl("/bin/sh", "sh", "-c", options.check.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(pipefd[1]);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options.timeout));
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{pipefd[0], POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      break;
    }
    const ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    if (result->check_output.size() < kMaxCapture) result->check_output.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);
  result->check_status = status;
}

}  // namespace mapfuzz::run
