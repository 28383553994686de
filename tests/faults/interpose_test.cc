// The interposer on fds and paths: what is logged, what is faulted, and
// that nothing outside the sandbox is ever touched. Mappings are in
// interpose_mapping_test.cc.
#include "faults/interpose.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "tests/faults/sandbox_fixture.h"

extern "C" int __open_2(const char* path, int flags);
extern "C" int __open64_2(const char* path, int flags);

namespace mapfuzz::faults {
namespace {

BOOST_FIXTURE_TEST_SUITE(interpose, SandboxFixture)

BOOST_AUTO_TEST_CASE(inactive_calls_are_not_logged) {
  deactivate();
  clear_log();
  BOOST_TEST(!active());
  arm({Call::kFtruncate, 1, EIO, true});  // forgotten: nothing is a sandbox file
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(ftruncate(fd, 4096) == 0);
  BOOST_TEST(write(fd, "x", 1) == 1);
  BOOST_TEST(fsync(fd) == 0);
  BOOST_TEST(close(fd) == 0);
  BOOST_TEST(call_log().empty());
  BOOST_TEST(call_count(Call::kOpen) == 0u);
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(sandbox_fd_calls_are_logged_with_their_fields) {
  BOOST_TEST(active());
  set_tag(7);
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(open_sandbox_fds() == 1u);
  set_tag(8);
  BOOST_TEST(ftruncate(fd, 12345) == 0);
  BOOST_TEST(pwrite(fd, "abcd", 4, 100) == 4);
  BOOST_TEST(fallocate(fd, 0, 8192, 4096) == 0);
  BOOST_TEST(fsync(fd) == 0);
  BOOST_TEST(fdatasync(fd) == 0);
  BOOST_TEST(close(fd) == 0);
  BOOST_TEST(open_sandbox_fds() == 0u);

  const auto& log = call_log();
  BOOST_TEST_REQUIRE(log.size() == 7u);
  BOOST_TEST((log[0].call == Call::kOpen && log[0].fd == fd && log[0].tag == 7u));
  BOOST_TEST(log[0].flags == (O_RDWR | O_CREAT));
  BOOST_TEST((log[1].call == Call::kFtruncate && log[1].fd == fd && log[1].length == 12345u));
  BOOST_TEST(log[1].tag == 8u);
  BOOST_TEST((log[2].call == Call::kWrite && log[2].length == 4u && log[2].file_offset == 100u));
  BOOST_TEST((log[3].call == Call::kFallocate && log[3].file_offset == 8192u && log[3].length == 4096u));
  BOOST_TEST((log[4].call == Call::kFsync && log[5].call == Call::kFsync));
  BOOST_TEST((log[6].call == Call::kClose && log[6].fd == fd));
  for (const CallRecord& r : log) {
    BOOST_TEST(r.result_errno == 0);
    BOOST_TEST(!r.injected);
  }
  BOOST_TEST(call_count(Call::kOpen) == 1u);
  BOOST_TEST(call_count(Call::kFsync) == 2u);
  BOOST_TEST(call_count(Call::kMmap) == 0u);
}

BOOST_AUTO_TEST_CASE(real_failures_are_logged_with_their_errno) {
  const int fd = open(in("missing").c_str(), O_RDONLY);
  BOOST_TEST(fd == -1);
  BOOST_TEST(errno == ENOENT);
  const auto opens = records_of(Call::kOpen);
  BOOST_TEST_REQUIRE(opens.size() == 1u);
  BOOST_TEST((opens[0].result_errno == ENOENT && !opens[0].injected && opens[0].fd == -1));
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(write_offsets_follow_the_file_position) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT | O_APPEND, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(write(fd, "hello", 5) == 5);
  BOOST_TEST(lseek(fd, 0, SEEK_SET) == 0);
  BOOST_TEST(write(fd, "abc", 3) == 3);  // O_APPEND: lands at 5, not 0
  close(fd);
  const auto writes = records_of(Call::kWrite);
  BOOST_TEST_REQUIRE(writes.size() == 2u);
  BOOST_TEST(writes[0].file_offset == 0u);
  BOOST_TEST(writes[1].file_offset == 5u);
}

BOOST_AUTO_TEST_CASE(outside_files_are_never_logged_or_faulted) {
  arm({Call::kWrite, 1, ENOSPC, true});
  arm({Call::kOpen, 2, EACCES, true});
  arm({Call::kClose, 1, EIO, true});
  const int outside_fd = open(out("log").c_str(), O_RDWR | O_CREAT, 0600);
  const int sandbox_fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(outside_fd >= 0);
  BOOST_TEST_REQUIRE(sandbox_fd >= 0);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(write(outside_fd, "data", 4) == 4);
    errno = 0;
    BOOST_TEST(write(sandbox_fd, "data", 4) == -1);
    BOOST_TEST(errno == ENOSPC);
  }
  BOOST_TEST(pwrite(outside_fd, "x", 1, 0) == 1);
  BOOST_TEST(ftruncate(outside_fd, 100) == 0);
  BOOST_TEST(size_of(sandbox_fd) == 0);  // injected writes never reached the file
  BOOST_TEST(size_of(outside_fd) == 100);
  BOOST_TEST(open(in("g").c_str(), O_RDWR | O_CREAT, 0600) == -1);  // 2nd sandbox open
  BOOST_TEST(errno == EACCES);
  const int outside2 = open(out("other").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST(outside2 >= 0);
  BOOST_TEST(close(outside2) == 0);
  BOOST_TEST(close(outside_fd) == 0);
  BOOST_TEST(close(sandbox_fd) == -1);
  for (const CallRecord& r : call_log()) BOOST_TEST((r.fd == sandbox_fd || r.fd == -1));
  BOOST_TEST(call_count(Call::kWrite) == 3u);
  BOOST_TEST(call_count(Call::kOpen) == 2u);
  BOOST_TEST(call_count(Call::kClose) == 1u);
  BOOST_TEST(call_count(Call::kFtruncate) == 0u);
}

BOOST_AUTO_TEST_CASE(a_once_fault_fires_on_the_nth_call_only) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  arm({Call::kFtruncate, 2, EIO, false});
  BOOST_TEST(ftruncate(fd, 1) == 0);
  errno = 0;
  BOOST_TEST(ftruncate(fd, 2) == -1);
  BOOST_TEST(errno == EIO);
  BOOST_TEST(size_of(fd) == 1);  // the real call did not run
  BOOST_TEST(ftruncate(fd, 3) == 0);
  BOOST_TEST(ftruncate(fd, 4) == 0);
  close(fd);
  const auto t = records_of(Call::kFtruncate);
  BOOST_TEST_REQUIRE(t.size() == 4u);
  BOOST_TEST((!t[0].injected && t[1].injected && !t[2].injected && !t[3].injected));
  BOOST_TEST(t[1].result_errno == EIO);
  BOOST_TEST(t[1].length == 2u);
}

BOOST_AUTO_TEST_CASE(a_persistent_fault_fires_from_the_nth_call_on) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  arm({Call::kFsync, 2, EIO, true});
  BOOST_TEST(fsync(fd) == 0);
  BOOST_TEST(fsync(fd) == -1);
  BOOST_TEST(fdatasync(fd) == -1);  // counts as fsync
  BOOST_TEST(fsync(fd) == -1);
  disarm_all();
  BOOST_TEST(fsync(fd) == 0);
  close(fd);
  BOOST_TEST(call_count(Call::kFsync) == 5u);
}

BOOST_AUTO_TEST_CASE(counting_starts_at_arming_and_faults_are_independent) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(write(fd, "a", 1) == 1);
  arm({Call::kWrite, 1, EFBIG, false});
  arm({Call::kWrite, 3, EDQUOT, false});
  arm({Call::kFtruncate, 1, EPERM, false});
  errno = 0;
  BOOST_TEST(write(fd, "b", 1) == -1);
  BOOST_TEST(errno == EFBIG);
  BOOST_TEST(write(fd, "c", 1) == 1);
  BOOST_TEST(write(fd, "d", 1) == -1);
  BOOST_TEST(errno == EDQUOT);
  BOOST_TEST(ftruncate(fd, 0) == -1);
  BOOST_TEST(errno == EPERM);
  BOOST_TEST(write(fd, "e", 1) == 1);
  close(fd);
}

