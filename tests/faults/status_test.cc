// Tests of faults/status.cc: describe(), the errno names, and injected():
// what the interposer tells Status about a failure it injected.
#include "faults/status.h"

#include <fcntl.h>
#include <unistd.h>

#include <thread>
#include <type_traits>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz {
namespace {

using faults::Call;

// Cheap on the hot path: two words, copied like an int pair, no allocation.
static_assert(sizeof(Status) <= 16);
static_assert(std::is_trivially_copyable_v<Status>);
static_assert(std::is_trivially_destructible_v<Status>);

BOOST_AUTO_TEST_SUITE(status)

BOOST_AUTO_TEST_CASE(describe) {
  BOOST_TEST(Status().describe() == "ok");
  BOOST_TEST(Status(ENOSPC, "posix_fallocate").describe() == "ENOSPC from posix_fallocate");
  BOOST_TEST(Status(EIO, nullptr).describe() == "EIO");
  BOOST_TEST(Status(999, "msync").describe() == "E999 from msync");
}

BOOST_AUTO_TEST_CASE(ok_and_code) {
  BOOST_TEST(Status().ok());
  BOOST_TEST(static_cast<bool>(Status()));
  Status s(EBADF, "close");
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.code() == EBADF);
  BOOST_TEST(std::string(s.call()) == "close");
  errno = EACCES;
  BOOST_TEST(Status::from_errno("open").code() == EACCES);
  errno = 0;
  BOOST_TEST(Status::from_errno("open").code() == EIO);
  BOOST_TEST(Status::from_code(EAGAIN, "pthread_create").code() == EAGAIN);
  BOOST_TEST(Status::from_code(0, "posix_fallocate").code() == EIO);
  errno = EROFS;
  BOOST_TEST(Status::from_unfaulted_errno("mount").code() == EROFS);
  BOOST_TEST(std::string(Status::from_unfaulted_errno("mount").call()) == "mount");
  BOOST_TEST(!Status().injected());
  BOOST_TEST(!Status(ENOSPC, "write").injected());
}

BOOST_AUTO_TEST_CASE(names_cover_the_file_errnos) {
  const char* names[] = {"EPERM",  "ENOENT", "EINTR",  "EIO",    "EBADF",     "EAGAIN",  "ENOMEM",
                         "EACCES", "EFAULT", "EBUSY",  "EEXIST", "ENODEV",    "EINVAL",  "ENFILE",
                         "EMFILE", "EFBIG",  "ENOSPC", "ESPIPE", "EROFS",     "EDQUOT",  "EOVERFLOW",
                         "ENOTSUP", "EOPNOTSUPP", "ETXTBSY"};
  for (const char* name : names) {
    int code = errno_from_name(name);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(code > 0);
      BOOST_TEST(errno_from_name(errno_name(code)) == code);
    }
  }
  BOOST_TEST(errno_name(ENOSPC) == std::string("ENOSPC"));
  BOOST_TEST(errno_name(EDQUOT) == std::string("EDQUOT"));
  BOOST_TEST(errno_from_name("ENOTSUP") == ENOTSUP);
  BOOST_TEST(errno_from_name("EWOULDBLOCK") == EWOULDBLOCK);
}

