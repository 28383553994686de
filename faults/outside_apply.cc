#include "faults/outside_apply.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cstring>

#include "faults/raw_syscalls.h"

namespace mapfuzz::faults {
namespace {

constexpr char kReplaceSuffix[] = ".mapfuzz-replace";

// The result of direct system call `call` that returned `r` (-1 and errno
// on failure). The interposer never sees these calls: never injected.
Status done(long r, const char* call) { return r < 0 ? Status::from_unfaulted_errno(call) : Status(); }

// Opens `path` for writing without following a final symlink.
int open_for_write(const char* path) { return sys::open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC); }

// The fd through which `locks` holds fcntl locks on the file now at `path`
// (a regular file, not replaced since), or -1.
int fcntl_lock_fd_of(const char* path, const LockFds* locks) {
  if (locks == nullptr || locks->fcntl_as_ofd) return -1;
  const int fd = locks->fd[static_cast<int>(LockApi::kFcntl)][static_cast<int>(EventFile::kData)];
  struct stat held, now;
  if (fd < 0 || sys::fstat(fd, &held) != 0 || sys::lstat(path, &now) != 0) return -1;
  return held.st_dev == now.st_dev && held.st_ino == now.st_ino && S_ISREG(now.st_mode) ? fd : -1;
}

// Runs `op(fd)` on a write fd of `path`; returns the first failure. The fd
// is a fresh one, closed afterwards, except when the outside holds fcntl
// locks on that file: closing any fd of it would drop them all, so the
// lock fd (open read-write) does the work and stays open.
template <typename Op>
Status with_fd(const char* path, const LockFds* locks, Op op) {
  if (const int held = fcntl_lock_fd_of(path, locks); held >= 0) return op(held);
  const int fd = open_for_write(path);
  if (fd < 0) return Status::from_unfaulted_errno("open");
  const Status status = op(fd);
  sys::close(fd);
  return status;
}

Status write_pattern(int fd, const OutsideEvent& e, FillFn fill, uint8_t* scratch, size_t scratch_len) {
  uint64_t done_bytes = 0;
  while (done_bytes < e.length) {
    const uint64_t left = e.length - done_bytes;
    const size_t n = left < scratch_len ? static_cast<size_t>(left) : scratch_len;
    fill(e.seed, e.offset + done_bytes, scratch, n);
    size_t put = 0;
    while (put < n) {
      const long r = sys::pwrite(fd, scratch + put, n - put, e.offset + done_bytes + put);
      if (r < 0) return Status::from_unfaulted_errno("pwrite");
      if (r == 0) return Status(EIO, "pwrite");
      put += static_cast<size_t>(r);
    }
    done_bytes += n;
  }
  return {};
}

Status replace(const char* path, uint64_t length) {
  char tmp[PATH_MAX];
  const size_t n = std::strlen(path);
  if (n + sizeof kReplaceSuffix > sizeof tmp) return Status(ENAMETOOLONG, "open");
  std::memcpy(tmp, path, n);
  std::memcpy(tmp + n, kReplaceSuffix, sizeof kReplaceSuffix);
  struct stat st;
  const unsigned mode = sys::lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? (st.st_mode & 07777) : 0644;
  const int fd = sys::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::from_unfaulted_errno("open");
  Status status = done(sys::fchmod(fd, mode), "fchmod");  // open's mode is subject to the umask
  if (status.ok()) status = done(sys::ftruncate(fd, length), "ftruncate");
  sys::close(fd);
  if (status.ok()) status = done(sys::rename(tmp, path), "rename");
  if (!status.ok()) sys::unlink(tmp);
  return status;
}

// The fd of `locks` for (api, file) of `path`, opened on first use.
int lock_fd(const char* path, const OutsideEvent& e, LockFds* locks) {
  int& fd = locks->fd[static_cast<int>(e.lock_api)][static_cast<int>(e.file)];
  char full[PATH_MAX];
  const char* suffix = event_file_suffix(e.file);
  const size_t n = std::strlen(path), m = std::strlen(suffix);
  if (n + m + 1 > sizeof full) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(full, path, n);
  std::memcpy(full + n, suffix, m + 1);
  if (fd >= 0) {
    // Still the file at the path? After a replace or unlink the old fd
    // holds locks on the old file: they go (the model keeps them only as
    // an excuse), and the path's file gets a fresh fd.
    struct stat held, now;
    if (sys::fstat(fd, &held) == 0 && sys::lstat(full, &now) == 0 && held.st_dev == now.st_dev &&
        held.st_ino == now.st_ino) {
      return fd;
    }
    sys::close(fd);
  }
  fd = sys::open(full, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  return fd;
}

// kLock (take) or kUnlock (let go) through the fd of (api, file); a lock
// taken sets *locked to its file.
Status lock_event(const char* path, const OutsideEvent& e, LockFds* locks, FileId* locked) {
  if (locks == nullptr || e.lock_api >= LockApi::kCount || e.file >= EventFile::kCount) {
    return Status(EINVAL, "outside event");
  }
  const bool take = e.kind == OutsideKind::kLock;
  const bool exclusive = e.lock_mode == LockMode::kExclusive;
  if (!take && locks->fd[static_cast<int>(e.lock_api)][static_cast<int>(e.file)] < 0) return {};
  const int fd = lock_fd(path, e, locks);
  if (fd < 0) return Status::from_unfaulted_errno("open");
  struct stat st;
  if (take && locked != nullptr && sys::fstat(fd, &st) == 0) *locked = FileId{st.st_dev, st.st_ino};
  if (e.lock_api == LockApi::kFlock) {
    const int how = !take ? LOCK_UN : (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
    return done(sys::flock(fd, how), "flock");
  }
  struct flock fl = {};
  fl.l_type = static_cast<short>(!take ? F_UNLCK : exclusive ? F_WRLCK : F_RDLCK);
  fl.l_whence = SEEK_SET;
  fl.l_start = take ? static_cast<off_t>(e.offset) : 0;
  fl.l_len = take ? static_cast<off_t>(e.length) : 0;
  const bool ofd = e.lock_api == LockApi::kOfd || locks->fcntl_as_ofd;
  return done(sys::fcntl_lock(fd, ofd ? F_OFD_SETLK : F_SETLK, &fl), "fcntl");
}

}  // namespace

void release_locks(LockFds* locks) {
  for (auto& row : locks->fd) {
    for (int& f : row) {
      if (f >= 0) sys::close(f);
      f = -1;
    }
  }
}

bool path_inside(const char* dir, const char* path) {
  if (dir == nullptr || path == nullptr || dir[0] != '/') return false;
  const size_t n = std::strlen(dir);
  if (std::strncmp(path, dir, n) != 0 || path[n] != '/' || path[n + 1] == '\0') return false;
  // Every component of path must be a plain name.
  for (const char* s = path; *s != '\0';) {
    if (*s != '/') return false;
    const char* e = s + 1;
    while (*e != '\0' && *e != '/') ++e;
    const size_t len = static_cast<size_t>(e - s - 1);
    if (len == 0 || (len == 1 && s[1] == '.') || (len == 2 && s[1] == '.' && s[2] == '.')) return false;
    s = e;
  }
  return true;
}

Status perform_outside_event(const char* path, const OutsideEvent& e, FillFn fill, uint8_t* scratch,
                             size_t scratch_len, LockFds* locks, FileId* locked) {
  switch (e.kind) {
    case OutsideKind::kLock:
    case OutsideKind::kUnlock:
      return lock_event(path, e, locks, locked);
    case OutsideKind::kShrink:
    case OutsideKind::kRegrow:
    case OutsideKind::kExtend:
      return with_fd(path, locks, [&](int fd) { return done(sys::ftruncate(fd, e.length), "ftruncate"); });
    case OutsideKind::kPunchHole:
      if (e.length == 0) return {};
      return with_fd(path, locks, [&](int fd) {
        return done(sys::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, e.offset, e.length), "fallocate");
      });
    case OutsideKind::kPwrite:
      if (fill == nullptr || scratch == nullptr || scratch_len == 0) return Status(EINVAL, "outside event");
      return with_fd(path, locks, [&](int fd) { return write_pattern(fd, e, fill, scratch, scratch_len); });
    case OutsideKind::kChmod: {
      struct stat st;
      if (sys::lstat(path, &st) != 0) return Status::from_unfaulted_errno("lstat");
      if (S_ISLNK(st.st_mode)) return Status(ELOOP, "chmod");
      return done(sys::chmod(path, e.mode & 07777), "chmod");
    }
    case OutsideKind::kUnlink:
      return done(sys::unlink(path), "unlink");
    case OutsideKind::kReplace:
      return replace(path, e.length);
    case OutsideKind::kDiskFull:   // the harness's own business
    case OutsideKind::kSizeLimit:
    case OutsideKind::kCount:
      break;
  }
  return Status(EINVAL, "outside event");
}

}  // namespace mapfuzz::faults
