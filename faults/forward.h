// Forwarding to the definitions mapfuzz's overrides hide, for the
// interpose*.cc files only. Each is looked up once: ASan's interceptor where
// ASan is linked in and intercepts the call (mmap, write, pwrite, writev,
// pwritev in clang 14: its checks stay; it has none for dup*, fcntl,
// flock, lockf, truncate or pwritev2),
// else the next definition after the executable (libc's) via
// dlsym(RTLD_NEXT). dlsym may allocate and so re-enter an override; a
// lookup nested in another on the same thread gets the raw system call
// instead (as does a name dlsym cannot find). On LP64 glibc every *64 name
// aliases the plain function, so one forwarder serves both.
#pragma once

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>

static_assert(sizeof(off_t) == 8 && sizeof(void*) == 8, "the *64 aliases assume LP64 glibc");

extern "C" {
// ASan's interceptors; null when ASan is not linked in.
[[gnu::weak]] void* __interceptor_mmap(void*, size_t, int, int, int, off_t) noexcept;
[[gnu::weak]] ssize_t __interceptor_write(int, const void*, size_t) noexcept;
[[gnu::weak]] ssize_t __interceptor_pwrite(int, const void*, size_t, off_t) noexcept;
[[gnu::weak]] ssize_t __interceptor_writev(int, const iovec*, int) noexcept;
[[gnu::weak]] ssize_t __interceptor_pwritev(int, const iovec*, int, off_t) noexcept;
[[gnu::weak]] FILE* __interceptor_fopen(const char*, const char*) noexcept;
[[gnu::weak]] FILE* __interceptor_fopen64(const char*, const char*) noexcept;
[[gnu::weak]] FILE* __interceptor_freopen(const char*, const char*, FILE*) noexcept;
[[gnu::weak]] FILE* __interceptor_freopen64(const char*, const char*, FILE*) noexcept;
[[gnu::weak]] int __interceptor_fclose(FILE*) noexcept;
}

namespace mapfuzz::faults::detail {

// Set while this thread runs dlsym.
inline thread_local bool t_resolving = false;

template <typename Fn>
class NextFn {
 public:
  constexpr NextFn(const char* name, Fn raw) : name_(name), raw_(raw) {}

  // The hidden definition; the raw system call while it cannot be looked
  // up. `preferred` is ASan's weak interceptor (null without ASan).
  Fn get(Fn preferred = nullptr) noexcept {
    Fn fn = fn_.load(std::memory_order_acquire);
    if (fn != nullptr) [[likely]] return fn;
    return lookup(preferred);
  }

 private:
  [[gnu::noinline]] Fn lookup(Fn preferred) noexcept {
    Fn fn = preferred;
    if (fn == nullptr) {
      if (t_resolving) return raw_;
      t_resolving = true;
      fn = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name_));
      t_resolving = false;
    }
    if (fn == nullptr) return raw_;
    fn_.store(fn, std::memory_order_release);
    return fn;
  }

  const char* name_;
  Fn raw_;
  std::atomic<Fn> fn_{nullptr};
};

// --- The raw system calls (variadic where the libc function is).

inline int raw_open(const char* p, int fl, ...) noexcept {
  va_list ap;
  va_start(ap, fl);
  const int mode = __OPEN_NEEDS_MODE(fl) ? va_arg(ap, int) : 0;
  va_end(ap);
  return static_cast<int>(syscall(SYS_openat, AT_FDCWD, p, fl, mode));
}
inline int raw_openat(int d, const char* p, int fl, ...) noexcept {
  va_list ap;
  va_start(ap, fl);
  const int mode = __OPEN_NEEDS_MODE(fl) ? va_arg(ap, int) : 0;
  va_end(ap);
  return static_cast<int>(syscall(SYS_openat, d, p, fl, mode));
}
inline void* raw_mremap(void* a, size_t old_n, size_t new_n, int fl, ...) noexcept {
  va_list ap;
  va_start(ap, fl);
  void* to = (fl & MREMAP_FIXED) != 0 ? va_arg(ap, void*) : nullptr;
  va_end(ap);
  return reinterpret_cast<void*>(syscall(SYS_mremap, a, old_n, new_n, fl, to));
}
inline int raw_fcntl(int fd, int cmd, ...) noexcept {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);  // as glibc does: every argument fits a pointer
  va_end(ap);
  return static_cast<int>(syscall(SYS_fcntl, fd, cmd, arg));
}

