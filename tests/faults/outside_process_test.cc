// The outside process and its in-process fallback: every event kind, the
// same file outcome in both modes, refusal of paths outside the sandbox,
// invisibility to the interposer, and the helper's CPU, fds and death.
#include "faults/outside_process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz::faults {
namespace {

uint8_t test_byte(uint8_t seed, uint64_t offset) { return static_cast<uint8_t>((seed * 31 + offset * 7) | 1); }
void test_fill(uint8_t seed, uint64_t offset, uint8_t* out, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) out[i] = test_byte(seed, offset + i);
}

struct FileState {
  int exists_errno = 0;  // 0 or the errno of stat
  off_t size = 0;
  unsigned mode = 0;
  std::vector<uint8_t> bytes;
  bool operator==(const FileState&) const = default;
};

FileState state_of(const std::string& path) {
  FileState s;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    s.exists_errno = errno;
    return s;
  }
  s.size = st.st_size;
  s.mode = st.st_mode & 07777;
  s.bytes.resize(static_cast<size_t>(st.st_size));
  const int fd = real_open(path.c_str(), O_RDONLY, 0);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(real_pread(fd, s.bytes.data(), s.bytes.size(), 0) == static_cast<long>(s.bytes.size()));
  real_close(fd);
  return s;
}

OutsideEvent ev(OutsideKind kind, uint64_t length, uint64_t offset = 0, uint8_t seed = 0, uint32_t mode = 0) {
  OutsideEvent e;
  e.kind = kind;
  e.length = length;
  e.offset = offset;
  e.seed = seed;
  e.mode = mode;
  return e;
}

// The events of the comparison test, in order: every kind, sizes that are
// not page multiples, a pwrite longer than the helper's 64 KiB chunks.
std::vector<OutsideEvent> sequence() {
  using K = OutsideKind;
  return {ev(K::kPwrite, 10000, 0, 3),  ev(K::kShrink, 5000),        ev(K::kRegrow, 12288),
          ev(K::kExtend, 20001),        ev(K::kPunchHole, 4096, 4096), ev(K::kPunchHole, 0, 100),
          ev(K::kPwrite, 200000, 70000, 9), ev(K::kShrink, 0),         ev(K::kRegrow, 9000),
          ev(K::kPwrite, 100, 8950, 4), ev(K::kChmod, 0, 0, 0, 0444),  ev(K::kReplace, 3000),
          ev(K::kChmod, 0, 0, 0, 0640), ev(K::kPwrite, 10, 2995, 1),   ev(K::kUnlink, 0),
          ev(K::kShrink, 0),            ev(K::kReplace, 4096),         ev(K::kUnlink, 0)};
}

BOOST_FIXTURE_TEST_SUITE(outside_process, SandboxFixture)

BOOST_AUTO_TEST_CASE(path_inside_is_strict_and_lexical) {
  BOOST_TEST(path_inside("/s/box", "/s/box/f"));
  BOOST_TEST(path_inside("/s/box", "/s/box/d/f"));
  BOOST_TEST(!path_inside("/s/box", "/s/box"));
  BOOST_TEST(!path_inside("/s/box", "/s/box/"));
  BOOST_TEST(!path_inside("/s/box", "/s/boxer/f"));
  BOOST_TEST(!path_inside("/s/box", "/s/box/../f"));
  BOOST_TEST(!path_inside("/s/box", "/s/box/./f"));
  BOOST_TEST(!path_inside("/s/box", "/s/box//f"));
  BOOST_TEST(!path_inside("/s/box", "/s/box/f/.."));
  BOOST_TEST(!path_inside("/s/box", "/etc/passwd"));
  BOOST_TEST(!path_inside("/s/box", "s/box/f"));
  BOOST_TEST(path_inside("/s/box", "/s/box/..f"));
}

BOOST_AUTO_TEST_CASE(make_outside_picks_the_mode) {
  BOOST_TEST(std::string(make_outside(false, dir, test_fill)->mode()) == "in-process");
  std::string why;
  BOOST_TEST(std::string(make_outside(true, dir, test_fill, &why)->mode()) == "process", why);
}

