// Real EACCES as root: permission bits apply while DAC capabilities are
// dropped, and root's power comes back afterwards.
#include "faults/privileges.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "tests/faults/temp_dir.h"

namespace mapfuzz::faults {
namespace {

using testing::TempDir;

struct ReadOnlyFile : TempDir {
  ReadOnlyFile() {
    const int fd = open(file().c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(ftruncate(fd, 4096) == 0);
    BOOST_REQUIRE(fchmod(fd, 0444) == 0);
    close(fd);
  }
  std::string file() const { return path + "/ro"; }
};

BOOST_FIXTURE_TEST_SUITE(privileges, ReadOnlyFile)

BOOST_AUTO_TEST_CASE(opening_a_0444_file_for_writing_fails_while_dropped) {
  const bool root_like = overrides_permissions();
  {
    DroppedPrivileges drop;
    BOOST_TEST(drop.status().ok(), drop.status().describe());
    BOOST_TEST(drop.dropped() == root_like);
    BOOST_TEST(!overrides_permissions());
    errno = 0;
    BOOST_TEST(open(file().c_str(), O_RDWR) == -1);
    BOOST_TEST(errno == EACCES);
    const int fd = open(file().c_str(), O_RDONLY);  // reading is allowed by the bits
    BOOST_TEST(fd >= 0);
    close(fd);
    {
      DroppedPrivileges nested;  // nothing more to drop
      BOOST_TEST(!nested.dropped());
    }
    BOOST_TEST(!overrides_permissions());
  }
  BOOST_TEST(overrides_permissions() == root_like);
  if (root_like) {
    const int fd = open(file().c_str(), O_RDWR);
    BOOST_TEST(fd >= 0);
    close(fd);
  }
}

BOOST_AUTO_TEST_CASE(fds_opened_before_the_drop_keep_working) {
  if (!overrides_permissions()) return;
  const int fd = open(file().c_str(), O_RDWR);
  BOOST_REQUIRE(fd >= 0);
  DroppedPrivileges drop;
  BOOST_TEST(pwrite(fd, "x", 1, 0) == 1);
  close(fd);
}

BOOST_AUTO_TEST_CASE(only_the_calling_thread_is_affected) {
  if (!overrides_permissions()) return;
  // A thread started before the drop keeps its capabilities (one started
  // while dropped would inherit the dropped set).
  std::atomic<int> step{0};
  bool other = false;
  std::thread t([&] {
    while (step.load() == 0) std::this_thread::yield();
    other = overrides_permissions();
    step.store(2);
  });
  {
    DroppedPrivileges drop;
    step.store(1);
    while (step.load() != 2) std::this_thread::yield();
    BOOST_TEST(!overrides_permissions());
  }
  t.join();
  BOOST_TEST(other);
}

BOOST_AUTO_TEST_CASE(a_shared_writable_mapping_of_a_read_only_fd_is_eacces) {
  // No privilege helps here: the fd's access mode decides.
  const int fd = open(file().c_str(), O_RDONLY);
  BOOST_REQUIRE(fd >= 0);
  errno = 0;
  BOOST_TEST(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
  BOOST_TEST(errno == EACCES);
  void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);  // private is fine
  BOOST_TEST(p != MAP_FAILED);
  munmap(p, 4096);
  p = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  BOOST_REQUIRE(p != MAP_FAILED);
  errno = 0;
  BOOST_TEST(mprotect(p, 4096, PROT_READ | PROT_WRITE) == -1);
  BOOST_TEST(errno == EACCES);
  munmap(p, 4096);
  close(fd);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
