// Overrides of the vectored writes: writev, pwritev, pwritev64, pwritev2 and
// pwritev64v2; see interpose.h.
//
// Each is one write call (Call::kWrite, like write and pwrite) of the sum of
// its buffers' lengths, so existing fault schedules cover them. An injected
// fault fails the whole call before the real one runs: -1 with the errno,
// never a short write. Where ASan intercepts the call (writev, pwritev in
// clang 14) its buffer checks still run.
#undef _FILE_OFFSET_BITS  // must not redirect pwritev to pwritev64 etc.
#undef _FORTIFY_SOURCE

#include <limits.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>

#include "faults/fd_hooks.h"
#include "faults/forward.h"
#include "faults/hook_state.h"

namespace mf = mapfuzz::faults::detail;
using mapfuzz::faults::Call;

namespace {

// The bytes the call asks to write; 0 for a vector the kernel will refuse
// (EINVAL), which is then not read here either.
[[gnu::noinline]] uint64_t iov_bytes(const iovec* iov, int count) {
  if (iov == nullptr || count <= 0 || count > IOV_MAX) return 0;
  uint64_t total = 0;
  for (int i = 0; i < count; ++i) total += iov[i].iov_len;
  return total;
}

}  // namespace

extern "C" {

ssize_t writev(int fd, const iovec* iov, int count) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_writev(fd, iov, count);
  return mf::fd_call(Call::kWrite, fd, iov_bytes(iov, count), mf::kAtPosition,
                     [=] { return mf::fwd_writev(fd, iov, count); });
}

ssize_t pwritev(int fd, const iovec* iov, int count, off_t offset) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_pwritev(fd, iov, count, offset);
  return mf::fd_call(Call::kWrite, fd, iov_bytes(iov, count), static_cast<uint64_t>(offset),
                     [=] { return mf::fwd_pwritev(fd, iov, count, offset); });
}
ssize_t pwritev64(int fd, const iovec* iov, int count, off_t offset) { return pwritev(fd, iov, count, offset); }

// Offset -1 writes at (and moves) the file position, as writev does. With
// RWF_APPEND the data goes to the end whatever the offset; the log keeps
// the offset asked for.
ssize_t pwritev2(int fd, const iovec* iov, int count, off_t offset, int flags) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_pwritev2(fd, iov, count, offset, flags);
  const uint64_t at = offset == -1 ? mf::kAtPosition : static_cast<uint64_t>(offset);
  return mf::fd_call(Call::kWrite, fd, iov_bytes(iov, count), at,
                     [=] { return mf::fwd_pwritev2(fd, iov, count, offset, flags); });
}
ssize_t pwritev64v2(int fd, const iovec* iov, int count, off_t offset, int flags) {
  return pwritev2(fd, iov, count, offset, flags);
}

}  // extern "C"