// lockf has no system call of its own: glibc's, on fcntl record locks.
inline int raw_lockf(int fd, int cmd, off_t len) noexcept {
  struct flock fl {};
  fl.l_whence = SEEK_CUR;
  fl.l_len = len;
  switch (cmd) {
    case F_TEST:
      fl.l_type = F_RDLCK;
      if (raw_fcntl(fd, F_GETLK, &fl) < 0) return -1;
      if (fl.l_type == F_UNLCK || fl.l_pid == getpid()) return 0;
      errno = EACCES;
      return -1;
    case F_ULOCK: fl.l_type = F_UNLCK; return raw_fcntl(fd, F_SETLK, &fl);
    case F_LOCK: fl.l_type = F_WRLCK; return raw_fcntl(fd, F_SETLKW, &fl);
    case F_TLOCK: fl.l_type = F_WRLCK; return raw_fcntl(fd, F_SETLK, &fl);
    default: errno = EINVAL; return -1;
  }
}

using Fd = int;
inline constinit NextFn<int (*)(const char*, int, ...) noexcept> n_open{"open", raw_open};
inline constinit NextFn<int (*)(int, const char*, int, ...) noexcept> n_openat{"openat", raw_openat};
inline constinit NextFn<int (*)(const char*, int) noexcept> n_open_2{
    "__open_2", [](const char* p, int fl) noexcept { return raw_open(p, fl); }};
inline constinit NextFn<int (*)(const char*, mode_t) noexcept> n_creat{
    "creat", [](const char* p, mode_t m) noexcept { return raw_open(p, O_CREAT | O_WRONLY | O_TRUNC, m); }};
inline constinit NextFn<int (*)(Fd) noexcept> n_close{
    "close", [](Fd fd) noexcept { return static_cast<int>(syscall(SYS_close, fd)); }};
inline constinit NextFn<int (*)(Fd, off_t) noexcept> n_ftruncate{
    "ftruncate", [](Fd fd, off_t n) noexcept { return static_cast<int>(syscall(SYS_ftruncate, fd, n)); }};
inline constinit NextFn<int (*)(Fd, int, off_t, off_t) noexcept> n_fallocate{
    "fallocate",
    [](Fd fd, int mode, off_t off, off_t n) noexcept { return static_cast<int>(syscall(SYS_fallocate, fd, mode, off, n)); }};
inline constinit NextFn<int (*)(Fd, off_t, off_t) noexcept> n_posix_fallocate{
    "posix_fallocate",
    [](Fd fd, off_t off, off_t n) noexcept { return syscall(SYS_fallocate, fd, 0, off, n) == 0 ? 0 : errno; }};
inline constinit NextFn<void* (*)(void*, size_t, int, int, Fd, off_t) noexcept> n_mmap{
    "mmap", [](void* a, size_t n, int prot, int fl, Fd fd, off_t off) noexcept {
      return reinterpret_cast<void*>(syscall(SYS_mmap, a, n, prot, fl, fd, off));
    }};
inline constinit NextFn<int (*)(void*, size_t) noexcept> n_munmap{
    "munmap", [](void* a, size_t n) noexcept { return static_cast<int>(syscall(SYS_munmap, a, n)); }};
inline constinit NextFn<void* (*)(void*, size_t, size_t, int, ...) noexcept> n_mremap{"mremap", raw_mremap};
inline constinit NextFn<int (*)(void*, size_t, int) noexcept> n_msync{
    "msync", [](void* a, size_t n, int fl) noexcept { return static_cast<int>(syscall(SYS_msync, a, n, fl)); }};
inline constinit NextFn<int (*)(void*, size_t, int) noexcept> n_madvise{
    "madvise", [](void* a, size_t n, int adv) noexcept { return static_cast<int>(syscall(SYS_madvise, a, n, adv)); }};
inline constinit NextFn<int (*)(Fd) noexcept> n_fsync{
    "fsync", [](Fd fd) noexcept { return static_cast<int>(syscall(SYS_fsync, fd)); }};
