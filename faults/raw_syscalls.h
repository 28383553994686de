// System calls made directly with syscall(): never seen by mapfuzz's
// interposer (not tracked, logged or faulted), never through ASan's
// interceptors or dlsym, no allocation. Safe in a child forked from a
// threaded process and in signal handlers. Each returns what the system
// call returns: -1 with errno set on failure.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace mapfuzz::faults::sys {

inline int open(const char* path, int flags, int mode = 0) {
  return static_cast<int>(::syscall(SYS_openat, AT_FDCWD, path, flags, mode));
}
inline int fcntl_lock(int fd, int cmd, struct flock* lock) {
  return static_cast<int>(::syscall(SYS_fcntl, fd, cmd, lock));
}
inline int flock(int fd, int operation) { return static_cast<int>(::syscall(SYS_flock, fd, operation)); }
inline int close(int fd) { return static_cast<int>(::syscall(SYS_close, fd)); }
inline int ftruncate(int fd, uint64_t length) { return static_cast<int>(::syscall(SYS_ftruncate, fd, length)); }
inline int fallocate(int fd, int mode, uint64_t offset, uint64_t length) {
  return static_cast<int>(::syscall(SYS_fallocate, fd, mode, offset, length));
}
inline long pwrite(int fd, const void* buf, size_t count, uint64_t offset) {
  return ::syscall(SYS_pwrite64, fd, buf, count, offset);
}
inline long write(int fd, const void* buf, size_t count) { return ::syscall(SYS_write, fd, buf, count); }
inline long read(int fd, void* buf, size_t count) { return ::syscall(SYS_read, fd, buf, count); }
// Not NUL-terminated, as readlink(2).
inline long readlink(const char* path, char* buf, size_t size) {
  return ::syscall(SYS_readlinkat, AT_FDCWD, path, buf, size);
}
inline int fstat(int fd, struct stat* st) { return static_cast<int>(::syscall(SYS_fstat, fd, st)); }
// Follows a final symlink.
inline int stat(const char* path, struct stat* st) {
  return static_cast<int>(::syscall(SYS_newfstatat, AT_FDCWD, path, st, 0));
}
// Does not follow a final symlink.
inline int lstat(const char* path, struct stat* st) {
  return static_cast<int>(::syscall(SYS_newfstatat, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW));
}
inline int fchmod(int fd, unsigned mode) { return static_cast<int>(::syscall(SYS_fchmod, fd, mode)); }
inline int chmod(const char* path, unsigned mode) {
  return static_cast<int>(::syscall(SYS_fchmodat, AT_FDCWD, path, mode));
}
inline int unlink(const char* path) { return static_cast<int>(::syscall(SYS_unlinkat, AT_FDCWD, path, 0)); }
inline int rename(const char* from, const char* to) {
  return static_cast<int>(::syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to));
}

inline int64_t lseek(int fd, int64_t offset, int whence) { return ::syscall(SYS_lseek, fd, offset, whence); }
// Returns MAP_FAILED on failure. The interposer and ASan never see it.
inline void* mmap(void* addr, size_t length, int prot, int flags, int fd, uint64_t offset) {
  const long r = ::syscall(SYS_mmap, addr, length, prot, flags, fd, offset);
  return r < 0 && r > -4096 ? MAP_FAILED : reinterpret_cast<void*>(r);
}
inline int munmap(void* addr, size_t length) { return static_cast<int>(::syscall(SYS_munmap, addr, length)); }

}  // namespace mapfuzz::faults::sys
