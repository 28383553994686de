#include "faults/disk_full.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "faults/raw_syscalls.h"

namespace mapfuzz::faults {
namespace {

// How this process got its private mount namespace; null: not yet.
const char* g_namespace = nullptr;

uint64_t page_size() {
  const long p = sysconf(_SC_PAGESIZE);
  return p > 0 ? static_cast<uint64_t>(p) : 4096;
}
uint64_t pages_up(uint64_t n) { return (n + page_size() - 1) / page_size() * page_size(); }

// What went wrong, in words: "<what>: <strerror of the status's code>".
std::string words(const std::string& what, const Status& status) {
  return what + ": " + std::strerror(status.code());
}

bool write_file(const char* path, const char* text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const size_t n = std::strlen(text);
  const bool ok = ::write(fd, text, n) == static_cast<ssize_t>(n);
  ::close(fd);
  return ok;
}

// The number of threads in this process (0 if /proc cannot tell).
int thread_count() {
  const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* t = std::strstr(buf, "\nThreads:");
  return t != nullptr ? std::atoi(t + 9) : 0;
}

// Moves the process into a mount namespace of its own (once). On failure
// sets *skipped (for want of privileges) and *why (in words).
Status enter_private_namespace(bool* skipped, std::string* why) {
  if (g_namespace != nullptr) return {};
  // unshare(CLONE_NEWNS) would succeed but move only the calling thread.
  if (const int threads = thread_count(); threads > 1) {
    *why = "a private mount needs a single-threaded process (" + std::to_string(threads) +
           " threads run): call it before threads start";
    return Status(EINVAL, "unshare");
  }
  if (::unshare(CLONE_NEWNS) == 0) {
    g_namespace = "mount namespace";
  } else if (errno == EINVAL) {
    const Status failed = Status::from_unfaulted_errno("unshare");
    *why = words("unshare(CLONE_NEWNS) (call before threads start)", failed);
    return failed;
  } else {
    const int first = errno;
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      const Status failed = Status::from_unfaulted_errno("unshare");
      *skipped = true;
      *why = std::string("needs mount privileges: unshare(CLONE_NEWNS): ") + std::strerror(first) +
             "; unshare(CLONE_NEWUSER|CLONE_NEWNS): " + std::strerror(failed.code());
      return failed;
    }
    char map[64];
    std::snprintf(map, sizeof map, "%u %u 1", static_cast<unsigned>(uid), static_cast<unsigned>(uid));
    if (!write_file("/proc/self/uid_map", map)) {
      const Status failed = Status::from_unfaulted_errno("uid_map");
      *why = words("uid_map", failed);
      return failed;
    }
    write_file("/proc/self/setgroups", "deny");  // required before gid_map; absent on old kernels
    std::snprintf(map, sizeof map, "%u %u 1", static_cast<unsigned>(gid), static_cast<unsigned>(gid));
    if (!write_file("/proc/self/gid_map", map)) {
      const Status failed = Status::from_unfaulted_errno("gid_map");
      *why = words("gid_map", failed);
      return failed;
    }
    g_namespace = "user namespace";
  }
  // Nothing mounted from here on propagates back to the parent namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    const Status failed = Status::from_unfaulted_errno("mount");
    *why = words("mount --make-rprivate /", failed);
    return failed;
  }
  return {};
}

}  // namespace

const char* LimitedTmpfs::how() { return g_namespace != nullptr ? g_namespace : ""; }

LimitedTmpfs::~LimitedTmpfs() { unmount(); }

Status LimitedTmpfs::fail(Status status, bool skipped, std::string why) {
  skipped_ = skipped;
  why_not_ = std::move(why);
  return status;
}

