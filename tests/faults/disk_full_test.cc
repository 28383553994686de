// Real disk-full on a private size-limited tmpfs, and real EFBIG. Mounting
// moves the process into a namespace for good, so those tests run in a
// forked child each.
#include "faults/disk_full.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "faults/signal_guard.h"
#include "tests/faults/mounts.h"
#include "tests/faults/in_child.h"
#include "tests/faults/temp_dir.h"

namespace mapfuzz::faults {
namespace {

using testing::in_child;
using testing::TempDir;

const uint64_t kPage = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));

std::string mount_or_fail(LimitedTmpfs* fs, const std::string& dir, uint64_t capacity) {
  const Status s = fs->mount(dir, capacity);
  return s.ok() ? "" : "mount: " + fs->why_not() + "\n";
}

// Drops this (child) process to uid/gid 65534 for good. Dumpable again
// afterwards, as a process started by that user would be (else its
// /proc/self files stay root's and uid_map cannot be written).
bool become_nobody() {
  return setgroups(0, nullptr) == 0 && setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0 &&
         prctl(PR_SET_DUMPABLE, 1) == 0;
}

// The body shared by the root and the user-namespace tests: ENOSPC at once
// after fill_now(), room again after set_free().
std::string check_enospc(const std::string& dir) {
  LimitedTmpfs fs;
  if (std::string e = mount_or_fail(&fs, dir, 64 * kPage); !e.empty()) return e;
  CHILD_CHECK(testing::mount_listed("/proc/self/mounts", dir));
  CHILD_CHECK(fs.free_bytes() == 64 * kPage);
  const int fd = open((dir + "/f").c_str(), O_RDWR | O_CREAT, 0600);
  CHILD_CHECK(fd >= 0);
  CHILD_CHECK(posix_fallocate(fd, 0, static_cast<off_t>(4 * kPage)) == 0);
  CHILD_CHECK(fs.used_bytes() == 4 * kPage);
  CHILD_CHECK(fs.fill_now().ok());
  CHILD_CHECK(fs.free_bytes() == 0);
  CHILD_CHECK(posix_fallocate(fd, 0, static_cast<off_t>(5 * kPage)) == ENOSPC);
  CHILD_CHECK(pwrite(fd, "x", 1, static_cast<off_t>(6 * kPage)) == -1 && errno == ENOSPC);
  CHILD_CHECK(pwrite(fd, "x", 1, 0) == 1);  // allocated pages stay writable
  CHILD_CHECK(ftruncate(fd, static_cast<off_t>(1000 * kPage)) == 0);  // sparse growth still succeeds
  CHILD_CHECK(fs.set_free(2 * kPage).ok());
  CHILD_CHECK(fs.free_bytes() == 2 * kPage);
  CHILD_CHECK(posix_fallocate(fd, 0, static_cast<off_t>(6 * kPage)) == 0);
  CHILD_CHECK(posix_fallocate(fd, 0, static_cast<off_t>(7 * kPage)) == ENOSPC);
  close(fd);
  fs.unmount();
  CHILD_CHECK(!testing::mount_listed("/proc/self/mounts", dir));
  CHILD_CHECK(access((dir + "/f").c_str(), F_OK) != 0);  // the files went with the mount
  return "";
}

BOOST_AUTO_TEST_SUITE(disk_full)

BOOST_AUTO_TEST_CASE(fill_now_gives_enospc_at_once) {
  TempDir tmp;
  const auto r = in_child([&] { return check_enospc(tmp.path); });
  BOOST_TEST(r.ok(), r.describe());
  BOOST_TEST(!testing::mount_listed("/proc/self/mounts", tmp.path));  // never visible outside the child's namespace
}

BOOST_AUTO_TEST_CASE(without_root_a_user_namespace_mounts_it) {
  TempDir tmp;
  BOOST_REQUIRE(chown(tmp.path.c_str(), 65534, 65534) == 0);
  const auto r = in_child([&]() -> std::string {
    if (geteuid() == 0) CHILD_CHECK(become_nobody());
    const std::string e = check_enospc(tmp.path);
    if (e.empty()) CHILD_CHECK(std::string(LimitedTmpfs::how()) == "user namespace");
    return e;
  });
  // Some machines forbid unprivileged user namespaces: then the skip reason.
  if (r.failure.find("needs mount privileges") != std::string::npos) {
    BOOST_TEST_MESSAGE("user namespaces not allowed here: " << r.failure);
  } else {
    BOOST_TEST(r.ok(), r.describe());
  }
}