BOOST_AUTO_TEST_CASE(the_fault_cap_limits_injected_failures_per_tag) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  set_fault_cap(1);
  set_tag(1);
  arm({Call::kFtruncate, 1, EIO, true});
  arm({Call::kFsync, 1, EIO, false});
  BOOST_TEST(ftruncate(fd, 1) == -1);
  BOOST_TEST(ftruncate(fd, 2) == 0);  // the cap: a second failure under tag 1 passes
  BOOST_TEST(fsync(fd) == 0);         // ... and spends this once fault
  set_tag(2);
  BOOST_TEST(ftruncate(fd, 3) == -1);  // a new tag: the persistent fault fires again
  BOOST_TEST(ftruncate(fd, 4) == 0);
  BOOST_TEST(fsync(fd) == 0);
  set_fault_cap(0);
  BOOST_TEST(ftruncate(fd, 5) == -1);  // no cap
  BOOST_TEST(ftruncate(fd, 6) == -1);
  close(fd);
  size_t injected = 0;
  for (const CallRecord& r : call_log()) injected += r.injected;
  BOOST_TEST(injected == 4u);
}

BOOST_AUTO_TEST_CASE(posix_fallocate_returns_the_error_number) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  arm({Call::kFallocate, 1, ENOSPC, false});
  errno = 0;
  BOOST_TEST(posix_fallocate(fd, 0, 65536) == ENOSPC);
  BOOST_TEST(errno == 0);
  BOOST_TEST(size_of(fd) == 0);
  BOOST_TEST(posix_fallocate(fd, 0, 65536) == 0);
  BOOST_TEST(size_of(fd) == 65536);
  close(fd);
  const auto f = records_of(Call::kFallocate);
  BOOST_TEST_REQUIRE(f.size() == 2u);
  BOOST_TEST((f[0].injected && f[0].result_errno == ENOSPC && f[0].length == 65536u));
  BOOST_TEST((!f[1].injected && f[1].result_errno == 0));
}