inline constinit NextFn<int (*)(Fd) noexcept> n_fdatasync{
    "fdatasync", [](Fd fd) noexcept { return static_cast<int>(syscall(SYS_fdatasync, fd)); }};
inline constinit NextFn<ssize_t (*)(Fd, const void*, size_t) noexcept> n_write{
    "write", [](Fd fd, const void* b, size_t n) noexcept { return syscall(SYS_write, fd, b, n); }};
inline constinit NextFn<ssize_t (*)(Fd, const void*, size_t, off_t) noexcept> n_pwrite{
    "pwrite", [](Fd fd, const void* b, size_t n, off_t off) noexcept { return syscall(SYS_pwrite64, fd, b, n, off); }};
inline constinit NextFn<int (*)(const char*, off_t) noexcept> n_truncate{
    "truncate", [](const char* p, off_t n) noexcept { return static_cast<int>(syscall(SYS_truncate, p, n)); }};
inline constinit NextFn<int (*)(Fd) noexcept> n_dup{
    "dup", [](Fd fd) noexcept { return static_cast<int>(syscall(SYS_dup, fd)); }};
inline constinit NextFn<int (*)(Fd, Fd) noexcept> n_dup2{
    "dup2", [](Fd fd, Fd to) noexcept { return static_cast<int>(syscall(SYS_dup2, fd, to)); }};
inline constinit NextFn<int (*)(Fd, Fd, int) noexcept> n_dup3{
    "dup3", [](Fd fd, Fd to, int fl) noexcept { return static_cast<int>(syscall(SYS_dup3, fd, to, fl)); }};
inline constinit NextFn<int (*)(Fd, int, ...) noexcept> n_fcntl{"fcntl", raw_fcntl};
inline constinit NextFn<int (*)(Fd, int) noexcept> n_flock{
    "flock", [](Fd fd, int op) noexcept { return static_cast<int>(syscall(SYS_flock, fd, op)); }};
inline constinit NextFn<int (*)(Fd, int, off_t) noexcept> n_lockf{"lockf", raw_lockf};
// The kernel's pwritev takes the offset as (low, high) halves; on LP64 the
// low one holds all of it.
inline constinit NextFn<ssize_t (*)(Fd, const iovec*, int) noexcept> n_writev{
    "writev", [](Fd fd, const iovec* v, int n) noexcept { return syscall(SYS_writev, fd, v, n); }};
inline constinit NextFn<ssize_t (*)(Fd, const iovec*, int, off_t) noexcept> n_pwritev{
    "pwritev", [](Fd fd, const iovec* v, int n, off_t off) noexcept { return syscall(SYS_pwritev, fd, v, n, off, 0); }};
inline constinit NextFn<ssize_t (*)(Fd, const iovec*, int, off_t, int) noexcept> n_pwritev2{
    "pwritev2", [](Fd fd, const iovec* v, int n, off_t off, int fl) noexcept {
      return syscall(SYS_pwritev2, fd, v, n, off, 0, fl);
    }};
// stdio has no system call of its own: with no definition found, it fails.
inline FILE* no_fopen(const char*, const char*) noexcept {
  errno = ENOSYS;
  return nullptr;
}
inline FILE* no_freopen(const char*, const char*, FILE*) noexcept {
  errno = ENOSYS;
  return nullptr;
}
inline int no_fclose(FILE*) noexcept {
  errno = ENOSYS;
  return EOF;
}
inline constinit NextFn<FILE* (*)(const char*, const char*) noexcept> n_fopen{"fopen", no_fopen};
inline constinit NextFn<FILE* (*)(const char*, const char*) noexcept> n_fopen64{"fopen64", no_fopen};
inline constinit NextFn<FILE* (*)(const char*, const char*, FILE*) noexcept> n_freopen{"freopen", no_freopen};
inline constinit NextFn<FILE* (*)(const char*, const char*, FILE*) noexcept> n_freopen64{"freopen64", no_freopen};
inline constinit NextFn<int (*)(FILE*) noexcept> n_fclose{"fclose", no_fclose};

// --- The forwarders the overrides call.

