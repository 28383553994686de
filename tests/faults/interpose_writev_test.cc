// The interposer on vectored writes (writev, pwritev, pwritev2 and their 64
// names): each counts as one write call and fails whole, never short.
#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz::faults {
namespace {

struct TwoBuffers {
  char a[3] = {'a', 'b', 'c'};
  char b[4] = {'d', 'e', 'f', 'g'};
  iovec iov[2] = {{a, sizeof a}, {b, sizeof b}};
};

BOOST_FIXTURE_TEST_SUITE(interpose_writev, SandboxFixture)

BOOST_AUTO_TEST_CASE(writev_on_a_sandbox_fd_gets_an_injected_enospc) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  TwoBuffers w;
  arm({Call::kWrite, 1, ENOSPC, false});
  errno = 0;
  BOOST_TEST(writev(fd, w.iov, 2) == -1);
  BOOST_TEST(errno == ENOSPC);
  BOOST_TEST(size_of(fd) == 0);  // failed whole: no byte written
  BOOST_TEST(writev(fd, w.iov, 2) == 7);
  BOOST_TEST(size_of(fd) == 7);
  close(fd);
  const auto r = records_of(Call::kWrite);
  BOOST_TEST_REQUIRE(r.size() == 2u);
  BOOST_TEST((r[0].injected && r[0].result_errno == ENOSPC && r[0].length == 7u && r[0].fd == fd));
  BOOST_TEST((!r[1].injected && r[1].result_errno == 0 && r[1].file_offset == 0u));
}

BOOST_AUTO_TEST_CASE(every_vectored_write_counts_as_a_write_at_its_offset) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  TwoBuffers w;
  BOOST_TEST(pwritev(fd, w.iov, 2, 100) == 7);
  BOOST_TEST(pwritev64(fd, w.iov, 2, 200) == 7);
  BOOST_TEST(pwritev2(fd, w.iov, 2, 300, 0) == 7);
  BOOST_TEST(pwritev64v2(fd, w.iov, 2, 400, 0) == 7);
  BOOST_TEST(lseek(fd, 50, SEEK_SET) == 50);
  BOOST_TEST(pwritev2(fd, w.iov, 2, -1, 0) == 7);  // -1: at the file position
  BOOST_TEST(lseek(fd, 0, SEEK_CUR) == 57);
  const auto r = records_of(Call::kWrite);
  BOOST_TEST_REQUIRE(r.size() == 5u);
  const uint64_t offsets[] = {100, 200, 300, 400, 50};
  for (size_t i = 0; i < r.size(); ++i) {
    BOOST_TEST(r[i].file_offset == offsets[i]);
    BOOST_TEST(r[i].length == 7u);
  }
  arm({Call::kWrite, 1, EDQUOT, true});
  for (int i = 0; i < 4; ++i) {
    errno = 0;
    const ssize_t n = i == 0 ? pwritev(fd, w.iov, 2, 1000)
                    : i == 1 ? pwritev64(fd, w.iov, 2, 1000)
                    : i == 2 ? pwritev2(fd, w.iov, 2, 1000, 0)
                             : pwritev64v2(fd, w.iov, 2, -1, 0);
    BOOST_TEST(n == -1);
    BOOST_TEST(errno == EDQUOT);
  }
  BOOST_TEST(size_of(fd) == 407);
  BOOST_TEST(call_count(Call::kWrite) == 9u);
  close(fd);
}

BOOST_AUTO_TEST_CASE(vectored_writes_to_outside_fds_are_never_touched) {
  arm({Call::kWrite, 1, ENOSPC, true});
  const int o = open(out("o").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(o >= 0);
  TwoBuffers w;
  BOOST_TEST(writev(o, w.iov, 2) == 7);
  BOOST_TEST(pwritev(o, w.iov, 2, 7) == 7);
  BOOST_TEST(pwritev2(o, w.iov, 2, 14, 0) == 7);
  BOOST_TEST(size_of(o) == 21);
  BOOST_TEST(call_log().empty());
  close(o);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
