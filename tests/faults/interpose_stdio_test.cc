// The interposer on stdio's fopen, freopen and fclose: a stream on a sandbox
// file is tracked like an open fd (its mmap and ftruncate are sandbox calls),
// fopen and fclose are faultable as open and close, and a stream elsewhere
// is untouched.
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz::faults {
namespace {

BOOST_FIXTURE_TEST_SUITE(interpose_stdio, SandboxFixture)

BOOST_AUTO_TEST_CASE(a_stream_on_a_sandbox_file_is_tracked_and_its_mapping_faulted) {
  FILE* f = fopen(in("f").c_str(), "w+");
  BOOST_TEST_REQUIRE(f != nullptr);
  BOOST_TEST(open_sandbox_fds() == 1u);
  BOOST_TEST(ftruncate(fileno(f), 8192) == 0);
  arm({Call::kMmap, 1, ENOMEM, false});
  errno = 0;
  BOOST_TEST(mmap(nullptr, 8192, PROT_READ, MAP_SHARED, fileno(f), 0) == MAP_FAILED);
  BOOST_TEST(errno == ENOMEM);
  void* p = mmap(nullptr, 8192, PROT_READ, MAP_SHARED, fileno(f), 0);
  BOOST_TEST_REQUIRE(p != MAP_FAILED);
  BOOST_TEST(live_sandbox_mappings() == 1u);
  BOOST_TEST(munmap(p, 8192) == 0);
  BOOST_TEST(fclose(f) == 0);
  BOOST_TEST(open_sandbox_fds() == 0u);
  const auto opens = records_of(Call::kOpen);
  BOOST_TEST_REQUIRE(opens.size() == 1u);
  BOOST_TEST((opens[0].flags & O_CREAT) != 0);
  BOOST_TEST(records_of(Call::kClose).size() == 1u);
}

BOOST_AUTO_TEST_CASE(fopen_and_fclose_fail_as_open_and_close) {
  arm({Call::kOpen, 1, EACCES, false});
  errno = 0;
  BOOST_TEST(fopen(in("f").c_str(), "w") == nullptr);
  BOOST_TEST(errno == EACCES);
  BOOST_TEST(access(in("f").c_str(), F_OK) != 0);  // nothing was created
  FILE* f = fopen(in("f").c_str(), "w");
  BOOST_TEST_REQUIRE(f != nullptr);
  arm({Call::kClose, 1, EIO, false});
  errno = 0;
  BOOST_TEST(fclose(f) == EOF);  // the stream is closed all the same
  BOOST_TEST(errno == EIO);
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(freopen_moves_the_tracking_and_streams_elsewhere_pass) {
  FILE* f = fopen(out("elsewhere").c_str(), "w");
  BOOST_TEST_REQUIRE(f != nullptr);
  BOOST_TEST(open_sandbox_fds() == 0u);
  arm({Call::kOpen, 1, EIO, true});  // persistent: would fail any sandbox open
  f = freopen(out("elsewhere2").c_str(), "w", f);
  BOOST_TEST_REQUIRE(f != nullptr);
  disarm_all();
  f = freopen(in("g").c_str(), "w", f);
  BOOST_TEST_REQUIRE(f != nullptr);
  BOOST_TEST(open_sandbox_fds() == 1u);
  f = freopen(out("elsewhere3").c_str(), "w", f);
  BOOST_TEST_REQUIRE(f != nullptr);
  BOOST_TEST(open_sandbox_fds() == 0u);
  BOOST_TEST(fclose(f) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