BOOST_AUTO_TEST_CASE(an_injected_close_still_releases_the_fd) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  arm({Call::kClose, 1, EIO, false});
  errno = 0;
  BOOST_TEST(close(fd) == -1);
  BOOST_TEST(errno == EIO);
  BOOST_TEST(fcntl(fd, F_GETFD) == -1);  // gone, as Linux does
  BOOST_TEST(errno == EBADF);
  BOOST_TEST(open_sandbox_fds() == 0u);
  const auto c = records_of(Call::kClose);
  BOOST_TEST_REQUIRE(c.size() == 1u);
  BOOST_TEST((c[0].injected && c[0].result_errno == EIO && c[0].fd == fd));
}

BOOST_AUTO_TEST_CASE(every_open_variant_is_seen) {
  const std::string p = in("f");
  const int fds[] = {
      open(p.c_str(), O_RDWR | O_CREAT, 0600),
      open64(p.c_str(), O_RDWR),
      openat(AT_FDCWD, p.c_str(), O_RDONLY),
      openat64(AT_FDCWD, p.c_str(), O_RDONLY),
      creat(in("c").c_str(), 0600),
      creat64(in("c64").c_str(), 0600),
      __open_2(p.c_str(), O_RDONLY),
      __open64_2(p.c_str(), O_RDONLY),
  };
  for (int fd : fds) BOOST_TEST(fd >= 0);
  BOOST_TEST(call_count(Call::kOpen) == 8u);
  BOOST_TEST(open_sandbox_fds() == 8u);
  BOOST_TEST(ftruncate64(fds[0], 10) == 0);
  BOOST_TEST(fallocate64(fds[0], 0, 0, 20) == 0);
  BOOST_TEST(posix_fallocate64(fds[0], 0, 30) == 0);
  BOOST_TEST(pwrite64(fds[0], "x", 1, 0) == 1);
  for (int fd : fds) close(fd);
  BOOST_TEST(call_count(Call::kFtruncate) == 1u);
  BOOST_TEST(call_count(Call::kFallocate) == 2u);
  BOOST_TEST(call_count(Call::kWrite) == 1u);
  BOOST_TEST(call_count(Call::kClose) == 8u);
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(relative_paths_resolve_against_cwd_and_dirfd) {
  char cwd[4096];
  BOOST_TEST_REQUIRE(getcwd(cwd, sizeof cwd) != nullptr);
  BOOST_TEST_REQUIRE(chdir(dir.c_str()) == 0);
  const int a = open("rel", O_RDWR | O_CREAT, 0600);
  const int b = open("../outside/rel", O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(chdir(cwd) == 0);
  const int dirfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);  // the sandbox itself counts
  const int c = openat(dirfd, "at", O_RDWR | O_CREAT, 0600);
  const int d = openat(dirfd, "../outside/at", O_RDWR | O_CREAT, 0600);
  const int e = open((dir + "/../outside/dots").c_str(), O_RDWR | O_CREAT, 0600);
  const int f = open((dir + "//./dots").c_str(), O_RDWR | O_CREAT, 0600);
  const int g = open((dir + "/../sandbox/dots2").c_str(), O_RDWR | O_CREAT, 0600);
  const int h = open((dir + "-sibling").c_str(), O_RDWR | O_CREAT, 0600);  // shares a prefix
  for (int fd : {a, b, dirfd, c, d, e, f, g, h}) BOOST_TEST(fd >= 0);
  BOOST_TEST(call_count(Call::kOpen) == 5u);  // a, dirfd, c, f, g
  for (int fd : {a, b, dirfd, c, d, e, f, g, h}) close(fd);
  unlink((dir + "-sibling").c_str());
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(calls_from_shared_libraries_are_seen) {
  // dlsym(RTLD_DEFAULT) finds the exported override, as a library's PLT does.
  using Ftruncate = int (*)(int, off_t);
  auto via_dlsym = reinterpret_cast<Ftruncate>(dlsym(RTLD_DEFAULT, "ftruncate"));
  BOOST_TEST_REQUIRE(via_dlsym != nullptr);
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  arm({Call::kFtruncate, 1, EFBIG, false});
  BOOST_TEST(via_dlsym(fd, 10) == -1);
  BOOST_TEST(errno == EFBIG);
  close(fd);
  // libstdc++.so's copy_file calls open/close through its PLT.
  { std::ofstream(out("src")) << "payload"; }
  std::filesystem::copy_file(out("src"), in("dst"));
  BOOST_TEST(call_count(Call::kOpen) == 2u);  // ours and libstdc++'s (the source is outside)
  const auto opens = records_of(Call::kOpen);
  BOOST_TEST_REQUIRE(opens.size() == 2u);
  BOOST_TEST((opens[1].flags & O_CREAT) != 0);
  BOOST_TEST(call_count(Call::kClose) == 2u);
  arm({Call::kOpen, 1, EACCES, false});
  std::error_code ec;
  std::filesystem::copy_file(out("src"), in("dst2"), ec);
  BOOST_TEST(ec.value() == EACCES);
  BOOST_TEST(!std::filesystem::exists(in("dst2")));
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(an_fd_leak_is_visible) {
  const int a = open(in("a").c_str(), O_RDWR | O_CREAT, 0600);
  const int b = open(in("b").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST(open_sandbox_fds() == 2u);
  close(a);
  BOOST_TEST(open_sandbox_fds() == 1u);  // b leaked
  BOOST_TEST(real_close(b) == 0);         // bypasses tracking: still counted
  BOOST_TEST(open_sandbox_fds() == 1u);
}

BOOST_AUTO_TEST_CASE(real_functions_bypass_tracking_and_faults) {
  arm({Call::kOpen, 1, EACCES, true});
  arm({Call::kFtruncate, 1, EIO, true});
  const int fd = real_open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(real_ftruncate(fd, 3) == 0);
  char buf[4] = {1, 1, 1, 1};
  BOOST_TEST(real_pread(fd, buf, sizeof buf, 0) == 3);
  BOOST_TEST(buf[0] == 0);
  BOOST_TEST(real_close(fd) == 0);
  BOOST_TEST(call_log().empty());
  BOOST_TEST(open_sandbox_fds() == 0u);
}

BOOST_AUTO_TEST_CASE(truncate_of_a_sandbox_path_counts_as_ftruncate) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  arm({Call::kFtruncate, 2, EFBIG, false});
  BOOST_TEST(ftruncate(fd, 10) == 0);
  errno = 0;
  BOOST_TEST(truncate(in("f").c_str(), 100) == -1);  // the 2nd ftruncate-like call
  BOOST_TEST(errno == EFBIG);
  BOOST_TEST(size_of(fd) == 10);  // the real call did not run
  BOOST_TEST(truncate64(in("f").c_str(), 200) == 0);
  BOOST_TEST(size_of(fd) == 200);
  close(fd);
  const auto t = records_of(Call::kFtruncate);
  BOOST_TEST_REQUIRE(t.size() == 3u);
  BOOST_TEST((t[1].fd == -1 && t[1].length == 100u && t[1].injected && t[1].result_errno == EFBIG));
  BOOST_TEST((t[2].fd == -1 && t[2].length == 200u && !t[2].injected));
  arm({Call::kFtruncate, 1, EPERM, true});  // relative paths resolve against the cwd
  char cwd[4096];
  BOOST_TEST_REQUIRE(getcwd(cwd, sizeof cwd) != nullptr);
  BOOST_TEST_REQUIRE(chdir(dir.c_str()) == 0);
  errno = 0;
  const int r = truncate("f", 0);
  const int e = errno;
  BOOST_TEST_REQUIRE(chdir(cwd) == 0);
  BOOST_TEST(r == -1);
  BOOST_TEST(e == EPERM);
}

BOOST_AUTO_TEST_CASE(truncate_of_an_outside_path_is_never_touched) {
  arm({Call::kFtruncate, 1, EIO, true});
  const int o = open(out("o").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(o >= 0);
  BOOST_TEST(truncate(out("o").c_str(), 50) == 0);
  BOOST_TEST(truncate64(out("o").c_str(), 60) == 0);
  BOOST_TEST(truncate((dir + "-sibling").c_str(), 1) == -1);  // ENOENT, shares a prefix
  BOOST_TEST(errno == ENOENT);
  BOOST_TEST(size_of(o) == 60);
  BOOST_TEST(call_log().empty());
  BOOST_TEST(call_count(Call::kFtruncate) == 0u);
  close(o);
}

BOOST_AUTO_TEST_CASE(activate_resets_log_counts_faults_and_tracking) {
  const int fd = open(in("f").c_str(), O_RDWR | O_CREAT, 0600);
  arm({Call::kWrite, 1, EIO, true});
  activate(dir.c_str());
  BOOST_TEST(call_log().empty());
  BOOST_TEST(call_count(Call::kOpen) == 0u);
  BOOST_TEST(open_sandbox_fds() == 0u);
  BOOST_TEST(write(fd, "x", 1) == 1);  // untracked now, and no fault armed
  BOOST_TEST(call_log().empty());
  close(fd);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
