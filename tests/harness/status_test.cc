// Tests of harness/status.cc.
#include "harness/status.h"

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

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

}  // namespace
}  // namespace mapfuzz
