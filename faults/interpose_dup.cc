// Overrides of the calls that copy an fd: dup, dup2, dup3 and fcntl (and
// fcntl64) with F_DUPFD / F_DUPFD_CLOEXEC; see interpose.h. fcntl's lock
// commands on a sandbox fd go to interpose_lock.cc (lock_hooks.h); every
// other command forwards untouched.
//
// A copy of a tracked fd is tracked, so faults, leak checks and the call log
// follow it (CPython's mmap module dup()s the fd it maps and ftruncates the
// copy). dup2/dup3 onto a tracked number silently close that fd, so it is
// untracked; that implicit close is not a close call (the kernel ignores
// its errors), so it is neither logged nor faulted. Copying is no Call of
// its own: nothing here is logged, counted or failed, and tracking happens
// under a Bypass too. ASan (clang 14) intercepts none of these.
#undef _FILE_OFFSET_BITS  // must not redirect fcntl to fcntl64
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "faults/forward.h"
#include "faults/hook_state.h"
#include "faults/lock_hooks.h"

namespace mf = mapfuzz::faults::detail;

namespace {

// After a successful copy of `fd` onto `to` (!= fd): `to` names what `fd`
// names, so it is tracked iff `fd` is.
void track_copy(int fd, int to) {
  if (mf::g_fds.contains(fd)) {
    mf::g_fds.insert(to);
  } else {
    mf::g_fds.erase(to);
  }
}

// dup2/dup3 change tracking iff either number is tracked.
bool copy_is_tracked(int fd, int to) { return mf::is_active() && (mf::g_fds.contains(fd) || mf::g_fds.contains(to)); }

bool is_dup_cmd(int cmd) { return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC; }

}  // namespace

extern "C" {

int dup(int fd) noexcept {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_dup(fd);
  const int r = mf::fwd_dup(fd);
  if (r >= 0) mf::g_fds.insert(r);
  return r;
}

int dup2(int fd, int to) noexcept {
  if (!copy_is_tracked(fd, to)) [[likely]] return mf::fwd_dup2(fd, to);
  const int r = mf::fwd_dup2(fd, to);
  if (r >= 0 && fd != to) track_copy(fd, to);  // on failure `to` is untouched
  return r;
}

int dup3(int fd, int to, int flags) noexcept {
  if (!copy_is_tracked(fd, to)) [[likely]] return mf::fwd_dup3(fd, to, flags);
  const int r = mf::fwd_dup3(fd, to, flags);
  if (r >= 0) track_copy(fd, to);  // dup3 refuses fd == to
  return r;
}

// The third argument is an int, a pointer or absent depending on `cmd`;
// it is forwarded as a pointer-sized value, as glibc's own fcntl reads it.
int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (mf::is_lock_cmd(cmd) && mf::tracked_fd(fd)) [[unlikely]] return mf::fcntl_lock_call(fd, cmd, arg);
  const int r = mf::fwd_fcntl(fd, cmd, arg);
  if (r >= 0 && is_dup_cmd(cmd) && mf::tracked_fd(fd)) [[unlikely]] mf::g_fds.insert(r);
  return r;
}

// fcntl64 aliases fcntl on LP64 glibc (the lock structures are the same).
int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return fcntl(fd, cmd, arg);
}

}  // extern "C"
