#include "faults/fault_spec.h"

#include <cerrno>
#include <cstring>
#include <iterator>

namespace mapfuzz::faults {
namespace {

constexpr const char* kNames[] = {
    "open", "ftruncate", "fallocate", "mmap", "munmap", "mremap",
    "msync", "madvise", "fsync", "write", "close", "lock",
};
static_assert(std::size(kNames) == static_cast<size_t>(Call::kCount),
              "one name per Call");

// Errnos real systems return, most common first. Sources: the Linux man
// pages (open(2), ftruncate(2), fallocate(2), posix_fallocate(3), mmap(2),
// munmap(2), mremap(2), msync(2), madvise(2), fsync(2), write(2), close(2),
// fcntl(2), flock(2), lockf(3))
// and, where the pages lag the kernel, the kernel itself:
//  - open: ENOSPC/EDQUOT only with O_CREAT (no room for the inode); EINTR
//    when blocked on a FIFO or a slow (FUSE/NFS) filesystem.
//  - ftruncate: EPERM from F_SEAL_SHRINK/F_SEAL_GROW or an append-only or
//    immutable file; EFBIG past RLIMIT_FSIZE or the filesystem's maximum.
//    ENOSPC is left out: growing is sparse on every common filesystem.
//  - munmap: only ENOMEM in practice, when splitting a mapping would exceed
//    vm.max_map_count (EINVAL means a caller bug, not a system condition).
//  - msync: ENOMEM for unmapped ranges; EIO is not in msync(2) but MS_SYNC
//    reports writeback errors through vfs_fsync_range(). EINVAL again means
//    a caller bug.
//  - madvise: EAGAIN (kernel resource), ENOMEM, EIO (MADV_WILLNEED beyond
//    the RSS limit).
//  - close: EIO (NFS/FUSE flush on close), EINTR; the fd is released
//    either way on Linux.
//  - lock (fcntl(2) locks, flock(2), lockf(3)): EAGAIN/EACCES for a
//    conflicting lock on a non-blocking request (F_SETLK returns either;
//    flock's LOCK_NB returns EWOULDBLOCK, the same number), EINTR for a
//    blocking one interrupted by a signal, ENOLCK when the lock table is
//    exhausted (or NFS's lock manager fails), EDEADLK when F_SETLKW or
//    lockf(F_LOCK) would deadlock.
constexpr int kOpen[] = {EACCES, EPERM, ENOSPC, EMFILE, ENFILE, EINTR, EDQUOT};
constexpr int kFtruncate[] = {EFBIG, EIO, EINTR, EPERM};
constexpr int kFallocate[] = {ENOSPC, EDQUOT, EFBIG, EIO, EINTR};
constexpr int kMmap[] = {ENOMEM, EACCES, EPERM, EAGAIN, ENFILE};
constexpr int kMunmap[] = {ENOMEM};
constexpr int kMremap[] = {ENOMEM, EAGAIN};
constexpr int kMsync[] = {EIO, ENOMEM};
constexpr int kMadvise[] = {EAGAIN, ENOMEM, EIO};
constexpr int kFsync[] = {EIO, ENOSPC, EDQUOT, EINTR};
constexpr int kWrite[] = {ENOSPC, EDQUOT, EFBIG, EIO, EINTR, EAGAIN};
constexpr int kClose[] = {EIO, EINTR};
// Only what a lock call returns without another holder: contention (EAGAIN,
// EACCES) comes from real locks another process holds (`outside lock`).
// EINTR and EDEADLK come only from a blocking request; none from an unlock
// or a query (the interposer never fails those).
constexpr int kLock[] = {ENOLCK, EINTR, EDEADLK};

struct ErrnoList {
  const int* values;
  size_t count;
};

template <size_t N>
constexpr ErrnoList list(const int (&values)[N]) {
  return {values, N};
}

constexpr ErrnoList kErrnos[] = {
    list(kOpen),   list(kFtruncate), list(kFallocate), list(kMmap),
    list(kMunmap), list(kMremap),    list(kMsync),     list(kMadvise),
    list(kFsync),  list(kWrite),     list(kClose),     list(kLock),
};
static_assert(std::size(kErrnos) == static_cast<size_t>(Call::kCount),
              "one errno list per Call");

}  // namespace

const char* call_name(Call call) {
  const auto i = static_cast<size_t>(call);
  return i < std::size(kNames) ? kNames[i] : "?";
}

bool call_from_name(const char* name, Call* out) {
  if (name == nullptr) return false;
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (std::strcmp(name, kNames[i]) == 0) {
      *out = static_cast<Call>(i);
      return true;
    }
  }
  return false;
}

const int* realistic_errnos(Call call, size_t* count) {
  const auto i = static_cast<size_t>(call);
  if (i >= std::size(kErrnos)) {
    *count = 0;
    return nullptr;
  }
  *count = kErrnos[i].count;
  return kErrnos[i].values;
}

}  // namespace mapfuzz::faults
