// The slow paths of the fd and path overrides, for the interpose*.cc files
// only: open of a sandbox path tracks the fd it returns, close untracks it,
// and calls on a tracked fd (or, for truncate, a sandbox path) are counted,
// matched against the armed faults and logged. Under a Bypass the faults,
// counts and log are skipped (hook_state.h) but tracking is not.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>

#include "faults/forward.h"
#include "faults/hook_state.h"

namespace mapfuzz::faults::detail {

// file_offset for fd_call: the fd's current position (write, writev).
inline constexpr uint64_t kAtPosition = ~uint64_t{0};

// A sandbox call on `fd` (-1 for a path call) returning -1 with errno on
// failure. `real()` makes the call. Out of line and given its closure by
// value, so the overrides' unarmed paths compile to a load, a test and a
// tail call.
template <typename Real>
[[gnu::noinline]] auto fd_call(Call call, int fd, uint64_t length, uint64_t file_offset, Real real)
    -> decltype(real()) {
  HookScope hook;
  if (!hook || t_bypass) return real();  // nothing to track
  CallRecord rec = record(call, fd);
  rec.length = length;
  rec.file_offset = file_offset;
  if (file_offset == kAtPosition) {  // where a failed write would have gone
    const off_t pos = lseek(fd, 0, SEEK_CUR);
    rec.file_offset = pos < 0 ? 0 : static_cast<uint64_t>(pos);
  }
  if (const int err = take_fault(rec)) {
    errno = err;
    return -1;
  }
  const auto r = real();
  const int saved = errno;
  if (file_offset == kAtPosition && r > 0) {  // where it went: differs under O_APPEND
    const off_t end = lseek(fd, 0, SEEK_CUR);
    if (end >= r) rec.file_offset = static_cast<uint64_t>(end - r);
  }
  log_result(rec, r < 0, saved);
  errno = saved;
  return r;
}

// open and its variants while active: a sandbox call iff `path` is in the
// sandbox; the fd it returns is tracked.
template <typename Real>
[[gnu::noinline]] int open_call(int dirfd, const char* path, int flags, Real real) {
  HookScope hook;
  if (!hook || !g_sandbox.contains(dirfd, path)) return real();
  CallRecord rec = record(Call::kOpen, -1);
  rec.flags = flags;
  rec.path = path;
  if (const int err = take_fault(rec)) {
    errno = err;
    return -1;
  }
  const int fd = real();
  const int saved = errno;
  if (fd >= 0) {
    g_fds.insert(fd);
    rec.fd = fd;
  }
  log_result(rec, fd < 0, saved);
  errno = saved;
  return fd;
}

// close of a sandbox fd. The real close runs even when a fault fires:
// Linux releases the fd whatever close returns.
[[gnu::noinline]] inline int close_call(int fd) {
  forget_fd(fd);
  HookScope hook;
  if (!hook) return fwd_close(fd);
  CallRecord rec = record(Call::kClose, fd);
  const int err = take_fault(rec);
  const int r = fwd_close(fd);
  const int saved = errno;
  if (err != 0) {
    errno = err;
    return -1;
  }
  log_result(rec, r < 0, saved);
  errno = saved;
  return r;
}

// posix_fallocate of a sandbox fd: returns the error number, errno untouched.
[[gnu::noinline]] inline int posix_fallocate_call(int fd, off_t offset, off_t len) {
  HookScope hook;
  if (!hook) return fwd_posix_fallocate(fd, offset, len);
  CallRecord rec = record(Call::kFallocate, fd);
  rec.length = static_cast<uint64_t>(len);
  rec.file_offset = static_cast<uint64_t>(offset);
  if (const int err = take_fault(rec)) return err;
  const int r = fwd_posix_fallocate(fd, offset, len);
  log_result(rec, r != 0, r);
  return r;
}

// truncate while active: an ftruncate call (fd -1) iff `path` is in the
// sandbox, so fault schedules written for ftruncate cover it too.
[[gnu::noinline]] inline int truncate_call(const char* path, off_t length) {
  if (t_in_hook || !g_sandbox.contains(AT_FDCWD, path)) return fwd_truncate(path, length);
  return fd_call(Call::kFtruncate, -1, static_cast<uint64_t>(length), 0,
                 [=] { return fwd_truncate(path, length); });
}

}  // namespace mapfuzz::faults::detail
