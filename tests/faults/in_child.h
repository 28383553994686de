// Runs a check in a forked child, for tests that change process-wide state
// for good (namespaces, signal handlers) or that expect the child to die.
// The child reports failures as text; it never returns into Boost.Test.
#pragma once

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

namespace mapfuzz::faults::testing {

struct ChildResult {
  std::string failure;  // what the child reported ("" = nothing)
  int status = 0;       // waitpid status

  bool exited_ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
  bool ok() const { return failure.empty() && exited_ok(); }
  std::string describe() const {
    std::string s = failure;
    if (WIFEXITED(status)) s += " [exit " + std::to_string(WEXITSTATUS(status)) + "]";
    if (WIFSIGNALED(status)) s += std::string(" [killed by ") + strsignal(WTERMSIG(status)) + "]";
    return s;
  }
};

// Forks; the child runs `body`, writes what it returns to the parent and
// _exits 0 (no atexit handlers, no leak check). If `capture_stderr`, the
// child's stderr goes to the same pipe too.
inline ChildResult in_child(const std::function<std::string()>& body, bool capture_stderr = false) {
  int p[2];
  if (pipe(p) != 0) return {std::string("pipe: ") + strerror(errno), 0};
  const pid_t pid = fork();
  if (pid < 0) return {std::string("fork: ") + strerror(errno), 0};
  if (pid == 0) {
    close(p[0]);
    if (capture_stderr) dup2(p[1], STDERR_FILENO);
    const std::string r = body();
    if (!r.empty() && write(p[1], r.data(), r.size()) < 0) _exit(3);
    _exit(0);
  }
  close(p[1]);
  ChildResult result;
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) result.failure.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

}  // namespace mapfuzz::faults::testing

// Inside a child body: returns a message naming the failed condition.
#define CHILD_CHECK(cond)                                                                                   \
  do {                                                                                                      \
    if (!(cond)) {                                                                                          \
      return std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #cond " (errno " + strerror(errno) + \
             ")\n";                                                                                         \
    }                                                                                                       \
  } while (0)