inline int fwd_open(const char* p, int fl, mode_t m) noexcept { return n_open.get()(p, fl, m); }
inline int fwd_openat(int d, const char* p, int fl, mode_t m) noexcept { return n_openat.get()(d, p, fl, m); }
inline int fwd_open_2(const char* p, int fl) noexcept { return n_open_2.get()(p, fl); }
inline int fwd_creat(const char* p, mode_t m) noexcept { return n_creat.get()(p, m); }
inline int fwd_close(int fd) noexcept { return n_close.get()(fd); }
inline int fwd_ftruncate(int fd, off_t n) noexcept { return n_ftruncate.get()(fd, n); }
inline int fwd_fallocate(int fd, int mode, off_t off, off_t n) noexcept {
  return n_fallocate.get()(fd, mode, off, n);
}
inline int fwd_posix_fallocate(int fd, off_t off, off_t n) noexcept { return n_posix_fallocate.get()(fd, off, n); }
inline void* fwd_mmap(void* a, size_t n, int prot, int fl, int fd, off_t off) noexcept {
  return n_mmap.get(__interceptor_mmap)(a, n, prot, fl, fd, off);
}
inline int fwd_munmap(void* a, size_t n) noexcept { return n_munmap.get()(a, n); }
inline void* fwd_mremap(void* a, size_t old_n, size_t new_n, int fl, void* to) noexcept {
  return n_mremap.get()(a, old_n, new_n, fl, to);
}
inline int fwd_msync(void* a, size_t n, int fl) noexcept { return n_msync.get()(a, n, fl); }
inline int fwd_madvise(void* a, size_t n, int advice) noexcept { return n_madvise.get()(a, n, advice); }
inline int fwd_fsync(int fd) noexcept { return n_fsync.get()(fd); }
inline int fwd_fdatasync(int fd) noexcept { return n_fdatasync.get()(fd); }
inline ssize_t fwd_write(int fd, const void* b, size_t n) noexcept { return n_write.get(__interceptor_write)(fd, b, n); }
inline ssize_t fwd_pwrite(int fd, const void* b, size_t n, off_t off) noexcept {
  return n_pwrite.get(__interceptor_pwrite)(fd, b, n, off);
}
inline int fwd_truncate(const char* p, off_t n) noexcept { return n_truncate.get()(p, n); }
inline int fwd_dup(int fd) noexcept { return n_dup.get()(fd); }
inline int fwd_dup2(int fd, int to) noexcept { return n_dup2.get()(fd, to); }
inline int fwd_dup3(int fd, int to, int fl) noexcept { return n_dup3.get()(fd, to, fl); }
inline int fwd_fcntl(int fd, int cmd, void* arg) noexcept { return n_fcntl.get()(fd, cmd, arg); }
inline int fwd_flock(int fd, int op) noexcept { return n_flock.get()(fd, op); }
inline int fwd_lockf(int fd, int cmd, off_t len) noexcept { return n_lockf.get()(fd, cmd, len); }
inline ssize_t fwd_writev(int fd, const iovec* v, int n) noexcept {
  return n_writev.get(__interceptor_writev)(fd, v, n);
}
inline ssize_t fwd_pwritev(int fd, const iovec* v, int n, off_t off) noexcept {
  return n_pwritev.get(__interceptor_pwritev)(fd, v, n, off);
}
inline ssize_t fwd_pwritev2(int fd, const iovec* v, int n, off_t off, int fl) noexcept {
  return n_pwritev2.get()(fd, v, n, off, fl);
}

inline FILE* fwd_fopen(const char* p, const char* m) noexcept { return n_fopen.get(__interceptor_fopen)(p, m); }
inline FILE* fwd_fopen64(const char* p, const char* m) noexcept { return n_fopen64.get(__interceptor_fopen64)(p, m); }
inline FILE* fwd_freopen(const char* p, const char* m, FILE* f) noexcept {
  return n_freopen.get(__interceptor_freopen)(p, m, f);
}
inline FILE* fwd_freopen64(const char* p, const char* m, FILE* f) noexcept {
  return n_freopen64.get(__interceptor_freopen64)(p, m, f);
}
inline int fwd_fclose(FILE* f) noexcept { return n_fclose.get(__interceptor_fclose)(f); }

}  // namespace mapfuzz::faults::detail