BOOST_AUTO_TEST_CASE(zero_and_unknown_codes) {
  BOOST_TEST(errno_name(0) == std::string("OK"));
  BOOST_TEST(errno_from_name("OK") == 0);
  BOOST_TEST(errno_name(250) == std::string("E250"));
  BOOST_TEST(errno_name(4095) == std::string("E4095"));
  BOOST_TEST(errno_from_name("E250") == 250);
  BOOST_TEST(errno_from_name("E5") == EIO);
  for (const char* bad : {"", "E", "E0", "E007", "E4096", "E99999", "E12x", "ENOPE", "enospc", "EIO "}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(errno_from_name(bad) == 0); }
  }
  // Every code up to 4095 has a name that reads back as itself.
  for (int code = 1; code <= 4095; ++code) {
    BOOST_TEST_REQUIRE(errno_from_name(errno_name(code)) == code);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// injected(): faults armed in the interposer, as in interpose_test.cc.
struct Sandbox : faults::SandboxFixture {
  Sandbox() {
    fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_REQUIRE(fd >= 0);
  }
  ~Sandbox() { close(fd); }
  int fd = -1;
};

BOOST_FIXTURE_TEST_SUITE(status_injected, Sandbox)

BOOST_AUTO_TEST_CASE(an_injected_fault_is_injected_and_a_real_failure_is_not) {
  faults::arm({Call::kFtruncate, 1, EIO, false});
  BOOST_TEST(ftruncate(fd, 4096) == -1);
  const Status injected = Status::from_errno("ftruncate");
  BOOST_TEST(injected.code() == EIO);
  BOOST_TEST(injected.injected());
  // A real failure of the same call on the same fd (the fault fired once).
  BOOST_TEST(ftruncate(fd, -1) == -1);
  const Status real = Status::from_errno("ftruncate");
  BOOST_TEST(real.code() == EINVAL);
  BOOST_TEST(!real.injected());
  // A real failure with the errno a fault would have given.
  BOOST_TEST(open(in("missing").c_str(), O_RDONLY) == -1);
  BOOST_TEST(!Status::from_errno("open").injected());
}

BOOST_AUTO_TEST_CASE(describe_says_nothing_of_injection) {
  faults::arm({Call::kFallocate, 1, ENOSPC, false});
  const int err = posix_fallocate(fd, 0, 4096);  // returns the error number, errno untouched
  const Status injected = Status::from_code(err, "posix_fallocate");
  BOOST_TEST(injected.injected());
  BOOST_TEST(injected.describe() == "ENOSPC from posix_fallocate");
  BOOST_TEST(injected.describe() == Status(ENOSPC, "posix_fallocate").describe());
}

BOOST_AUTO_TEST_CASE(calls_that_succeed_in_between_keep_the_answer) {
  faults::arm({Call::kWrite, 1, ENOSPC, false});
  BOOST_TEST(write(fd, "x", 1) == -1);
  BOOST_TEST(fsync(fd) == 0);  // a library's cleanup: errno stays ENOSPC
  BOOST_TEST(access(in("f").c_str(), F_OK) == 0);
  BOOST_TEST(errno == ENOSPC);
  BOOST_TEST(Status::from_errno("write").injected());
}

BOOST_AUTO_TEST_CASE(one_injected_failure_makes_one_injected_status) {
  faults::arm({Call::kFsync, 1, EIO, false});
  BOOST_TEST(fsync(fd) == -1);
  BOOST_TEST(Status::from_errno("fsync").injected());
  errno = EIO;
  BOOST_TEST(!Status::from_errno("fsync").injected());  // already claimed
}

BOOST_AUTO_TEST_CASE(another_errno_leaves_the_mark_for_the_right_one) {
  faults::arm({Call::kFsync, 1, EIO, false});
  BOOST_TEST(fsync(fd) == -1);
  BOOST_TEST(lseek(fd, -1, SEEK_SET) == -1);  // EINVAL; not interposed
  BOOST_TEST(!Status::from_errno("lseek").injected());
  BOOST_TEST(Status::from_code(EIO, "fsync").injected());
}

BOOST_AUTO_TEST_CASE(what_it_cannot_know) {
  // A library saves errno, its cleanup fails for real on a sandbox file, it
  // restores errno: the injected failure is reported as real.
  faults::arm({Call::kFsync, 1, EIO, false});
  BOOST_TEST(fsync(fd) == -1);
  const int saved = errno;
  BOOST_TEST(open(in("missing").c_str(), O_RDONLY) == -1);
  errno = saved;
  BOOST_TEST(!Status::from_errno("fsync").injected());
  // Built on another thread: false.
  faults::arm({Call::kFsync, 1, EIO, false});
  BOOST_TEST(fsync(fd) == -1);
  bool elsewhere = true;
  std::thread([&] { elsewhere = Status::from_code(EIO, "fsync").injected(); }).join();
  BOOST_TEST(!elsewhere);
  // A real failure the interposer does not see (a file outside the
  // sandbox, a direct system call) with the errno of an unclaimed injected
  // failure of the same step: true, wrongly.
  errno = EIO;  // stands for such a failure
  BOOST_TEST(Status::from_errno("read").injected());
}

BOOST_AUTO_TEST_CASE(a_new_step_a_bypass_and_unfaulted_calls) {
  faults::arm({Call::kFsync, 1, EIO, true});
  BOOST_TEST(fsync(fd) == -1);
  const Status unfaulted = Status::from_unfaulted_errno("fsync");
  BOOST_TEST(unfaulted.code() == EIO);
  BOOST_TEST(!unfaulted.injected());
  BOOST_TEST(Status::from_errno("fsync").injected());  // the mark stayed for it
  BOOST_TEST(fsync(fd) == -1);
  faults::set_tag(1);  // the executor's next step
  BOOST_TEST(!Status::from_code(EIO, "fsync").injected());
  BOOST_TEST(fsync(fd) == -1);
  {
    faults::Bypass bypass;  // the oracle's reads: never faulted
    BOOST_TEST(!Status::from_code(EIO, "fsync").injected());
  }
  BOOST_TEST(fsync(fd) == -1);
  faults::deactivate();
  BOOST_TEST(!Status::from_code(EIO, "fsync").injected());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