BOOST_AUTO_TEST_CASE(both_modes_give_the_same_file_after_every_event) {
  deactivate();
  const std::string a = root + "/a", b = root + "/b";
  BOOST_REQUIRE(mkdir(a.c_str(), 0700) == 0);
  BOOST_REQUIRE(mkdir(b.c_str(), 0700) == 0);
  std::string why;
  auto helper = OutsideProcess::start(a, test_fill, &why);
  BOOST_REQUIRE_MESSAGE(helper, why);
  InProcessOutside local(b, test_fill);
  for (const std::string& d : {a, b}) {
    const int fd = open((d + "/f").c_str(), O_RDWR | O_CREAT, 0644);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(fchmod(fd, 0644) == 0);
    close(fd);
  }
  int step = 0;
  for (const OutsideEvent& e : sequence()) {
    const Status ra = helper->apply(a + "/f", e);
    const Status rb = local.apply(b + "/f", e);
    BOOST_TEST_CONTEXT("step " << step << ": " << outside_kind_name(e.kind)) {
      BOOST_TEST(ra.describe() == rb.describe());
      BOOST_TEST((!ra.injected() && !rb.injected()));
      BOOST_TEST((state_of(a + "/f") == state_of(b + "/f")));
    }
    ++step;
  }
  // Spot checks of what the events did (the final unlink aside).
  BOOST_TEST(state_of(a + "/f").exists_errno == ENOENT);
  BOOST_TEST(access((a + "/f.mapfuzz-replace").c_str(), F_OK) != 0);  // no temp file left
}

BOOST_AUTO_TEST_CASE(each_event_does_what_it_says) {
  for (bool child : {false, true}) {
    BOOST_TEST_CONTEXT((child ? "process" : "in-process")) {
      auto out = make_outside(child, dir, test_fill);
      const std::string f = in(child ? "p" : "q");
      const int fd = open(f.c_str(), O_RDWR | O_CREAT, 0600);
      BOOST_REQUIRE(fd >= 0);
      BOOST_TEST(out->apply(f, ev(OutsideKind::kPwrite, 9000, 100, 5)).ok());
      FileState s = state_of(f);
      BOOST_TEST(s.size == 9100);
      BOOST_TEST(s.bytes[99] == 0);
      BOOST_TEST(s.bytes[100] == test_byte(5, 100));
      BOOST_TEST(s.bytes[9099] == test_byte(5, 9099));
      BOOST_TEST(out->apply(f, ev(OutsideKind::kShrink, 4097)).ok());
      BOOST_TEST(size_of(fd) == 4097);
      BOOST_TEST(out->apply(f, ev(OutsideKind::kRegrow, 8192)).ok());
      s = state_of(f);
      BOOST_TEST(s.bytes[4096] == test_byte(5, 4096));
      BOOST_TEST(s.bytes[4097] == 0);  // truncated data is gone
      BOOST_TEST(out->apply(f, ev(OutsideKind::kPunchHole, 4096, 0)).ok());
      s = state_of(f);
      BOOST_TEST(s.size == 8192);
      BOOST_TEST(s.bytes[100] == 0);
      BOOST_TEST(s.bytes[4096] == test_byte(5, 4096));
      BOOST_TEST(out->apply(f, ev(OutsideKind::kChmod, 0, 0, 0, 0400)).ok());
      BOOST_TEST(state_of(f).mode == 0400u);
      BOOST_TEST(out->apply(f, ev(OutsideKind::kReplace, 123)).ok());
      s = state_of(f);
      BOOST_TEST(s.size == 123);
      BOOST_TEST(s.mode == 0400u);       // the replacement keeps the permission bits
      BOOST_TEST(size_of(fd) == 8192);  // the library's fd still has the old file
      BOOST_TEST(out->apply(f, ev(OutsideKind::kUnlink, 0)).ok());
      BOOST_TEST(access(f.c_str(), F_OK) != 0);
      BOOST_TEST(out->apply(f, ev(OutsideKind::kShrink, 0)).code() == ENOENT);
      close(fd);
    }
  }
}

OutsideEvent lock_ev(OutsideKind kind, LockApi api, LockMode mode, uint64_t offset, uint64_t length,
                     EventFile file = EventFile::kData) {
  OutsideEvent e = ev(kind, length, offset);
  e.lock_api = api;
  e.lock_mode = mode;
  e.file = file;
  return e;
}

