#include "harness/run/run_launch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "faults/disk_full.h"
#include "faults/outside_apply.h"
#include "faults/run_protocol.h"
#include "harness/op.h"
#include "harness/run/run_child.h"
#include "harness/run/run_check.h"
#include "harness/sandbox.h"

#ifndef MAPFUZZ_PRELOAD_PATH
#define MAPFUZZ_PRELOAD_PATH ""
#endif

namespace mapfuzz::run {
namespace {

using Clock = std::chrono::steady_clock;

// SIGINT or SIGTERM to the runner: the signal, once caught. The loop then
// kills every run in flight (and what it started), removes their sandboxes,
// and dies of the signal (run_all).
volatile sig_atomic_t g_interrupted = 0;

void on_interrupt(int signo) { g_interrupted = signo; }

void catch_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;  // no SA_RESTART: poll() returns at once
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}


int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

void close_fd(int* fd);

// One run in flight.
struct Active {
  Active() = default;
  Active(const Active&) = delete;
  Active& operator=(const Active&) = delete;
  ~Active() {
    for (int* fd : {&pidfd, &sock, &out, &err, &log}) close_fd(fd);
  }
  size_t index = 0;
  const RunPlan* plan = nullptr;
  std::unique_ptr<Sandbox> sandbox;
  std::unique_ptr<faults::LimitedTmpfs> tmpfs;  // destroyed before the sandbox
  pid_t pid = -1;
  int pidfd = -1, sock = -1, out = -1, err = -1, log = -1;
  faults::LockFds locks;
  Clock::time_point start, deadline;
  bool echo = false;
  bool reaped = false;  // waitpid() already returned its status (no pidfd here)
  int status = 0;
  RunResult result;
};

void close_fd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

// Reads what is there from a pipe into `into` (and echoes it); false at EOF.
bool drain(int* fd, std::string* into, int echo_fd) {
  char buf[65536];
  const ssize_t n = ::read(*fd, buf, sizeof buf);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    close_fd(fd);
    return false;
  }
  if (echo_fd >= 0) (void)!::write(echo_fd, buf, static_cast<size_t>(n));
  if (into->size() < kMaxCapture) into->append(buf, std::min(static_cast<size_t>(n), kMaxCapture - into->size()));
  return true;
}

std::string read_all(int fd) {
  std::string s;
  char buf[65536];
  off_t at = 0;
  for (ssize_t n; (n = ::pread(fd, buf, sizeof buf, at)) > 0; at += n) s.append(buf, static_cast<size_t>(n));
  return s;
}

void serve_event(Active* a) {
  faults::run::EventRequest req{};
  const ssize_t n = ::recv(a->sock, &req, sizeof req, 0);
  if (n != static_cast<ssize_t>(sizeof req)) {
    close_fd(&a->sock);
    return;
  }
  req.path[sizeof req.path - 1] = '\0';
  EventDone done{req.index, req.mmap_number, req.path, ""};
  if (req.index >= a->plan->events.size()) {
    done.failure = "no such event";
  } else {
    static uint8_t scratch[1 << 16];
    const Status s = faults::perform_outside_event(req.path, a->plan->events[req.index].event, fill_pattern,
                                                           scratch, sizeof scratch, &a->locks);
    if (!s.ok()) done.failure = s.describe();
  }
  const char answer = done.failure.empty() ? faults::run::kEventDone : faults::run::kEventFailed;
  a->result.events.push_back(std::move(done));
  (void)!::send(a->sock, &answer, 1, MSG_NOSIGNAL);
}

bool prepare_disk(Active* a, const RunOptions& options) {
  if (!options.has_disk_free) return true;
  a->tmpfs = std::make_unique<faults::LimitedTmpfs>();
  // Room for the tmpfs's own reserve page, then exactly disk_free bytes free.
  Status s = a->tmpfs->mount(a->sandbox->dir(), options.disk_free + 4096);
  if (s.ok()) s = a->tmpfs->set_free(options.disk_free);
  if (s.ok()) return true;
  a->result.disk_unavailable = a->tmpfs->skipped();
  a->result.not_started = "--disk-free: " + (a->tmpfs->why_not().empty() ? s.describe() : a->tmpfs->why_not());
  return false;
}