BOOST_AUTO_TEST_CASE(a_hole_page_faults_on_first_touch_when_full) {
  TempDir tmp;
  const auto r = in_child([&]() -> std::string {
    LimitedTmpfs fs;
    if (std::string e = mount_or_fail(&fs, tmp.path, 64 * kPage); !e.empty()) return e;
    const int fd = open((tmp.path + "/sparse").c_str(), O_RDWR | O_CREAT, 0600);
    CHILD_CHECK(fd >= 0);
    CHILD_CHECK(ftruncate(fd, static_cast<off_t>(16 * kPage)) == 0);
    auto* p = static_cast<volatile char*>(mmap(nullptr, 16 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    CHILD_CHECK(p != MAP_FAILED);
    p[0] = 1;  // page 0 allocated while there is room
    static uint64_t base;
    base = reinterpret_cast<uint64_t>(p);
    CHILD_CHECK(SignalGuard::install([](uint64_t a, uint64_t* off, int* f) {
      if (a < base || a >= base + 16 * kPage) return false;
      *off = a - base;
      *f = -1;
      return true;
    }));
    CHILD_CHECK(fs.fill_now().ok());
    FaultInfo info;
    CHILD_CHECK(SignalGuard::run([&] { p[0] = 2; }, &info));  // an allocated page: fine
    CHILD_CHECK(!SignalGuard::run([&] { p[3 * kPage + 9] = 1; }, &info));
    CHILD_CHECK(info.signo == SIGBUS && info.code == BUS_ADRERR && info.file_offset == 3 * kPage + 9);
    CHILD_CHECK(!SignalGuard::run([&] { (void)p[5 * kPage]; }, &info));  // even a read of a hole
    CHILD_CHECK(info.signo == SIGBUS && info.file_offset == 5 * kPage);
    CHILD_CHECK(fs.set_free(kPage).ok());
    CHILD_CHECK(SignalGuard::run([&] { p[3 * kPage + 9] = 1; }, &info));  // room for one page again
    CHILD_CHECK(!SignalGuard::run([&] { p[4 * kPage] = 1; }, &info));
    munmap(const_cast<char*>(p), 16 * kPage);
    close(fd);
    return "";
  });
  BOOST_TEST(r.ok(), r.describe());
}

BOOST_AUTO_TEST_CASE(once_threads_run_mounting_fails_and_says_why) {
  TempDir tmp;
  const auto r = in_child([&]() -> std::string {
    std::thread t([] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); });
    LimitedTmpfs fs;
    const Status s = fs.mount(tmp.path, 64 * kPage);
    t.join();
    CHILD_CHECK(!s.ok() && !fs.skipped());
    CHILD_CHECK(s.code() == EINVAL && std::string(s.call()) == "unshare");
    CHILD_CHECK(fs.why_not().find("threads") != std::string::npos);
    return "";
  });
  BOOST_TEST(r.ok(), r.describe());
}

BOOST_AUTO_TEST_CASE(without_any_privilege_it_is_skipped_with_the_reason) {
  TempDir tmp;
  BOOST_REQUIRE(mkdir((tmp / "jail").c_str(), 0755) == 0);
  const auto r = in_child([&]() -> std::string {
    // A chrooted process may not create a user namespace; nobody may not
    // create a mount namespace.
    CHILD_CHECK(chroot((tmp / "jail").c_str()) == 0 && chdir("/") == 0);
    CHILD_CHECK(become_nobody());
    LimitedTmpfs fs;
    const Status s = fs.mount("/", 64 * kPage);
    CHILD_CHECK(!s.ok() && fs.skipped());
    CHILD_CHECK(!s.injected());
    CHILD_CHECK(fs.why_not().rfind("needs mount privileges", 0) == 0);
    CHILD_CHECK(!fs.mounted());
    return "";
  });
  BOOST_TEST(r.ok(), r.describe());
}

BOOST_AUTO_TEST_CASE(file_size_limit_gives_efbig_and_is_restored) {
  TempDir tmp;
  const int fd = open((tmp / "f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_REQUIRE(fd >= 0);
  struct rlimit before {};
  BOOST_REQUIRE(getrlimit(RLIMIT_FSIZE, &before) == 0);
  {
    FileSizeLimit limit(3 * kPage);
    BOOST_TEST_REQUIRE(limit.status().ok(), limit.status().describe());
    BOOST_TEST(ftruncate(fd, static_cast<off_t>(3 * kPage)) == 0);
    BOOST_TEST(ftruncate(fd, static_cast<off_t>(3 * kPage + 1)) == -1);
    BOOST_TEST(errno == EFBIG);
    std::string big(2 * kPage, 'x');
    BOOST_TEST(pwrite(fd, big.data(), big.size(), static_cast<off_t>(2 * kPage)) == static_cast<ssize_t>(kPage));
    BOOST_TEST(pwrite(fd, big.data(), big.size(), static_cast<off_t>(3 * kPage)) == -1);  // short first, then EFBIG
    BOOST_TEST(errno == EFBIG);
    BOOST_TEST(posix_fallocate(fd, 0, static_cast<off_t>(4 * kPage)) == EFBIG);
  }
  struct rlimit after {};
  BOOST_REQUIRE(getrlimit(RLIMIT_FSIZE, &after) == 0);
  BOOST_TEST(after.rlim_cur == before.rlim_cur);
  BOOST_TEST(after.rlim_max == before.rlim_max);
  BOOST_TEST(ftruncate(fd, static_cast<off_t>(8 * kPage)) == 0);
  struct sigaction xfsz {};
  BOOST_REQUIRE(sigaction(SIGXFSZ, nullptr, &xfsz) == 0);
  BOOST_TEST((xfsz.sa_handler != SIG_IGN));
  close(fd);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
