// The SIGBUS/SIGSEGV guard: a fault on a sandbox mapping becomes a return
// value with its attribution, again and again; every other fault reaches
// the handler installed before.
#include "faults/signal_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"
#include "tests/faults/in_child.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz::faults {
namespace {

using testing::in_child;

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));

uint64_t addr_of(const volatile void* p) { return reinterpret_cast<uint64_t>(p); }

struct GuardFixture : SandboxFixture {
  GuardFixture() { BOOST_REQUIRE(SignalGuard::install()); }
  ~GuardFixture() { SignalGuard::uninstall(); }

  // A file of 4 pages at `path`, mapped MAP_SHARED from file offset one
  // page for 3 pages, then cut by a second fd to one page and 100 bytes:
  // mapping page 0 is the EOF page, pages 1-2 are beyond EOF.
  volatile char* truncated_mapping(const std::string& path, int* fd_out) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(ftruncate(fd, static_cast<off_t>(4 * kPage)) == 0);
    void* p = mmap(nullptr, 3 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(kPage));
    BOOST_REQUIRE(p != MAP_FAILED);
    const int second = real_open(path.c_str(), O_RDWR, 0);
    BOOST_REQUIRE(second >= 0);
    BOOST_REQUIRE(real_ftruncate(second, static_cast<int64_t>(kPage + 100)) == 0);
    real_close(second);
    *fd_out = fd;
    return static_cast<volatile char*>(p);
  }
};

BOOST_FIXTURE_TEST_SUITE(signal_guard, GuardFixture)

BOOST_AUTO_TEST_CASE(code_that_does_not_fault_runs_to_the_end) {
  int ran = 0;
  FaultInfo info;
  BOOST_TEST(SignalGuard::run([&] { ran = 1; }, &info));
  BOOST_TEST(ran == 1);
  BOOST_TEST(info.signo == 0);
}

BOOST_AUTO_TEST_CASE(a_read_beyond_eof_returns_false_with_the_file_offset) {
  int fd = -1;
  volatile char* p = truncated_mapping(in("f"), &fd);
  FaultInfo info;
  char seen = 1;
  BOOST_TEST(SignalGuard::run([&] { seen = p[150]; }, &info));  // in the EOF page past EOF: zeros, no signal
  BOOST_TEST(seen == 0);
  int reached = 0;
  BOOST_TEST(!SignalGuard::run(
      [&] {
        seen = p[kPage + 5];  // file offset 2 pages + 5: beyond EOF
        reached = 1;
      },
      &info));
  BOOST_TEST(reached == 0);
  BOOST_TEST(info.signo == SIGBUS);
  BOOST_TEST(info.code == BUS_ADRERR);
  BOOST_TEST(info.addr == addr_of(p + kPage + 5));
  BOOST_TEST(info.file_offset == 2 * kPage + 5);
  BOOST_TEST(info.fd == fd);
  munmap(const_cast<char*>(p), 3 * kPage);
  close(fd);
}

BOOST_AUTO_TEST_CASE(faults_keep_being_caught_and_leave_no_signal_blocked) {
  int fd = -1;
  volatile char* p = truncated_mapping(in("f"), &fd);
  for (int i = 0; i < 100; ++i) {
    FaultInfo info;
    const size_t at = kPage + static_cast<size_t>(i) * 61 % (2 * kPage);
    BOOST_TEST_REQUIRE(!SignalGuard::run([&] { p[at] = 1; }, &info));  // writes fault too
    BOOST_TEST_REQUIRE(info.file_offset == kPage + at);
  }
  sigset_t mask;
  BOOST_REQUIRE(sigprocmask(SIG_BLOCK, nullptr, &mask) == 0);
  BOOST_TEST(!sigismember(&mask, SIGBUS));
  BOOST_TEST(!sigismember(&mask, SIGSEGV));
  munmap(const_cast<char*>(p), 3 * kPage);
  close(fd);
}

BOOST_AUTO_TEST_CASE(a_write_to_a_read_only_sandbox_mapping_is_a_caught_segv) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(ftruncate(fd, static_cast<off_t>(kPage)) == 0);
  auto* p = static_cast<volatile char*>(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, 0));
  BOOST_REQUIRE(p != MAP_FAILED);
  FaultInfo info;
  BOOST_TEST(!SignalGuard::run([&] { p[7] = 1; }, &info));
  BOOST_TEST(info.signo == SIGSEGV);
  BOOST_TEST(info.code == SEGV_ACCERR);
  BOOST_TEST(info.file_offset == 7u);
  munmap(const_cast<char*>(p), kPage);
  close(fd);
}