bool start(Active* a, const RunOptions& options, const std::string& preload) {
  std::string why;
  a->sandbox = std::make_unique<Sandbox>(&why);
  if (a->sandbox->dir().empty()) return a->result.not_started = why, false;
  a->result.sandbox = a->sandbox->dir();
  if (!prepare_disk(a, options)) return false;
  int sv[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1};
  a->log = static_cast<int>(::syscall(SYS_memfd_create, "mapfuzz-run-log", MFD_CLOEXEC));
  const char* failed = a->log < 0                                                          ? "memfd_create"
                       : ::fcntl(a->log, F_SETFL, O_APPEND) != 0                              ? "fcntl"
                       : ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0  ? "socketpair"
                       : ::pipe2(outp, O_CLOEXEC) != 0 || ::pipe2(errp, O_CLOEXEC) != 0     ? "pipe2"
                                                                                           : nullptr;
  if (failed != nullptr) {
    a->result.not_started = "cannot set up the run: " + Status::from_unfaulted_errno(failed).describe();
    for (int* fd : {&sv[0], &sv[1], &outp[0], &outp[1], &errp[0], &errp[1]}) close_fd(fd);
    return false;
  }
  ChildSetup setup = child_setup(options, *a->plan, preload, a->sandbox->dir());
  setup.log_fd = a->log;
  setup.event_fd = sv[1];
  setup.out_fd = options.gdb ? -1 : outp[1];
  setup.err_fd = options.gdb ? -1 : errp[1];
  setup.null_stdin = !a->echo;
  a->start = Clock::now();
  a->pid = ::fork();
  if (a->pid == 0) exec_child(setup);
  const Status forked = a->pid < 0 ? Status::from_unfaulted_errno("fork") : Status();
  ::close(sv[1]);
  ::close(outp[1]);
  ::close(errp[1]);
  a->sock = sv[0];
  a->out = outp[0];
  a->err = errp[0];
  ::fcntl(a->out, F_SETFL, O_NONBLOCK);
  ::fcntl(a->err, F_SETFL, O_NONBLOCK);
  if (a->pid < 0) return a->result.not_started = forked.describe(), false;
  a->pidfd = pidfd_open(a->pid);  // -1 before Linux 5.3: ended() polls waitpid instead
  const auto limit = std::chrono::duration<double>(options.gdb ? 1e9 : options.timeout);
  a->deadline = a->start + std::chrono::duration_cast<Clock::duration>(limit);
  return true;
}

