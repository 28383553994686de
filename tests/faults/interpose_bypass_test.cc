// faults::Bypass: the oracle's own calls are neither faulted, logged nor
// counted, but the fds and mappings they open and close are still tracked.
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz::faults {
namespace {

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));

struct BypassFixture : SandboxFixture {
  BypassFixture() {
    // Every sandbox call would fail if it were not bypassed.
    for (Call c : {Call::kOpen, Call::kFtruncate, Call::kMmap, Call::kMunmap, Call::kMsync, Call::kWrite,
                   Call::kClose}) {
      arm({c, 1, EIO, true});
    }
  }
};

BOOST_FIXTURE_TEST_SUITE(interpose_bypass, BypassFixture)

BOOST_AUTO_TEST_CASE(bypassed_calls_are_not_faulted_logged_or_counted) {
  {
    Bypass bypass;
    const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_TEST_REQUIRE(fd >= 0);
    BOOST_TEST(ftruncate(fd, static_cast<off_t>(kPage)) == 0);
    BOOST_TEST(write(fd, "x", 1) == 1);
    void* p = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    BOOST_TEST_REQUIRE(p != MAP_FAILED);
    BOOST_TEST(msync(p, kPage, MS_SYNC) == 0);
    BOOST_TEST(munmap(p, kPage) == 0);
    BOOST_TEST(close(fd) == 0);
  }
  BOOST_TEST(call_log().empty());
  BOOST_TEST(call_count(Call::kOpen) == 0u);
  BOOST_TEST(call_count(Call::kMmap) == 0u);
  BOOST_TEST(open_sandbox_fds() == 0u);
  BOOST_TEST(live_sandbox_mappings() == 0u);
}

BOOST_AUTO_TEST_CASE(an_fd_opened_under_a_bypass_is_tracked_after_it) {
  int fd;
  {
    Bypass bypass;
    fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_TEST_REQUIRE(fd >= 0);
  }
  BOOST_TEST(open_sandbox_fds() == 1u);  // a leak, if nobody closes it
  errno = 0;
  BOOST_TEST(ftruncate(fd, 10) == -1);  // the program's own calls on it are faulted
  BOOST_TEST(errno == EIO);
  BOOST_TEST(close(fd) == -1);  // an injected close still releases the fd
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(an_fd_closed_under_a_bypass_is_untracked) {
  disarm_all();
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  {
    Bypass bypass;
    BOOST_TEST(close(fd) == 0);
  }
  BOOST_TEST(open_sandbox_fds() == 0u);
  // Its number is reused for a file outside: that one is never faulted.
  arm({Call::kWrite, 1, ENOSPC, true});
  const int o = open(out("o").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(o == fd);
  BOOST_TEST(write(o, "x", 1) == 1);
  BOOST_TEST(close(o) == 0);
}

BOOST_AUTO_TEST_CASE(mappings_made_or_unmapped_under_a_bypass_are_tracked) {
  disarm_all();
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST_REQUIRE(ftruncate(fd, static_cast<off_t>(2 * kPage)) == 0);
  void* a;
  {
    Bypass bypass;
    a = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, 0);
    BOOST_TEST_REQUIRE(a != MAP_FAILED);
  }
  BOOST_TEST(live_sandbox_mappings() == 1u);
  void* b = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(kPage));
  BOOST_TEST_REQUIRE(b != MAP_FAILED);
  BOOST_TEST(live_sandbox_mappings() == 2u);
  {
    Bypass bypass;
    BOOST_TEST(munmap(b, kPage) == 0);
  }
  BOOST_TEST(live_sandbox_mappings() == 1u);
  BOOST_TEST(munmap(a, kPage) == 0);
  BOOST_TEST(live_sandbox_mappings() == 0u);
  close(fd);
  BOOST_TEST(records_of(Call::kMmap).size() == 1u);  // b's mmap only
  BOOST_TEST(records_of(Call::kMunmap).size() == 1u);  // a's munmap only
}

BOOST_AUTO_TEST_CASE(the_after_mmap_hook_waits_for_the_programs_mmap) {
  disarm_all();
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST_REQUIRE(ftruncate(fd, static_cast<off_t>(kPage)) == 0);
  int calls = 0;
  call_after_next_mmap([](void* n) { ++*static_cast<int*>(n); }, &calls);
  {
    Bypass bypass;
    void* p = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, 0);
    BOOST_TEST_REQUIRE(p != MAP_FAILED);
    munmap(p, kPage);
  }
  BOOST_TEST(calls == 0);
  void* p = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, 0);
  BOOST_TEST_REQUIRE(p != MAP_FAILED);
  BOOST_TEST(calls == 1);
  munmap(p, kPage);
  close(fd);
}

BOOST_AUTO_TEST_CASE(bypasses_nest) {
  disarm_all();
  int fd;
  {
    Bypass outer;
    {
      Bypass inner;
    }
    fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);  // still bypassed
  }
  BOOST_TEST(call_log().empty());
  BOOST_TEST(open_sandbox_fds() == 1u);
  close(fd);
  BOOST_TEST(records_of(Call::kClose).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