Status LimitedTmpfs::mount(const std::string& dir, uint64_t capacity) {
  skipped_ = false;
  why_not_.clear();
  if (mounted_) return fail(Status(EBUSY, "mount"), false, "already mounted on " + dir_);
  bool skipped = false;
  std::string why;
  if (Status ns = enter_private_namespace(&skipped, &why); !ns.ok()) return fail(ns, skipped, std::move(why));
  // One page more than asked for: the reserve page below.
  char options[64];
  std::snprintf(options, sizeof options, "size=%llu,mode=0700",
                static_cast<unsigned long long>(pages_up(capacity) + page_size()));
  if (::mount("mapfuzz", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) {
    const Status failed = Status::from_unfaulted_errno("mount");
    const bool denied = failed.code() == EPERM;
    const char* what = denied ? "needs mount privileges: mount tmpfs on " : "mount tmpfs on ";
    return fail(failed, denied, words(what + dir, failed));
  }
  dir_ = dir;
  mounted_ = true;
  // An unnamed file (invisible in the directory) holding one page: usage is
  // never 0, so "size=<usage>" always means full, never "unlimited".
  reserve_fd_ = sys::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  Status reserved = reserve_fd_ < 0 ? Status::from_unfaulted_errno("open") : Status();
  if (reserved.ok() && sys::fallocate(reserve_fd_, 0, 0, page_size()) != 0) {
    reserved = Status::from_unfaulted_errno("fallocate");
  }
  if (!reserved.ok()) {
    unmount();
    return fail(reserved, false, words("reserve page on " + dir, reserved));
  }
  return {};
}

Status LimitedTmpfs::remount(uint64_t size_bytes) {
  char options[48];
  std::snprintf(options, sizeof options, "size=%llu", static_cast<unsigned long long>(size_bytes));
  if (::mount("mapfuzz", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, options) != 0) {
    return Status::from_unfaulted_errno("mount");
  }
  return {};
}

Status LimitedTmpfs::fill_now() { return set_free(0); }

Status LimitedTmpfs::set_free(uint64_t bytes) {
  if (!mounted_) return Status(EINVAL, "mount");
  Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {  // usage may grow between statfs and remount
    struct statfs st;
    if (::statfs(dir_.c_str(), &st) != 0) return Status::from_unfaulted_errno("statfs");
    const uint64_t used = static_cast<uint64_t>(st.f_blocks - st.f_bfree) * static_cast<uint64_t>(st.f_bsize);
    status = remount(used + pages_up(bytes));
    if (status.code() != EINVAL) return status;
  }
  return status;
}

uint64_t LimitedTmpfs::used_bytes() const {
  struct statfs st;
  if (!mounted_ || ::statfs(dir_.c_str(), &st) != 0) return 0;
  const uint64_t used = static_cast<uint64_t>(st.f_blocks - st.f_bfree) * static_cast<uint64_t>(st.f_bsize);
  return used > page_size() ? used - page_size() : 0;
}

uint64_t LimitedTmpfs::free_bytes() const {
  struct statfs st;
  if (!mounted_ || ::statfs(dir_.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bfree) * static_cast<uint64_t>(st.f_bsize);
}

void LimitedTmpfs::unmount() {
  if (reserve_fd_ >= 0) sys::close(reserve_fd_);
  reserve_fd_ = -1;
  if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  mounted_ = false;
}

// --- RLIMIT_FSIZE.

FileSizeLimit::FileSizeLimit(uint64_t max_bytes) {
  if (::getrlimit(RLIMIT_FSIZE, &old_limit_) != 0) {
    status_ = Status::from_unfaulted_errno("getrlimit");
    return;
  }
  struct sigaction ignore;
  std::memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  if (::sigaction(SIGXFSZ, &ignore, &old_action_) != 0) {
    status_ = Status::from_unfaulted_errno("sigaction");
    return;
  }
  struct rlimit limit = old_limit_;
  limit.rlim_cur = old_limit_.rlim_max == RLIM_INFINITY || max_bytes < old_limit_.rlim_max
                       ? static_cast<rlim_t>(max_bytes)
                       : old_limit_.rlim_max;
  if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) {
    status_ = Status::from_unfaulted_errno("setrlimit");
    ::sigaction(SIGXFSZ, &old_action_, nullptr);
  }
}

void FileSizeLimit::lift_now() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_FSIZE, &limit);
}

FileSizeLimit::~FileSizeLimit() {
  if (!status_.ok()) return;
  ::setrlimit(RLIMIT_FSIZE, &old_limit_);
  ::sigaction(SIGXFSZ, &old_action_, nullptr);
}

}  // namespace mapfuzz::faults