// The program ended (or is being killed): collect everything, clean up.
void finish(Active* a, const RunOptions& options, bool timed_out) {
  if (timed_out) ::kill(-a->pid, SIGKILL), ::kill(a->pid, SIGKILL);
  int status = a->status;
  while (!a->reaped && ::waitpid(a->pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-a->pid, SIGKILL);  // whatever it started and left behind
  RunResult& r = a->result;
  r.seconds = std::chrono::duration<double>(Clock::now() - a->start).count();
  if (timed_out) {
    r.end = RunResult::End::kTimedOut;
  } else if (WIFSIGNALED(status)) {
    r.end = RunResult::End::kSignaled;
    r.signo = WTERMSIG(status);
  } else {
    r.end = RunResult::End::kExited;
    r.exit_code = WEXITSTATUS(status);
  }
  while (a->out >= 0 && drain(&a->out, &r.out, a->echo ? STDOUT_FILENO : -1)) {
  }
  while (a->err >= 0 && drain(&a->err, &r.err, a->echo ? STDERR_FILENO : -1)) {
  }
  r.log = read_all(a->log);
  for (int* fd : {&a->pidfd, &a->sock, &a->out, &a->err, &a->log}) close_fd(fd);
  faults::release_locks(&a->locks);
  bool destroyed = false;
  for (const EventDone& e : r.events) {
    destroyed |= e.failure.empty() && e.index < a->plan->events.size() && destroys_data(a->plan->events[e.index].event.kind);
  }
  if (!options.check.empty() && !timed_out && !destroyed) run_check(options, a->sandbox->dir(), &r);
  a->tmpfs.reset();
  a->sandbox.reset();
}

// True iff the run's program has exited (it is not reaped: finish() does).
bool has_ended(Active* a) {
  if (a->pidfd >= 0) {
    pollfd exited{a->pidfd, POLLIN, 0};
    return ::poll(&exited, 1, 0) == 1;
  }
  if (!a->reaped && ::waitpid(a->pid, &a->status, WNOHANG) == a->pid) a->reaped = true;
  return a->reaped;
}

// Polls every active run once (up to `wait_ms`); returns the runs that ended.
void poll_once(std::vector<std::unique_ptr<Active>>* active, const RunOptions& options, int wait_ms,
               const std::function<void(size_t, RunResult&&)>& done) {
  std::vector<pollfd> fds;
  std::vector<std::pair<Active*, int*>> owners;
  for (auto& a : *active) {
    for (int* fd : {&a->pidfd, &a->sock, &a->out, &a->err}) {
      if (*fd < 0) continue;
      fds.push_back({*fd, POLLIN, 0});
      owners.emplace_back(a.get(), fd);
    }
  }
  ::poll(fds.data(), fds.size(), wait_ms);
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents == 0) continue;
    auto [a, fd] = owners[i];
    if (fd == &a->sock) serve_event(a);
    if (fd == &a->out) drain(fd, &a->result.out, a->echo ? STDOUT_FILENO : -1);
    if (fd == &a->err) drain(fd, &a->result.err, a->echo ? STDERR_FILENO : -1);
  }
  for (size_t i = 0; i < active->size();) {
    Active* a = (*active)[i].get();
    const bool ended = has_ended(a);
    const bool late = Clock::now() >= a->deadline;
    if (!ended && !late) {
      ++i;
      continue;
    }
    const auto finishing = Clock::now();
    finish(a, options, !ended);
    done(a->index, std::move(a->result));
    active->erase(active->begin() + static_cast<long>(i));
    // The other runs may have waited on this runner meanwhile (an event, or
    // their end, unanswered while a --check ran): that time is not theirs.
    const auto spent = Clock::now() - finishing;
    for (auto& other : *active) other->deadline += spent;
  }
}

[[noreturn]] void die_of_interrupt(std::vector<std::unique_ptr<Active>>* active, const RunOptions& options) {
  const int signo = g_interrupted;
  RunOptions no_check = options;
  no_check.check.clear();
  for (auto& a : *active) finish(a.get(), no_check, true);
  active->clear();
  signal(signo, SIG_DFL);
  raise(signo);
  _exit(128 + signo);
}

}  // namespace

std::string find_preload(std::string* why) {
  if (const char* env = std::getenv("MAPFUZZ_PRELOAD"); env != nullptr && *env != '\0') {
    if (::access(env, R_OK) == 0) return env;
    *why = std::string("MAPFUZZ_PRELOAD names ") + env + ", which cannot be read";
    return "";
  }
  if (::access(MAPFUZZ_PRELOAD_PATH, R_OK) == 0) return MAPFUZZ_PRELOAD_PATH;
  *why = std::string("the preload library ") + MAPFUZZ_PRELOAD_PATH +
         " is missing: build it (cmake --build --preset test --target mapfuzz_preload) or set MAPFUZZ_PRELOAD";
  return "";
}

void run_all(const RunOptions& options, const std::string& preload, const std::vector<RunPlan>& plans,
             unsigned jobs, bool echo, const std::function<void(size_t, RunResult&&)>& done) {
  std::vector<std::unique_ptr<Active>> active;
  size_t next = 0;
  catch_interrupts();
  while (next < plans.size() || !active.empty()) {
    if (g_interrupted != 0) die_of_interrupt(&active, options);
    while (next < plans.size() && active.size() < std::max(1u, jobs)) {
      auto a = std::make_unique<Active>();
      a->index = next;
      a->plan = &plans[next++];
      a->echo = echo;
      if (!start(a.get(), options, preload)) {
        if (a->pid > 0) finish(a.get(), options, true);
        done(a->index, std::move(a->result));
        continue;
      }
      active.push_back(std::move(a));
    }
    if (!active.empty()) poll_once(&active, options, 50, done);
  }
}

}  // namespace mapfuzz::run
