// The interposer on lock calls (fcntl lock commands, flock, lockf): logged
// with range and flags on sandbox fds only, failed by armed `lock` faults,
// and never waiting: a blocking request that would wait gets EDEADLK and a
// recorded hang, unless the lock wait hook lets the holder go.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iterator>
#include <string>

#include <boost/test/unit_test.hpp>

#include "faults/injection_mark.h"
#include "faults/interpose.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz::faults {
namespace {

struct flock lock_of(short type, short whence, off_t start, off_t len) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = whence;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}

int flags(LockCallApi api, LockCallMode mode, bool blocking = false, bool get = false) {
  return lock_flags(api, mode, blocking, get);
}

// A forked child holding a write lock on all of `path` (fcntl F_SETLK)
// until killed. Kills and reaps it when destroyed, if still running.
class LockHolder {
 public:
  explicit LockHolder(const std::string& path) {
    int ready[2];
    BOOST_REQUIRE(pipe(ready) == 0);
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      close(ready[0]);
      const int fd = open(path.c_str(), O_RDWR);
      struct flock fl = lock_of(F_WRLCK, SEEK_SET, 0, 0);
      const char ok = fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 'y' : 'n';
      if (write(ready[1], &ok, 1) != 1) _exit(2);
      for (;;) pause();
    }
    close(ready[1]);
    char ok = 0;
    const bool holding = read(ready[0], &ok, 1) == 1 && ok == 'y';
    close(ready[0]);
    if (!holding) release();
    BOOST_REQUIRE(holding);
  }
  ~LockHolder() { release(); }

  pid_t pid() const { return pid_; }
  // Kills the child (its locks go with it); true iff it was running.
  bool release() {
    if (pid_ <= 0) return false;
    kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return true;
  }

 private:
  pid_t pid_ = -1;
};

