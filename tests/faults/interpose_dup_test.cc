// The interposer on fd copies (dup, dup2, dup3, fcntl F_DUPFD*): a copy of a
// sandbox fd is a sandbox fd; copying over a tracked number untracks it.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz::faults {
namespace {

BOOST_FIXTURE_TEST_SUITE(interpose_dup, SandboxFixture)

BOOST_AUTO_TEST_CASE(a_dupd_sandbox_fd_gets_injected_ftruncate_faults) {
  // CPython's mmap module dup()s the fd and ftruncates the copy.
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  const int d = dup(fd);
  BOOST_TEST_REQUIRE(d >= 0);
  BOOST_TEST(open_sandbox_fds() == 2u);
  arm({Call::kFtruncate, 1, EFBIG, false});
  errno = 0;
  BOOST_TEST(ftruncate(d, 4096) == -1);
  BOOST_TEST(errno == EFBIG);
  BOOST_TEST(size_of(fd) == 0);  // the real call did not run
  BOOST_TEST(ftruncate(d, 4096) == 0);
  const auto t = records_of(Call::kFtruncate);
  BOOST_TEST_REQUIRE(t.size() == 2u);
  BOOST_TEST((t[0].fd == d && t[0].injected && t[0].result_errno == EFBIG));
  BOOST_TEST(close(d) == 0);
  BOOST_TEST(open_sandbox_fds() == 1u);
  BOOST_TEST(close(fd) == 0);
  BOOST_TEST(open_sandbox_fds() == 0u);
  BOOST_TEST(call_count(Call::kClose) == 2u);
}

BOOST_AUTO_TEST_CASE(every_copy_call_makes_a_tracked_fd) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  const int spare = open(out("spare").c_str(), O_RDWR | O_CREAT, 0600);  // numbers to copy onto
  const int spare3 = open(out("spare3").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(spare >= 0);
  BOOST_TEST_REQUIRE(spare3 >= 0);
  const int copies[] = {
      dup(fd),
      dup2(fd, spare),
      dup3(fd, spare3, O_CLOEXEC),
      fcntl(fd, F_DUPFD, 100),
      fcntl(fd, F_DUPFD_CLOEXEC, 200),
      fcntl64(fd, F_DUPFD, 300),
  };
  for (int c : copies) BOOST_TEST(c >= 0);
  BOOST_TEST(copies[1] == spare);
  BOOST_TEST(copies[2] == spare3);
  BOOST_TEST(copies[3] >= 100);
  BOOST_TEST(copies[4] >= 200);
  BOOST_TEST((fcntl(copies[4], F_GETFD) & FD_CLOEXEC) != 0);
  BOOST_TEST(open_sandbox_fds() == 7u);
  arm({Call::kWrite, 1, ENOSPC, true});
  for (int c : copies) {
    errno = 0;
    BOOST_TEST(write(c, "x", 1) == -1);
    BOOST_TEST(errno == ENOSPC);
  }
  BOOST_TEST(size_of(fd) == 0);
  for (int c : copies) BOOST_TEST(close(c) == 0);
  BOOST_TEST(close(fd) == 0);
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(dup2_over_a_tracked_fd_untracks_it) {
  const int a = open(in("a").c_str(), O_RDWR | O_CREAT, 0600);
  const int b = open(in("b").c_str(), O_RDWR | O_CREAT, 0600);
  const int o = open(out("o").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE((a >= 0 && b >= 0 && o >= 0));
  BOOST_TEST(open_sandbox_fds() == 2u);
  BOOST_TEST(dup2(o, a) == a);  // a now names the outside file
  BOOST_TEST(dup3(o, b, 0) == b);
  BOOST_TEST(open_sandbox_fds() == 0u);
  arm({Call::kWrite, 1, ENOSPC, true});
  arm({Call::kClose, 1, EIO, true});
  BOOST_TEST(write(a, "xy", 2) == 2);  // never faulted: not a sandbox fd any more
  BOOST_TEST(write(b, "z", 1) == 1);
  BOOST_TEST(size_of(o) == 3);
  BOOST_TEST(close(a) == 0);
  BOOST_TEST(close(b) == 0);
  BOOST_TEST(close(o) == 0);
  BOOST_TEST(call_count(Call::kWrite) == 0u);
  BOOST_TEST(call_count(Call::kClose) == 0u);  // the implicit closes are not close calls
}

BOOST_AUTO_TEST_CASE(a_failed_or_self_dup2_keeps_the_target_tracked) {
  const int a = open(in("a").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(a >= 0);
  BOOST_TEST(dup2(a, a) == a);
  BOOST_TEST(open_sandbox_fds() == 1u);
  const int closed = open(out("gone").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(closed >= 0);
  close(closed);
  errno = 0;
  BOOST_TEST(dup2(closed, a) == -1);  // EBADF: a is left alone
  BOOST_TEST(errno == EBADF);
  BOOST_TEST(dup3(a, a, 0) == -1);  // EINVAL
  BOOST_TEST(open_sandbox_fds() == 1u);
  BOOST_TEST(close(a) == 0);
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(copies_of_outside_fds_are_never_tracked) {
  arm({Call::kWrite, 1, ENOSPC, true});
  arm({Call::kFtruncate, 1, EIO, true});
  const int o = open(out("o").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(o >= 0);
  const int copies[] = {dup(o), fcntl(o, F_DUPFD, 50), fcntl(o, F_DUPFD_CLOEXEC, 60), fcntl64(o, F_DUPFD, 70)};
  for (int c : copies) {
    BOOST_TEST(c >= 0);
    BOOST_TEST(write(c, "x", 1) == 1);
    BOOST_TEST(ftruncate(c, 1) == 0);
  }
  BOOST_TEST(open_sandbox_fds() == 0u);
  BOOST_TEST(call_log().empty());
  for (int c : copies) close(c);
  close(o);
}

BOOST_AUTO_TEST_CASE(copies_made_while_inactive_are_not_tracked) {
  deactivate();
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  const int d = dup(fd);
  activate(dir.c_str());
  BOOST_TEST(open_sandbox_fds() == 0u);
  arm({Call::kFtruncate, 1, EIO, true});
  BOOST_TEST(ftruncate(d, 10) == 0);
  close(d);
  close(fd);
}

BOOST_AUTO_TEST_CASE(other_fcntl_commands_pass_their_argument_through) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(fcntl(fd, F_SETFL, O_APPEND) == 0);  // an int argument
  BOOST_TEST((fcntl(fd, F_GETFL) & O_APPEND) != 0);
  struct flock lock {};  // a pointer argument
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  BOOST_TEST(fcntl(fd, F_SETLK, &lock) == 0);
  struct flock64 lock64 {};
  lock64.l_type = F_UNLCK;
  lock64.l_whence = SEEK_SET;
  BOOST_TEST(fcntl64(fd, F_SETLK64, &lock64) == 0);
  errno = 0;
  BOOST_TEST(fcntl(fd, F_SETLK, nullptr) == -1);
  BOOST_TEST(errno == EFAULT);
  BOOST_TEST(open_sandbox_fds() == 1u);
  close(fd);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
