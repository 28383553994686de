// Forwarding to the definitions mapfuzz's overrides hide, for interpose.cc
// only. Each is looked up once: ASan's interceptor where ASan is linked in
// and intercepts the call (mmap, write, pwrite in clang 14: its checks stay),
// else the next definition after the executable (libc's) via
// dlsym(RTLD_NEXT). dlsym may allocate and so re-enter an override; a
// lookup nested in another on the same thread gets the raw system call.
// On LP64 glibc every *64 name aliases the plain function, so one forwarder
// serves both.
#pragma once

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>

static_assert(sizeof(off_t) == 8 && sizeof(void*) == 8, "the *64 aliases assume LP64 glibc");

extern "C" {
// ASan's interceptors; null when ASan is not linked in.
[[gnu::weak]] void* __interceptor_mmap(void*, size_t, int, int, int, off_t);
[[gnu::weak]] ssize_t __interceptor_write(int, const void*, size_t);
[[gnu::weak]] ssize_t __interceptor_pwrite(int, const void*, size_t, off_t);
}

namespace mapfuzz::faults::detail {

// Set while this thread runs dlsym.
inline thread_local bool t_resolving = false;

template <typename Fn>
class NextFn {
 public:
  explicit constexpr NextFn(const char* name) : name_(name) {}

  // The hidden definition, or nullptr when it cannot be looked up (nested
  // in another lookup on this thread, or not found): callers then make the
  // raw system call. `preferred` is ASan's weak interceptor or nullptr.
  Fn get(Fn preferred = nullptr) {
    Fn fn = fn_.load(std::memory_order_acquire);
    if (fn != nullptr) [[likely]] return fn;
    return lookup(preferred);
  }

 private:
  [[gnu::noinline]] Fn lookup(Fn preferred) {
    Fn fn = preferred;
    if (fn == nullptr) {
      if (t_resolving) return nullptr;
      t_resolving = true;
      fn = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name_));
      t_resolving = false;
    }
    if (fn != nullptr) fn_.store(fn, std::memory_order_release);
    return fn;
  }

  const char* name_;
  std::atomic<Fn> fn_{nullptr};
};

inline constinit NextFn<int (*)(const char*, int, ...)> n_open{"open"};
inline constinit NextFn<int (*)(int, const char*, int, ...)> n_openat{"openat"};
inline constinit NextFn<int (*)(const char*, int)> n_open_2{"__open_2"};
inline constinit NextFn<int (*)(const char*, mode_t)> n_creat{"creat"};
inline constinit NextFn<int (*)(int)> n_close{"close"};
inline constinit NextFn<int (*)(int, off_t)> n_ftruncate{"ftruncate"};
inline constinit NextFn<int (*)(int, int, off_t, off_t)> n_fallocate{"fallocate"};
inline constinit NextFn<int (*)(int, off_t, off_t)> n_posix_fallocate{"posix_fallocate"};
inline constinit NextFn<void* (*)(void*, size_t, int, int, int, off_t)> n_mmap{"mmap"};
inline constinit NextFn<int (*)(void*, size_t)> n_munmap{"munmap"};
inline constinit NextFn<void* (*)(void*, size_t, size_t, int, ...)> n_mremap{"mremap"};
inline constinit NextFn<int (*)(void*, size_t, int)> n_msync{"msync"};
inline constinit NextFn<int (*)(void*, size_t, int)> n_madvise{"madvise"};
inline constinit NextFn<int (*)(int)> n_fsync{"fsync"};
inline constinit NextFn<int (*)(int)> n_fdatasync{"fdatasync"};
inline constinit NextFn<ssize_t (*)(int, const void*, size_t)> n_write{"write"};
inline constinit NextFn<ssize_t (*)(int, const void*, size_t, off_t)> n_pwrite{"pwrite"};

inline int fwd_open(const char* p, int fl, mode_t m) {
  if (auto f = n_open.get()) return f(p, fl, m);
  return static_cast<int>(syscall(SYS_openat, AT_FDCWD, p, fl, m));
}
inline int fwd_openat(int d, const char* p, int fl, mode_t m) {
  if (auto f = n_openat.get()) return f(d, p, fl, m);
  return static_cast<int>(syscall(SYS_openat, d, p, fl, m));
}
inline int fwd_open_2(const char* p, int fl) {
  if (auto f = n_open_2.get()) return f(p, fl);
  return static_cast<int>(syscall(SYS_openat, AT_FDCWD, p, fl, 0));
}
inline int fwd_creat(const char* p, mode_t m) {
  if (auto f = n_creat.get()) return f(p, m);
  return static_cast<int>(syscall(SYS_creat, p, m));
}
inline int fwd_close(int fd) {
  if (auto f = n_close.get()) return f(fd);
  return static_cast<int>(syscall(SYS_close, fd));
}
inline int fwd_ftruncate(int fd, off_t n) {
  if (auto f = n_ftruncate.get()) return f(fd, n);
  return static_cast<int>(syscall(SYS_ftruncate, fd, n));
}
inline int fwd_fallocate(int fd, int mode, off_t off, off_t n) {
  if (auto f = n_fallocate.get()) return f(fd, mode, off, n);
  return static_cast<int>(syscall(SYS_fallocate, fd, mode, off, n));
}
inline int fwd_posix_fallocate(int fd, off_t off, off_t n) {
  if (auto f = n_posix_fallocate.get()) return f(fd, off, n);
  return syscall(SYS_fallocate, fd, 0, off, n) == 0 ? 0 : errno;
}
inline void* fwd_mmap(void* a, size_t n, int prot, int fl, int fd, off_t off) {
  if (auto f = n_mmap.get(__interceptor_mmap)) return f(a, n, prot, fl, fd, off);
  return reinterpret_cast<void*>(syscall(SYS_mmap, a, n, prot, fl, fd, off));
}
inline int fwd_munmap(void* a, size_t n) {
  if (auto f = n_munmap.get()) return f(a, n);
  return static_cast<int>(syscall(SYS_munmap, a, n));
}
inline void* fwd_mremap(void* a, size_t old_n, size_t new_n, int fl, void* to) {
  if (auto f = n_mremap.get()) return f(a, old_n, new_n, fl, to);
  return reinterpret_cast<void*>(syscall(SYS_mremap, a, old_n, new_n, fl, to));
}
inline int fwd_msync(void* a, size_t n, int fl) {
  if (auto f = n_msync.get()) return f(a, n, fl);
  return static_cast<int>(syscall(SYS_msync, a, n, fl));
}
inline int fwd_madvise(void* a, size_t n, int advice) {
  if (auto f = n_madvise.get()) return f(a, n, advice);
  return static_cast<int>(syscall(SYS_madvise, a, n, advice));
}
inline int fwd_fsync(int fd) {
  if (auto f = n_fsync.get()) return f(fd);
  return static_cast<int>(syscall(SYS_fsync, fd));
}
inline int fwd_fdatasync(int fd) {
  if (auto f = n_fdatasync.get()) return f(fd);
  return static_cast<int>(syscall(SYS_fdatasync, fd));
}
inline ssize_t fwd_write(int fd, const void* b, size_t n) {
  if (auto f = n_write.get(__interceptor_write)) return f(fd, b, n);
  return syscall(SYS_write, fd, b, n);
}
inline ssize_t fwd_pwrite(int fd, const void* b, size_t n, off_t off) {
  if (auto f = n_pwrite.get(__interceptor_pwrite)) return f(fd, b, n, off);
  return syscall(SYS_pwrite64, fd, b, n, off);
}

}  // namespace mapfuzz::faults::detail
