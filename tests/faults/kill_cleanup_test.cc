// Nothing outlives a fuzzing process killed with SIGKILL: not its outside
// helper process, not its private tmpfs mount, not the sandbox files on it.
// A "fuzzer" child sets everything up as a run would (mount, sandbox,
// helper, an event), is killed, and the test looks for what remains.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "faults/disk_full.h"
#include "faults/outside_process.h"
#include "tests/faults/mounts.h"
#include "tests/faults/temp_dir.h"

namespace mapfuzz::faults {
namespace {

void fill(uint8_t seed, uint64_t offset, uint8_t* out, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + offset + i) | 1;
}

size_t entries(const std::string& dir) {
  size_t n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.' || (e->d_name[1] != '\0' && e->d_name[1] != '.');
    closedir(d);
  }
  return n;
}

// The killed process: mount, sandbox, helper, one event, then wait to die.
// Reports "ok <helper pid> <mounted 0|1>" or "error ..." on `out`.
[[noreturn]] void fuzzer(const std::string& mount_point, int out) {
  auto report = [&](const std::string& s) {
    (void)!write(out, s.data(), s.size());
    close(out);
  };
  LimitedTmpfs fs;
  const Status m = fs.mount(mount_point, 1 << 20);
  if (!m.ok() && !fs.skipped()) {
    report("error " + fs.why_not());
    _exit(1);
  }
  const std::string sandbox = mount_point + "/mapfuzz-sandbox";
  std::string why;
  if (mkdir(sandbox.c_str(), 0700) != 0) {
    report("error mkdir sandbox");
    _exit(1);
  }
  auto helper = OutsideProcess::start(sandbox, fill, &why);
  const int fd = open((sandbox + "/f").c_str(), O_RDWR | O_CREAT, 0600);
  OutsideEvent e;
  e.kind = OutsideKind::kPwrite;
  e.length = 10000;
  if (!helper || fd < 0 || !helper->apply(sandbox + "/f", e).ok()) {
    report("error helper: " + why);
    _exit(1);
  }
  report("ok " + std::to_string(helper->pid()) + " " + (m.ok() ? "1" : "0"));
  for (;;) pause();
}

BOOST_AUTO_TEST_CASE(nothing_remains_after_sigkill) {
  // Orphans of our descendants are re-parented to us: the helper can be
  // reaped here and its end observed.
  BOOST_REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  testing::TempDir base;
  const std::string mount_point = base / "mnt";
  BOOST_REQUIRE(mkdir(mount_point.c_str(), 0700) == 0);
  int p[2];
  BOOST_REQUIRE(pipe(p) == 0);
  const pid_t victim = fork();
  BOOST_REQUIRE(victim >= 0);
  if (victim == 0) {
    close(p[0]);
    fuzzer(mount_point, p[1]);
  }
  close(p[1]);
  char buf[512] = {};
  ssize_t n = 0;
  while ((n = read(p[0], buf, sizeof buf - 1)) < 0 && errno == EINTR) {
  }
  close(p[0]);
  int helper = -1, mounted = 0;
  BOOST_REQUIRE_MESSAGE(std::sscanf(buf, "ok %d %d", &helper, &mounted) == 2, "the fuzzer said: " << buf);
  if (!mounted) BOOST_TEST_MESSAGE("tmpfs mount skipped here: checking the helper only");

  // While it lives: the helper runs; the mount is in its namespace only.
  BOOST_TEST(kill(helper, 0) == 0);
  const std::string victim_mounts = "/proc/" + std::to_string(victim) + "/mounts";
  BOOST_TEST(testing::mount_listed(victim_mounts, mount_point) == bool(mounted));
  BOOST_TEST(!testing::mount_listed("/proc/self/mounts", mount_point));

  BOOST_REQUIRE(kill(victim, SIGKILL) == 0);
  int status = 0;
  BOOST_REQUIRE(waitpid(victim, &status, 0) == victim);
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));

  // The helper dies by its parent-death signal, within moments.
  int helper_status = 0;
  pid_t reaped = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((reaped = waitpid(helper, &helper_status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  BOOST_TEST(reaped == helper);
  BOOST_TEST((WIFSIGNALED(helper_status) && WTERMSIG(helper_status) == SIGKILL));
  BOOST_TEST((kill(helper, 0) == -1 && errno == ESRCH));

  // No mount anywhere, no file left: the sandbox lived on the tmpfs.
  BOOST_TEST(access(("/proc/" + std::to_string(victim)).c_str(), F_OK) != 0);
  BOOST_TEST(!testing::mount_listed("/proc/self/mounts", mount_point));
  if (mounted) BOOST_TEST(entries(mount_point) == 0u);
  BOOST_TEST(entries(base.path) == 1u);  // "mnt" itself, the test's own directory
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

}  // namespace
}  // namespace mapfuzz::faults