// Fails the test (SIGALRM) instead of hanging it.
struct Deadline {
  Deadline() { alarm(20); }
  ~Deadline() { alarm(0); }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct LockFixture : SandboxFixture {
  LockFixture() {
    fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(ftruncate(fd, 1000) == 0);
    clear_log();
  }
  ~LockFixture() {
    set_lock_wait_hook(nullptr, nullptr);
    close(fd);
  }
  int fd = -1;
};

BOOST_FIXTURE_TEST_SUITE(interpose_lock, LockFixture)

BOOST_AUTO_TEST_CASE(lock_calls_on_a_sandbox_fd_are_logged_with_range_and_flags) {
  BOOST_TEST_REQUIRE(lseek(fd, 10, SEEK_SET) == 10);
  struct flock a = lock_of(F_WRLCK, SEEK_CUR, 5, 20);
  struct flock b = lock_of(F_RDLCK, SEEK_END, -10, 0);
  struct flock c = lock_of(F_WRLCK, SEEK_SET, 0, 0);
  struct flock d = lock_of(F_RDLCK, SEEK_SET, 100, -40);
  BOOST_TEST(fcntl(fd, F_SETLK, &a) == 0);
  BOOST_TEST(fcntl64(fd, F_SETLKW, &b) == 0);
  BOOST_TEST(fcntl(fd, F_GETLK, &c) == 0);
  BOOST_TEST(c.l_type == F_UNLCK);  // our own locks never conflict
  BOOST_TEST(fcntl(fd, F_OFD_SETLK, &d) == 0);
  BOOST_TEST(flock(fd, LOCK_SH | LOCK_NB) == 0);
  BOOST_TEST(flock(fd, LOCK_UN) == 0);
  BOOST_TEST(lockf(fd, F_TLOCK, 30) == 0);
  BOOST_TEST(lockf64(fd, F_ULOCK, 30) == 0);
  BOOST_TEST(lockf(fd, F_TEST, 0) == 0);
  struct Want {
    int flags;
    uint64_t offset, length;
  };
  const Want want[] = {
      {flags(LockCallApi::kFcntl, LockCallMode::kExclusive), 15, 20},
      {flags(LockCallApi::kFcntl, LockCallMode::kShared, true), 990, 0},
      {flags(LockCallApi::kFcntl, LockCallMode::kExclusive, false, true), 0, 0},
      {flags(LockCallApi::kOfd, LockCallMode::kShared), 60, 40},
      {flags(LockCallApi::kFlock, LockCallMode::kShared), 0, 0},
      {flags(LockCallApi::kFlock, LockCallMode::kUnlock), 0, 0},
      {flags(LockCallApi::kLockf, LockCallMode::kExclusive), 10, 30},
      {flags(LockCallApi::kLockf, LockCallMode::kUnlock), 10, 30},
      {flags(LockCallApi::kLockf, LockCallMode::kShared, false, true), 10, 0},
  };
  const auto r = records_of(Call::kLock);
  BOOST_TEST_REQUIRE(r.size() == std::size(want));
  for (size_t i = 0; i < r.size(); ++i) {
    BOOST_TEST_CONTEXT("record " << i) {
      BOOST_TEST(r[i].fd == fd);
      BOOST_TEST(r[i].flags == want[i].flags);
      BOOST_TEST(r[i].file_offset == want[i].offset);
      BOOST_TEST(r[i].length == want[i].length);
      BOOST_TEST(r[i].result_errno == 0);
      BOOST_TEST(!r[i].injected);
      BOOST_TEST(!r[i].hung);
    }
  }
  // Only a request that takes a lock through an fd holding none of that
  // family counts (those a fault may fail): the first fcntl lock and the
  // flock, not the record locks after the first (conversions), the
  // unlocks or the queries.
  BOOST_TEST(call_count(Call::kLock) == 2u);
  BOOST_TEST((lock_api(want[3].flags) == LockCallApi::kOfd));
  BOOST_TEST((lock_mode(want[0].flags) == LockCallMode::kExclusive));
}

BOOST_AUTO_TEST_CASE(lock_calls_on_other_fds_are_neither_logged_nor_faulted) {
  Deadline deadline;  // these do wait if they must
  arm({Call::kLock, 1, ENOLCK, true});
  const int o = open(out("o").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(o >= 0);
  struct flock a = lock_of(F_WRLCK, SEEK_SET, 0, 10);
  BOOST_TEST(fcntl(o, F_SETLK, &a) == 0);
  BOOST_TEST(fcntl(o, F_SETLKW, &a) == 0);
  struct flock b = lock_of(F_WRLCK, SEEK_SET, 20, 10);  // OFD locks conflict with the process's own
  BOOST_TEST(fcntl(o, F_OFD_SETLK, &b) == 0);
  BOOST_TEST(flock(o, LOCK_EX) == 0);
  BOOST_TEST(lockf(o, F_LOCK, 10) == 0);  // [0, 10): not into the OFD lock
  BOOST_TEST(close(o) == 0);
  BOOST_TEST(records_of(Call::kLock).empty());
  BOOST_TEST(call_count(Call::kLock) == 0u);
}

BOOST_AUTO_TEST_CASE(an_armed_lock_fault_fails_each_lock_call_without_locking) {
  const int other = open(in("f").c_str(), O_RDWR);  // a second open file description
  BOOST_TEST_REQUIRE(other >= 0);
  arm({Call::kLock, 1, EAGAIN, false});
  struct flock a = lock_of(F_WRLCK, SEEK_SET, 0, 0);
  errno = 0;
  BOOST_TEST(fcntl(fd, F_OFD_SETLK, &a) == -1);
  BOOST_TEST(errno == EAGAIN);
  BOOST_TEST(claim_injected(EAGAIN));
  struct flock q = lock_of(F_WRLCK, SEEK_SET, 0, 0);
  BOOST_TEST(fcntl(other, F_OFD_GETLK, &q) == 0);
  BOOST_TEST(q.l_type == F_UNLCK);  // the real call did not run

  arm({Call::kLock, 1, ENOLCK, false});
  errno = 0;
  BOOST_TEST(flock(fd, LOCK_EX) == -1);
  BOOST_TEST(errno == ENOLCK);
  BOOST_TEST(claim_injected(ENOLCK));
  BOOST_TEST(flock(other, LOCK_EX | LOCK_NB) == 0);  // nothing held through fd
  BOOST_TEST(flock(other, LOCK_UN) == 0);

  arm({Call::kLock, 1, EDEADLK, false});
  errno = 0;
  BOOST_TEST(lockf(fd, F_LOCK, 0) == -1);
  BOOST_TEST(errno == EDEADLK);
  BOOST_TEST(claim_injected(EDEADLK));

  // EINTR comes only from a request that would wait: F_SETLK passes, the
  // F_SETLKW after it fails.
  arm({Call::kLock, 1, EINTR, false});
  BOOST_TEST(fcntl(fd, F_SETLK, &a) == 0);
  a.l_type = F_UNLCK;
  BOOST_TEST(fcntl(fd, F_SETLK, &a) == 0);  // an unlock is never failed
  a.l_type = F_WRLCK;
  errno = 0;
  BOOST_TEST(fcntl(fd, F_SETLKW, &a) == -1);
  BOOST_TEST(errno == EINTR);
  BOOST_TEST(claim_injected(EINTR));

  const auto r = records_of(Call::kLock);
  const int injected[] = {EAGAIN, ENOLCK, EDEADLK, EINTR};
  int n = 0;
  for (const CallRecord& c : r) {
    if (!c.injected) continue;
    BOOST_TEST_REQUIRE(n < 4);
    BOOST_TEST(c.result_errno == injected[n++]);
    BOOST_TEST(c.fd == fd);
    BOOST_TEST(!c.hung);
  }
  BOOST_TEST(n == 4);
  BOOST_TEST(!last_lock_hang(nullptr));
  close(other);
}

BOOST_AUTO_TEST_CASE(a_blocking_fcntl_or_lockf_held_by_another_process_hangs_not) {
  LockHolder holder(in("f"));
  Deadline deadline;
  const auto t0 = std::chrono::steady_clock::now();
  struct flock a = lock_of(F_RDLCK, SEEK_SET, 100, 50);
  errno = 0;
  BOOST_TEST(fcntl(fd, F_SETLKW, &a) == -1);
  BOOST_TEST(errno == EDEADLK);
  LockWait w{};
  BOOST_TEST_REQUIRE(last_lock_hang(&w));
  BOOST_TEST(w.fd == fd);
  BOOST_TEST((w.api == LockCallApi::kFcntl && w.mode == LockCallMode::kShared));
  BOOST_TEST((w.offset == 100u && w.length == 50u));
  BOOST_TEST(w.holder_known);
  BOOST_TEST(w.holder_pid == holder.pid());
  BOOST_TEST((w.holder_mode == LockCallMode::kExclusive && w.holder_offset == 0u && w.holder_length == 0u));
  BOOST_TEST(std::string(w.path) == in("f"));

  mark_injected(EDEADLK);  // a hang is a real failure: it clears the mark
  errno = 0;
  BOOST_TEST(lockf(fd, F_LOCK, 10) == -1);
  BOOST_TEST(errno == EDEADLK);
  BOOST_TEST(!claim_injected(EDEADLK));
  BOOST_TEST_REQUIRE(last_lock_hang(&w));
  BOOST_TEST((w.api == LockCallApi::kLockf && w.mode == LockCallMode::kExclusive && w.holder_pid == holder.pid()));
  BOOST_TEST(seconds_since(t0) < 2.0);

  const auto r = records_of(Call::kLock);
  BOOST_TEST_REQUIRE(r.size() == 2u);
  for (const CallRecord& c : r) BOOST_TEST((c.hung && c.result_errno == EDEADLK && !c.injected));
  clear_log();
  BOOST_TEST(!last_lock_hang(&w));
}

BOOST_AUTO_TEST_CASE(a_blocking_flock_or_ofd_lock_held_through_another_file_hangs_not) {
  Deadline deadline;
  const int other = open(in("f").c_str(), O_RDWR);
  BOOST_TEST_REQUIRE(other >= 0);
  BOOST_TEST(flock(other, LOCK_EX | LOCK_NB) == 0);
  errno = 0;
  BOOST_TEST(flock(fd, LOCK_SH) == -1);
  BOOST_TEST(errno == EDEADLK);
  LockWait w{};
  BOOST_TEST_REQUIRE(last_lock_hang(&w));
  BOOST_TEST((w.api == LockCallApi::kFlock && w.mode == LockCallMode::kShared && !w.holder_known));

  struct flock held = lock_of(F_WRLCK, SEEK_SET, 0, 100);
  BOOST_TEST(fcntl(other, F_OFD_SETLK, &held) == 0);
  struct flock a = lock_of(F_WRLCK, SEEK_SET, 50, 0);
  errno = 0;
  BOOST_TEST(fcntl(fd, F_OFD_SETLKW, &a) == -1);
  BOOST_TEST(errno == EDEADLK);
  BOOST_TEST_REQUIRE(last_lock_hang(&w));
  BOOST_TEST((w.api == LockCallApi::kOfd && w.holder_known && w.holder_pid == -1));
  BOOST_TEST((w.holder_offset == 0u && w.holder_length == 100u));
  BOOST_TEST(records_of(Call::kLock).back().hung);
  close(other);
}

struct HookLog {
  LockHolder* holder = nullptr;
  int calls = 0;
  bool release = true;
  pid_t seen_pid = 0;
  int own_lock_call = -2;
};

bool let_go(void* arg, const LockWait& wait) {
  auto* h = static_cast<HookLog*>(arg);
  ++h->calls;
  h->seen_pid = wait.holder_pid;
  struct flock q = lock_of(F_WRLCK, SEEK_SET, 0, 0);
  h->own_lock_call = fcntl(wait.fd, F_GETLK, &q);  // neither logged nor faulted
  return h->release && h->holder->release();
}

BOOST_AUTO_TEST_CASE(a_hook_that_lets_the_holder_go_makes_the_blocking_call_succeed) {
  Deadline deadline;
  LockHolder holder(in("f"));
  const pid_t child = holder.pid();
  HookLog log{&holder};
  set_lock_wait_hook(let_go, &log);
  arm({Call::kLock, 2, ENOLCK, false});  // would hit the hook's call if that counted
  struct flock a = lock_of(F_WRLCK, SEEK_SET, 0, 0);
  BOOST_TEST(fcntl(fd, F_SETLKW, &a) == 0);
  BOOST_TEST(log.calls == 1);
  BOOST_TEST(log.seen_pid == child);
  BOOST_TEST(log.own_lock_call == 0);
  BOOST_TEST(!last_lock_hang(nullptr));
  const auto r = records_of(Call::kLock);
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST((r[0].result_errno == 0 && !r[0].hung));
  BOOST_TEST(call_count(Call::kLock) == 1u);
  errno = 0;
  BOOST_TEST(flock(fd, LOCK_EX) == -1);  // the second lock call: the fault fires now
  BOOST_TEST(errno == ENOLCK);
}

BOOST_AUTO_TEST_CASE(a_hook_that_releases_nothing_leaves_the_hang) {
  Deadline deadline;
  LockHolder holder(in("f"));
  HookLog log{&holder};
  log.release = false;
  set_lock_wait_hook(let_go, &log);
  errno = 0;
  BOOST_TEST(lockf(fd, F_LOCK, 0) == -1);
  BOOST_TEST(errno == EDEADLK);
  BOOST_TEST(log.calls == 1);
  BOOST_TEST(last_lock_hang(nullptr));
  set_lock_wait_hook(nullptr, nullptr);
  clear_log();
  BOOST_TEST(lockf(fd, F_LOCK, 0) == -1);  // no hook: straight to the hang
  BOOST_TEST(log.calls == 1);
  BOOST_TEST(last_lock_hang(nullptr));
}

BOOST_AUTO_TEST_CASE(under_a_bypass_a_hang_is_neither_logged_nor_faulted_but_never_waits) {
  Deadline deadline;
  LockHolder holder(in("f"));
  arm({Call::kLock, 1, ENOLCK, true});
  {
    Bypass bypass;
    struct flock a = lock_of(F_WRLCK, SEEK_SET, 0, 0);
    errno = 0;
    BOOST_TEST(fcntl(fd, F_SETLKW, &a) == -1);
    BOOST_TEST(errno == EDEADLK);
  }
  BOOST_TEST(records_of(Call::kLock).empty());
  BOOST_TEST(call_count(Call::kLock) == 0u);
  BOOST_TEST(last_lock_hang(nullptr));
}

BOOST_AUTO_TEST_CASE(other_fcntl_commands_on_a_sandbox_fd_keep_working) {
  BOOST_TEST((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
  BOOST_TEST(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
  BOOST_TEST(fcntl(fd, F_GETFD) == FD_CLOEXEC);
  BOOST_TEST(fcntl(fd, F_SETFL, O_APPEND) == 0);
  BOOST_TEST((fcntl64(fd, F_GETFL) & O_APPEND) != 0);
  const int d = fcntl(fd, F_DUPFD, 40);
  BOOST_TEST(d >= 40);
  BOOST_TEST(open_sandbox_fds() == 2u);
  BOOST_TEST(close(d) == 0);
  BOOST_TEST(records_of(Call::kLock).empty());
}

BOOST_AUTO_TEST_CASE(unarmed_lock_calls_forward_untouched) {
  deactivate();
  LockHolder holder(in("f"));
  struct flock a = lock_of(F_WRLCK, SEEK_SET, 0, 0);
  errno = 0;
  BOOST_TEST(fcntl(fd, F_SETLK, &a) == -1);  // the real answer: someone holds it
  BOOST_TEST((errno == EAGAIN || errno == EACCES));
  BOOST_TEST(fcntl(fd, F_GETLK, &a) == 0);
  BOOST_TEST(a.l_pid == holder.pid());
  BOOST_TEST(!last_lock_hang(nullptr));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
