#include "harness/gdb_replay.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mapfuzz {
namespace {

constexpr int kUsageError = 2;

// The library's file and mapping calls: the fault layer's overrides
// (faults/interpose.dynlist; the *64 variants call these).
constexpr const char* kInterposed[] = {"open",  "openat",   "creat",  "close",     "dup",   "dup2",
                                       "dup3",  "fcntl",    "ftruncate", "truncate", "fallocate",
                                       "posix_fallocate",   "mmap",   "munmap",    "mremap", "msync",
                                       "madvise", "fsync",  "fdatasync", "write",  "pwrite", "writev",
                                       "pwritev"};

// What the quiet replay found: the step to stop at (ops for the end of the
// run), whether it is a signal, and the report to show first.
struct Target {
  bool found = false;
  int64_t step = -1;
  bool end_of_run = false;
  bool signal = false;
  std::string report;
};

std::string self_exe() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("/proc/self/exe");
}

std::vector<char*> c_args(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (std::string& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// Runs argv with stdout to /dev/null and returns its stderr ("" if it could
// not run).
std::string stderr_of(std::vector<std::string> argv) {
  int fds[2];
  if (::pipe(fds) != 0) return "";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    std::freopen("/dev/null", "w", stdout);
    std::vector<char*> args = c_args(argv);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
  return out;
}

Target find_target(const GdbRequest& r, const std::string& exe) {
  std::vector<std::string> argv{exe, "replay", "--quiet"};
  argv.insert(argv.end(), r.pass_args.begin(), r.pass_args.end());
  argv.push_back(r.file);
  const std::string err = stderr_of(argv);
  Target t;
  const size_t begin = err.find("==mapfuzz== ERROR: ");
  const size_t summary = err.find("SUMMARY: mapfuzz: ", begin == std::string::npos ? 0 : begin);
  if (begin == std::string::npos || summary == std::string::npos) return t;
  const size_t eol = err.find('\n', summary);
  t.report = err.substr(begin, (eol == std::string::npos ? err.size() : eol + 1) - begin);
  const std::string line = err.substr(summary, eol - summary);
  t.found = true;
  t.signal = line.compare(18, 7, "signal ") == 0;
  const size_t at = line.find(" at step ");
  if (at != std::string::npos) t.step = std::strtoll(line.c_str() + at + 9, nullptr, 10);
  t.end_of_run = at == std::string::npos;
  if (t.end_of_run) t.step = static_cast<int64_t>(r.ops);
  return t;
}

std::string settings() {
  std::string s =
      "set pagination off\nset confirm off\nset width 0\nset startup-with-shell off\n"
      "set debuginfod enabled off\nset follow-fork-mode parent\nset detach-on-fork on\n"
      "set print inferior-events off\nset print thread-events off\nset print frame-arguments scalars\nset print elements 24\n";
  // The harness's own signals: a documented hazard before the step, the
  // outside size limit. Stops on SIGSEGV/SIGBUS start at the step.
  for (const char* sig : {"SIGSEGV", "SIGBUS", "SIGXFSZ"}) s += std::string("handle ") + sig + " nostop noprint pass\n";
  return s;
}

// Batch, not a signal finding: on to the library's first file or mapping
// call in the step (or the call's return, if it made none), its backtrace.
std::string follow_into_library() {
  std::string s = "bt\nset logging file /dev/null\nset logging redirect on\nset logging enabled on\n";
  for (const char* f : kInterposed) s += std::string("break -qualified ") + f + "\n";
  s += "break mapfuzz_after_library_call\nset logging enabled off\ncontinue\n";
  s += "echo mapfuzz: the library's first file or mapping call in this step (or the call's return if it made none):\\n\n";
  return s + "bt\n";
}

std::string script(const Target& t, bool batch) {
  std::string s = settings();
  s += "break mapfuzz_before_library_call if step " + std::string(t.end_of_run ? ">= " : "== ") +
       std::to_string(t.step) + "\nrun\nprintf \"%s\", text\n";
  s += "handle SIGSEGV stop print pass\nhandle SIGBUS stop print pass\ndelete\n";
  if (t.signal) {
    s += "echo mapfuzz: this step ends in a signal; continuing to the faulting instruction\\n\ncontinue\n";
    s += "printf \"mapfuzz: %s at %p (si_code %d): %s\\n\", $_siginfo.si_signo == 7 ? \"SIGBUS\" : \"SIGSEGV\", "
         "$_siginfo._sifields._sigfault.si_addr, $_siginfo.si_code, "
         "mapfuzz_describe_address((unsigned long)$_siginfo._sifields._sigfault.si_addr)\n";
    if (batch) s += "bt\n";
  } else if (batch) {
    s += follow_into_library();
  } else {
    s += "echo mapfuzz: `step` goes into the call; `finish` returns to the harness; `continue` runs on\\n\n";
  }
  return batch ? s + "kill\n" : s;
}

// Writes `text` to a fresh file under $TMPDIR; "" on failure.
std::string write_script(const std::string& text) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/mapfuzz-gdb-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return "";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) ::unlink(path.c_str());
  return ok ? path : "";
}

// gdb with the script, on `inferior`; its exit status (127: not found).
int run_gdb(const std::string& script_path, bool batch, std::vector<std::string> inferior) {
  std::vector<std::string> argv{"gdb", "-q", "-nx"};
  if (batch) argv.push_back("-batch");
  argv.insert(argv.end(), {"-x", script_path, "--args"});
  argv.insert(argv.end(), inferior.begin(), inferior.end());
  // LeakSanitizer does not work under ptrace; gdb's Ctrl-C is not ours.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string options = std::string(asan && *asan ? asan : "") + (asan && *asan ? ":" : "") + "detect_leaks=0";
  struct sigaction ignore {}, old_int {}, old_quit {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    ::setenv("ASAN_OPTIONS", options.c_str(), 1);
    std::vector<char*> args = c_args(argv);
    ::execvp("gdb", args.data());
    _exit(127);
  }
  int status = 0;
  while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (pid < 0) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int replay_under_gdb(const GdbRequest& r) {
  const std::string exe = self_exe();
  Target t;
  if (r.break_at >= 0) {
    if (static_cast<size_t>(r.break_at) >= r.ops) {
      std::fprintf(stderr, "mapfuzz: replay: --break-at %lld: %s has steps 0 to %zu\n", (long long)r.break_at,
                   r.file.c_str(), r.ops ? r.ops - 1 : 0);
      return kUsageError;
    }
    t.found = true;
    t.step = r.break_at;
  } else {
    t = find_target(r, exe);
    if (!t.found) {
      std::printf("mapfuzz: %s replays with no finding: nothing to stop at (--break-at N stops at step N)\n",
                  r.file.c_str());
      return 0;
    }
    std::printf("mapfuzz: the replay's finding, to stop at under gdb:\n%s", t.report.c_str());
  }
  std::fflush(stdout);
  const std::string path = write_script(script(t, r.batch));
  if (path.empty()) {
    std::fprintf(stderr, "mapfuzz: replay: cannot write gdb's script: %s\n", std::strerror(errno));
    return kUsageError;
  }
  std::vector<std::string> inferior{exe, "replay", "--debugger-text"};
  inferior.insert(inferior.end(), r.pass_args.begin(), r.pass_args.end());
  inferior.push_back(r.file);
  const int rc = run_gdb(path, r.batch, inferior);
  ::unlink(path.c_str());
  if (rc == 127) {
    std::fprintf(stderr, "mapfuzz: replay: cannot run gdb (install it: apt-get install gdb, or scripts/setup)\n");
    return kUsageError;
  }
  return rc;
}

}  // namespace mapfuzz
