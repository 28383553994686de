// The interposer on mappings: mmap of a sandbox fd is tracked, and range
// calls (munmap, mremap, msync, madvise) are sandbox calls iff they touch a
// tracked mapping.
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"
#include "tests/faults/sandbox_fixture.h"

namespace mapfuzz::faults {
namespace {

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

struct MappedFile : SandboxFixture {
  // A sandbox file of `pages` pages, open read-write.
  int make(const char* name, size_t pages) {
    const int fd = open(in(name).c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(ftruncate(fd, static_cast<off_t>(pages * kPage)) == 0);
    return fd;
  }
};

BOOST_FIXTURE_TEST_SUITE(interpose_mapping, MappedFile)

BOOST_AUTO_TEST_CASE(the_mapping_lifecycle_is_logged_with_file_offsets) {
  const int fd = make("f", 4);
  set_tag(3);
  char* p = static_cast<char*>(mmap(nullptr, 3 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, kPage));
  BOOST_TEST_REQUIRE(p != MAP_FAILED);
  BOOST_TEST(live_sandbox_mappings() == 1u);
  std::memset(p, 'x', 3 * kPage);
  BOOST_TEST(msync(p + kPage, kPage, MS_SYNC) == 0);
  BOOST_TEST(madvise(p, kPage, MADV_WILLNEED) == 0);
  BOOST_TEST(munmap(p + kPage, kPage) == 0);  // splits the mapping in two
  BOOST_TEST(live_sandbox_mappings() == 1u);
  BOOST_TEST(msync(p + 2 * kPage, kPage, MS_ASYNC) == 0);
  BOOST_TEST(munmap(p, kPage) == 0);
  BOOST_TEST(live_sandbox_mappings() == 1u);
  BOOST_TEST(munmap(p + 2 * kPage, kPage) == 0);
  BOOST_TEST(live_sandbox_mappings() == 0u);
  BOOST_TEST(close(fd) == 0);

  const auto m = records_of(Call::kMmap);
  BOOST_TEST_REQUIRE(m.size() == 1u);
  BOOST_TEST((m[0].fd == fd && m[0].addr == addr(p) && m[0].length == 3 * kPage));
  BOOST_TEST((m[0].file_offset == kPage && m[0].flags == (PROT_READ | PROT_WRITE) && m[0].tag == 3u));
  const auto s = records_of(Call::kMsync);
  BOOST_TEST_REQUIRE(s.size() == 2u);
  BOOST_TEST((s[0].fd == -1 && s[0].addr == addr(p + kPage) && s[0].length == kPage));
  BOOST_TEST((s[0].file_offset == 2 * kPage && s[0].flags == MS_SYNC));
  BOOST_TEST((s[1].file_offset == 3 * kPage && s[1].flags == MS_ASYNC));  // the right-hand piece
  const auto a = records_of(Call::kMadvise);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0].file_offset == kPage);
  const auto u = records_of(Call::kMunmap);
  BOOST_TEST_REQUIRE(u.size() == 3u);
  BOOST_TEST((u[0].file_offset == 2 * kPage && u[1].file_offset == kPage && u[2].file_offset == 3 * kPage));
  BOOST_TEST(call_count(Call::kMunmap) == 3u);
  BOOST_TEST(call_log().size() == 1 + 1 + 1 + 2 + 1 + 3 + 1u);  // open, ftruncate, mmap, msync x2, madvise, munmap x3, close
}

BOOST_AUTO_TEST_CASE(anonymous_and_outside_mappings_are_never_touched) {
  arm({Call::kMmap, 1, ENOMEM, true});
  arm({Call::kMunmap, 1, ENOMEM, true});
  arm({Call::kMsync, 1, EIO, true});
  void* anon = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  BOOST_TEST_REQUIRE(anon != MAP_FAILED);
  BOOST_TEST(msync(anon, kPage, MS_SYNC) == 0);
  BOOST_TEST(munmap(anon, kPage) == 0);
  const int ofd = open(out("o").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(ftruncate(ofd, static_cast<off_t>(kPage)) == 0);
  void* o = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, ofd, 0);
  BOOST_TEST_REQUIRE(o != MAP_FAILED);
  BOOST_TEST(msync(o, kPage, MS_SYNC) == 0);
  BOOST_TEST(munmap(o, kPage) == 0);
  close(ofd);
  BOOST_TEST(call_log().empty());
  BOOST_TEST(live_sandbox_mappings() == 0u);
}

BOOST_AUTO_TEST_CASE(an_mmap_fault_returns_map_failed_with_errno) {
  const int fd = make("f", 1);
  arm({Call::kMmap, 1, ENOMEM, false});
  errno = 0;
  void* p = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, 0);
  BOOST_TEST((p == MAP_FAILED));
  BOOST_TEST(errno == ENOMEM);
  BOOST_TEST(live_sandbox_mappings() == 0u);
  void* q = mmap64(nullptr, kPage, PROT_READ, MAP_PRIVATE, fd, 0);  // once: this one works
  BOOST_TEST_REQUIRE(q != MAP_FAILED);
  BOOST_TEST(live_sandbox_mappings() == 1u);
  BOOST_TEST(munmap(q, kPage) == 0);
  close(fd);
  const auto m = records_of(Call::kMmap);
  BOOST_TEST_REQUIRE(m.size() == 2u);
  BOOST_TEST((m[0].injected && m[0].result_errno == ENOMEM && m[0].addr == 0u));
  BOOST_TEST((!m[1].injected && m[1].addr == addr(q)));
}

