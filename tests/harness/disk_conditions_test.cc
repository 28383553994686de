// A program's file size limit (`outside sizelimit`) holds only inside a
// DiskConditions::LibraryCall: the harness's own writes are never limited.
#include "harness/disk_conditions.h"

#include <signal.h>
#include <sys/resource.h>

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

rlim_t soft_limit() {
  struct rlimit l;
  BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &l) == 0);
  return l.rlim_cur;
}

bool sigxfsz_ignored() {
  struct sigaction sa;
  BOOST_REQUIRE(::sigaction(SIGXFSZ, nullptr, &sa) == 0);
  return sa.sa_handler == SIG_IGN;
}

faults::OutsideEvent size_limit(uint64_t bytes) {
  faults::OutsideEvent e;
  e.kind = faults::OutsideKind::kSizeLimit;
  e.length = bytes;
  return e;
}

BOOST_AUTO_TEST_CASE(the_limit_holds_only_during_a_library_call) {
  const rlim_t before = soft_limit();
  const bool ignored_before = sigxfsz_ignored();
  DiskConditions disk;
  BOOST_REQUIRE(disk.apply(size_limit(4096), 2).ok());
  BOOST_TEST(disk.limited());
  BOOST_TEST(disk.describe() == "file size limit (RLIMIT_FSIZE) of 4096 bytes since step 2");
  BOOST_TEST(soft_limit() == before);  // not between calls
  {
    DiskConditions::LibraryCall call(&disk);
    BOOST_TEST(soft_limit() == 4096u);
    BOOST_TEST(sigxfsz_ignored());
  }
  BOOST_TEST(soft_limit() == before);
  BOOST_TEST(sigxfsz_ignored() == ignored_before);

  BOOST_REQUIRE(disk.apply(size_limit(8192), 3).ok());  // replaces the first
  {
    DiskConditions::LibraryCall call(&disk);
    BOOST_TEST(soft_limit() == 8192u);
  }
  disk.reset();
  BOOST_TEST(!disk.limited());
  {
    DiskConditions::LibraryCall call(&disk);
    BOOST_TEST(soft_limit() == before);
  }
  DiskConditions::LibraryCall no_conditions(nullptr);
  BOOST_TEST(soft_limit() == before);
}

}  // namespace
}  // namespace mapfuzz