// Whether this process can take `type` (F_WRLCK/F_RDLCK) on [offset, +length)
// of `path` through a fresh fd: a record lock with `cmd` (F_SETLK or
// F_OFD_SETLK), or a flock (cmd 0). Whatever it took is let go.
bool can_lock(const std::string& path, int cmd, short type, off_t offset, off_t length) {
  const int fd = open(path.c_str(), O_RDWR);
  BOOST_REQUIRE(fd >= 0);
  bool ok;
  if (cmd == 0) {
    ok = flock(fd, (type == F_WRLCK ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0;
  } else {
    struct flock fl = {};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = offset;
    fl.l_len = length;
    ok = fcntl(fd, cmd, &fl) == 0;
    BOOST_TEST((ok || errno == EAGAIN || errno == EACCES));
  }
  close(fd);  // drops an OFD or flock lock; an fcntl lock goes with it too
  return ok;
}

BOOST_AUTO_TEST_CASE(locks_conflict_as_another_process_s_and_go_when_let_go) {
  for (bool child : {false, true}) {
    BOOST_TEST_CONTEXT((child ? "process" : "in-process")) {
      auto out = make_outside(child, dir, test_fill);
      const std::string f = in(child ? "lp" : "lq");
      const int fd = open(f.c_str(), O_RDWR | O_CREAT, 0600);
      BOOST_REQUIRE(fd >= 0);
      using K = OutsideKind;
      BOOST_TEST(out->apply(f, lock_ev(K::kLock, LockApi::kFcntl, LockMode::kExclusive, 0, 10)).ok());
      BOOST_TEST(!can_lock(f, F_SETLK, F_RDLCK, 5, 1));      // an fcntl lock of this process meets it
      BOOST_TEST(!can_lock(f, F_OFD_SETLK, F_RDLCK, 9, 5));  // and an OFD lock
      BOOST_TEST(can_lock(f, F_SETLK, F_WRLCK, 10, 5));      // outside its range: free
      BOOST_TEST(can_lock(f, 0, F_WRLCK, 0, 0));             // flock is another family
      BOOST_TEST(out->apply(f, lock_ev(K::kLock, LockApi::kFlock, LockMode::kShared, 0, 0)).ok());
      BOOST_TEST(!can_lock(f, 0, F_WRLCK, 0, 0));
      BOOST_TEST(can_lock(f, 0, F_RDLCK, 0, 0));             // shared with shared
      BOOST_TEST(out->apply(f, lock_ev(K::kUnlock, LockApi::kFcntl, LockMode::kShared, 0, 0)).ok());
      BOOST_TEST(can_lock(f, F_SETLK, F_WRLCK, 0, 0));
      BOOST_TEST(!can_lock(f, 0, F_WRLCK, 0, 0));            // the flock lock is still held
      // This process's lock makes the outside's fail, with nothing done.
      struct flock mine = {};
      mine.l_type = F_WRLCK;
      mine.l_whence = SEEK_SET;
      BOOST_REQUIRE(fcntl(fd, F_OFD_SETLK, &mine) == 0);
      const Status busy = out->apply(f, lock_ev(K::kLock, LockApi::kOfd, LockMode::kShared, 100, 1));
      BOOST_TEST((busy.code() == EAGAIN || busy.code() == EACCES));
      BOOST_TEST(std::string(busy.call()) == "fcntl");
      mine.l_type = F_UNLCK;
      BOOST_REQUIRE(fcntl(fd, F_OFD_SETLK, &mine) == 0);
      // A file beside the data file: only one that exists.
      BOOST_TEST(out->apply(f, lock_ev(K::kLock, LockApi::kFcntl, LockMode::kExclusive, 0, 0, EventFile::kLock))
                     .code() == ENOENT);
      const int side = open((f + "-lock").c_str(), O_RDWR | O_CREAT, 0600);
      BOOST_TEST(out->apply(f, lock_ev(K::kLock, LockApi::kFcntl, LockMode::kExclusive, 0, 0, EventFile::kLock)).ok());
      BOOST_TEST(!can_lock(f + "-lock", F_OFD_SETLK, F_RDLCK, 0, 1));
      BOOST_TEST(out->release_locks().ok());
      BOOST_TEST(can_lock(f + "-lock", F_OFD_SETLK, F_WRLCK, 0, 0));
      BOOST_TEST(can_lock(f, 0, F_WRLCK, 0, 0));
      close(side);
      close(fd);
    }
  }
}

BOOST_AUTO_TEST_CASE(paths_outside_the_sandbox_are_refused) {
  const std::string victim = out("victim");
  const int fd = open(victim.c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(ftruncate(fd, 100) == 0);
  close(fd);
  for (bool child : {false, true}) {
    auto o = make_outside(child, dir, test_fill);
    for (const std::string& p : {victim, dir, dir + "/../outside/victim", root + "/sandboxx"}) {
      BOOST_TEST(o->apply(p, ev(OutsideKind::kShrink, 0)).code() == EPERM);
      BOOST_TEST(o->apply(p, ev(OutsideKind::kUnlink, 0)).code() == EPERM);
    }
  }
  BOOST_TEST(state_of(victim).size == 100);
  // A symlink in the sandbox is not followed out of it.
  BOOST_REQUIRE(symlink(victim.c_str(), in("link").c_str()) == 0);
  for (bool child : {false, true}) {
    auto o = make_outside(child, dir, test_fill);
    BOOST_TEST(o->apply(in("link"), ev(OutsideKind::kShrink, 0)).code() == ELOOP);
    BOOST_TEST(o->apply(in("link"), ev(OutsideKind::kChmod, 0, 0, 0, 0777)).code() == ELOOP);
  }
  BOOST_TEST(state_of(victim).size == 100);
  BOOST_TEST(state_of(victim).mode == 0600u);
}

BOOST_AUTO_TEST_CASE(outside_events_are_not_seen_or_faulted_by_the_interposer) {
  BOOST_REQUIRE(active());
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);  // a tracked sandbox fd
  BOOST_REQUIRE(fd >= 0);
  clear_log();
  for (Call c : {Call::kOpen, Call::kFtruncate, Call::kWrite, Call::kFallocate, Call::kClose}) arm({c, 1, EIO, true});
  for (bool child : {false, true}) {
    auto o = make_outside(child, dir, test_fill);
    BOOST_TEST(o->apply(in("f"), ev(OutsideKind::kPwrite, 5000, 0, 1)).ok());
    BOOST_TEST(o->apply(in("f"), ev(OutsideKind::kShrink, 10)).ok());
    BOOST_TEST(o->apply(in("f"), ev(OutsideKind::kPunchHole, 5, 0)).ok());
  }
  BOOST_TEST(call_log().empty());
  disarm_all();
  close(fd);
}

BOOST_AUTO_TEST_CASE(a_failed_event_names_its_call_and_is_never_injected) {
  arm({Call::kOpen, 1, ENOENT, false});
  BOOST_REQUIRE(open(in("g").c_str(), O_RDWR | O_CREAT, 0600) == -1);  // injected: this thread's mark is ENOENT
  for (bool child : {false, true}) {
    BOOST_TEST_CONTEXT((child ? "process" : "in-process")) {
      auto o = make_outside(child, dir, test_fill);
      const Status s = o->apply(in("missing"), ev(OutsideKind::kShrink, 0));
      BOOST_TEST(s.code() == ENOENT);
      BOOST_TEST(std::string(s.call()) == "open");
      BOOST_TEST(!s.injected());
    }
  }
  // The events left the mark alone: the injected failure is still claimable.
  BOOST_TEST(Status::from_code(ENOENT, "open").injected());
}

BOOST_AUTO_TEST_CASE(the_helper_holds_no_fd_and_follows_the_callers_cpu) {
  std::string why;
  auto p = OutsideProcess::start(dir, test_fill, &why);
  BOOST_REQUIRE_MESSAGE(p, why);
  std::vector<std::string> fds;
  const std::string fd_dir = "/proc/" + std::to_string(p->pid()) + "/fd";
  if (DIR* d = opendir(fd_dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') fds.push_back(e->d_name);
    }
    closedir(d);
  }
  BOOST_TEST(fds.size() <= 3u);  // stdin, stdout, stderr only

  cpu_set_t saved;
  BOOST_REQUIRE(sched_getaffinity(0, sizeof saved, &saved) == 0);
  const int ncpu = CPU_COUNT(&saved);
  for (int cpu = 0, tried = 0; cpu < CPU_SETSIZE && tried < ncpu; ++cpu) {
    if (!CPU_ISSET(cpu, &saved)) continue;
    ++tried;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    BOOST_REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
    BOOST_TEST(p->apply(in("nothing"), ev(OutsideKind::kUnlink, 0)).code() == ENOENT);
    cpu_set_t helper;
    BOOST_REQUIRE(sched_getaffinity(p->pid(), sizeof helper, &helper) == 0);
    BOOST_TEST((CPU_COUNT(&helper) == 1 && CPU_ISSET(cpu, &helper)), "helper not on cpu " << cpu);
  }
  BOOST_REQUIRE(sched_setaffinity(0, sizeof saved, &saved) == 0);
}

// The property tests fork a child per sequence from the helper's owner: each
// child's events must be served, though every child starts from the same
// copy of the owner's state.
BOOST_AUTO_TEST_CASE(children_forked_from_the_owner_are_served_one_after_another) {
  std::string why;
  auto p = OutsideProcess::start(dir, test_fill, &why);
  BOOST_REQUIRE_MESSAGE(p, why);
  for (int child = 0; child < 3; ++child) {
    const int fd = real_open(in("f").c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(real_ftruncate(fd, 8192) == 0);
    real_close(fd);
    const pid_t pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) _exit(p->apply(in("f"), ev(OutsideKind::kShrink, 100 + child)).ok() ? 0 : 1);
    int status = 0;
    BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    BOOST_TEST(state_of(in("f")).size == 100 + child);
  }
}

BOOST_AUTO_TEST_CASE(a_dead_helper_gives_echild) {
  std::string why;
  auto p = OutsideProcess::start(dir, test_fill, &why);
  BOOST_REQUIRE_MESSAGE(p, why);
  const pid_t pid = p->pid();
  BOOST_REQUIRE(pid > 0);
  BOOST_REQUIRE(kill(pid, SIGKILL) == 0);
  BOOST_TEST(p->apply(in("f"), ev(OutsideKind::kShrink, 0)).code() == ECHILD);
  BOOST_TEST(p->pid() == -1);
  BOOST_TEST(p->apply(in("f"), ev(OutsideKind::kShrink, 0)).code() == ECHILD);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