BOOST_AUTO_TEST_CASE(range_faults_leave_the_mapping_in_place) {
  const int fd = make("f", 2);
  char* p = static_cast<char*>(mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  BOOST_TEST_REQUIRE(p != MAP_FAILED);
  arm({Call::kMsync, 1, EIO, false});
  arm({Call::kMunmap, 1, ENOMEM, false});
  arm({Call::kMadvise, 1, EAGAIN, false});
  BOOST_TEST(msync(p, 2 * kPage, MS_SYNC) == -1);
  BOOST_TEST(errno == EIO);
  BOOST_TEST(madvise(p, kPage, MADV_DONTNEED) == -1);
  BOOST_TEST(errno == EAGAIN);
  BOOST_TEST(munmap(p, 2 * kPage) == -1);
  BOOST_TEST(errno == ENOMEM);
  p[kPage] = 'y';  // still mapped
  BOOST_TEST(live_sandbox_mappings() == 1u);
  BOOST_TEST(msync(p, 2 * kPage, MS_SYNC) == 0);
  BOOST_TEST(munmap(p, 2 * kPage) == 0);
  BOOST_TEST(live_sandbox_mappings() == 0u);
  close(fd);
}

BOOST_AUTO_TEST_CASE(mremap_moves_the_tracked_range) {
  const int fd = make("f", 4);
  void* p = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * kPage);
  BOOST_TEST_REQUIRE(p != MAP_FAILED);
  void* q = mremap(p, kPage, 2 * kPage, MREMAP_MAYMOVE);
  BOOST_TEST_REQUIRE(q != MAP_FAILED);
  BOOST_TEST(live_sandbox_mappings() == 1u);
  BOOST_TEST(msync(static_cast<char*>(q) + kPage, kPage, MS_SYNC) == 0);
  arm({Call::kMremap, 1, ENOMEM, false});
  BOOST_TEST((mremap(q, 2 * kPage, 64 * kPage, MREMAP_MAYMOVE) == MAP_FAILED));
  BOOST_TEST(errno == ENOMEM);
  BOOST_TEST(munmap(q, 2 * kPage) == 0);
  BOOST_TEST(live_sandbox_mappings() == 0u);
  close(fd);
  const auto r = records_of(Call::kMremap);
  BOOST_TEST_REQUIRE(r.size() == 2u);
  BOOST_TEST((r[0].addr == addr(p) && r[0].length == 2 * kPage && r[0].file_offset == 2 * kPage));
  BOOST_TEST(r[1].injected);
  const auto s = records_of(Call::kMsync);
  BOOST_TEST_REQUIRE(s.size() == 1u);
  BOOST_TEST(s[0].file_offset == 3 * kPage);
}

BOOST_AUTO_TEST_CASE(map_fixed_over_a_tracked_range_replaces_it) {
  const int fd = make("f", 2);
  char* p = static_cast<char*>(mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  BOOST_TEST_REQUIRE(p != MAP_FAILED);
  void* anon = mmap(p + kPage, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  BOOST_TEST_REQUIRE(anon == p + kPage);
  clear_log();
  BOOST_TEST(msync(p + kPage, kPage, MS_SYNC) == 0);  // anonymous now: not a sandbox call
  BOOST_TEST(call_log().empty());
  BOOST_TEST(live_sandbox_mappings() == 1u);
  BOOST_TEST(munmap(p, 2 * kPage) == 0);
  BOOST_TEST(live_sandbox_mappings() == 0u);
  BOOST_TEST(records_of(Call::kMunmap).size() == 1u);
  close(fd);
}

BOOST_AUTO_TEST_CASE(a_mapping_outlives_its_fd_and_a_leak_is_visible) {
  const int fd = make("f", 1);
  void* p = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, 0);
  BOOST_TEST_REQUIRE(p != MAP_FAILED);
  BOOST_TEST(close(fd) == 0);
  BOOST_TEST(open_sandbox_fds() == 0u);
  BOOST_TEST(live_sandbox_mappings() == 1u);  // leaked unless unmapped
  BOOST_TEST(msync(p, kPage, MS_SYNC) == 0);
  BOOST_TEST(records_of(Call::kMsync).size() == 1u);
  BOOST_TEST(munmap(p, kPage) == 0);
  BOOST_TEST(live_sandbox_mappings() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