BOOST_AUTO_TEST_CASE(nested_runs_recover_to_the_innermost) {
  int fd = -1;
  volatile char* p = truncated_mapping(in("f"), &fd);
  FaultInfo outer_info, inner_info;
  bool inner_result = true;
  int after_inner = 0;
  const bool outer_result = SignalGuard::run(
      [&] {
        inner_result = SignalGuard::run([&] { (void)p[2 * kPage]; }, &inner_info);
        after_inner = 1;
        (void)p[kPage + 1];
      },
      &outer_info);
  BOOST_TEST(!inner_result);
  BOOST_TEST(after_inner == 1);
  BOOST_TEST(!outer_result);
  BOOST_TEST(inner_info.file_offset == 3 * kPage);
  BOOST_TEST(outer_info.file_offset == 2 * kPage + 1);
  munmap(const_cast<char*>(p), 3 * kPage);
  close(fd);
}

BOOST_AUTO_TEST_CASE(a_caller_lookup_guards_untracked_mappings) {
  deactivate();  // nothing is tracked by the interposer now
  int fd = -1;
  volatile char* p = truncated_mapping(out("f"), &fd);
  static uint64_t base;
  base = addr_of(p);
  BOOST_REQUIRE(SignalGuard::install([](uint64_t a, uint64_t* off, int* f) {
    if (a < base || a >= base + 3 * kPage) return false;
    *off = a - base;
    *f = 99;
    return true;
  }));
  FaultInfo info;
  BOOST_TEST(!SignalGuard::run([&] { (void)p[2 * kPage + 3]; }, &info));
  BOOST_TEST(info.file_offset == 2 * kPage + 3);
  BOOST_TEST(info.fd == 99);
  BOOST_REQUIRE(SignalGuard::install());
  munmap(const_cast<char*>(p), 3 * kPage);
  close(fd);
}

// The previous handler for the child tests: says which signal reached it.
void previous_handler(int sig) { _exit(100 + sig); }

void set_previous(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, nullptr);
  sigaction(SIGSEGV, &sa, nullptr);
}

BOOST_AUTO_TEST_CASE(faults_outside_guarded_ranges_reach_the_previous_handler) {
  SignalGuard::uninstall();
  // An untracked mapping (outside the sandbox), inside run().
  auto r = in_child([&]() -> std::string {
    set_previous(previous_handler);
    CHILD_CHECK(SignalGuard::install());
    int fd = -1;
    volatile char* p = truncated_mapping(out("f"), &fd);
    SignalGuard::run([&] { (void)p[2 * kPage]; }, nullptr);
    return "run() returned";
  });
  BOOST_TEST((WIFEXITED(r.status) && WEXITSTATUS(r.status) == 100 + SIGBUS), r.describe());
  // A sandbox mapping, but no run() in progress.
  r = in_child([&]() -> std::string {
    set_previous(previous_handler);
    CHILD_CHECK(SignalGuard::install());
    int fd = -1;
    volatile char* p = truncated_mapping(in("g"), &fd);
    (void)p[2 * kPage];
    return "no signal";
  });
  BOOST_TEST((WIFEXITED(r.status) && WEXITSTATUS(r.status) == 100 + SIGBUS), r.describe());
  // An unmapped address inside run().
  r = in_child([&]() -> std::string {
    set_previous(previous_handler);
    CHILD_CHECK(SignalGuard::install());
    static volatile int* volatile wild = reinterpret_cast<volatile int*>(16);
    SignalGuard::run([&] { *wild = 1; }, nullptr);
    return "run() returned";
  });
  BOOST_TEST((WIFEXITED(r.status) && WEXITSTATUS(r.status) == 100 + SIGSEGV), r.describe());
  // A SIGBUS sent by raise() is not a fault, even inside run().
  r = in_child([&]() -> std::string {
    set_previous(previous_handler);
    CHILD_CHECK(SignalGuard::install(+[](uint64_t, uint64_t*, int*) { return true; }));
    SignalGuard::run([&] { raise(SIGBUS); }, nullptr);
    return "run() returned";
  });
  BOOST_TEST((WIFEXITED(r.status) && WEXITSTATUS(r.status) == 100 + SIGBUS), r.describe());
}

BOOST_AUTO_TEST_CASE(with_the_default_action_before_an_unguarded_fault_kills) {
  SignalGuard::uninstall();
  auto r = in_child([&]() -> std::string {
    set_previous(SIG_DFL);
    CHILD_CHECK(SignalGuard::install());
    int fd = -1;
    volatile char* p = truncated_mapping(out("f"), &fd);
    SignalGuard::run([&] { (void)p[2 * kPage]; }, nullptr);
    return "run() returned";
  });
  BOOST_TEST((WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGBUS), r.describe());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
