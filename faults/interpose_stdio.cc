// Overrides of stdio's opening and closing: fopen, fopen64, freopen,
// freopen64 and fclose; see interpose.h. glibc's stdio opens and closes
// files through internal calls that no override sees, so without these a
// stream on a sandbox file (a C program's fopen, then mmap of its fileno)
// would never be tracked, and its fd number, once fclose'd, would stay
// tracked.
//
// fopen of a sandbox path is an open (Call::kOpen, the open flags its mode
// means): counted, faultable (an injected fault returns NULL with the errno
// and opens nothing), logged; the stream's fd is tracked. fclose of a stream
// on a tracked fd is a close (Call::kClose): untracked first, faultable (the
// stream is closed all the same, as POSIX says, and EOF returned with the
// errno), logged. freopen untracks the stream's old fd, then is an fopen.
// The reads and writes a stream makes are internal to glibc and pass
// untouched. ASan and TSan intercept these; the forwarders chain to them.
#undef _FILE_OFFSET_BITS  // must not redirect fopen to fopen64
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <cstring>

#include "faults/forward.h"
#include "faults/hook_state.h"

namespace mf = mapfuzz::faults::detail;
using mapfuzz::faults::Call;
using mapfuzz::faults::CallRecord;

namespace {

// The open(2) flags an fopen mode asks for.
int flags_of(const char* mode) {
  if (mode == nullptr) return 0;
  const bool plus = std::strchr(mode, '+') != nullptr;
  int flags = 0;
  switch (mode[0]) {
    case 'r': flags = plus ? O_RDWR : O_RDONLY; break;
    case 'w': flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC; break;
    case 'a': flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND; break;
    default: break;
  }
  if (std::strchr(mode, 'x') != nullptr) flags |= O_EXCL;
  if (std::strchr(mode, 'e') != nullptr) flags |= O_CLOEXEC;
  return flags;
}

// fopen-like `real()` of `path` while a sandbox is active.
template <typename Real>
[[gnu::noinline]] FILE* fopen_call(const char* path, const char* mode, Real real) {
  mf::HookScope hook;
  if (!hook || !mf::g_sandbox.contains(AT_FDCWD, path)) return real();
  CallRecord rec = mf::record(Call::kOpen, -1);
  rec.flags = flags_of(mode);
  rec.path = path;
  if (const int err = mf::take_fault(rec)) {
    errno = err;
    return nullptr;
  }
  FILE* f = real();
  const int saved = errno;
  if (f != nullptr) {
    rec.fd = fileno(f);
    mf::g_fds.insert(rec.fd);
  }
  mf::log_result(rec, f == nullptr, saved);
  errno = saved;
  return f;
}

[[gnu::noinline]] int fclose_call(FILE* f, int fd) {
  mf::forget_fd(fd);
  mf::HookScope hook;
  if (!hook) return mf::fwd_fclose(f);
  CallRecord rec = mf::record(Call::kClose, fd);
  const int err = mf::take_fault(rec);
  const int r = mf::fwd_fclose(f);
  const int saved = errno;
  if (err != 0) {
    errno = err;
    return EOF;
  }
  mf::log_result(rec, r != 0, saved);
  errno = saved;
  return r;
}

int tracked_stream_fd(FILE* f) {
  if (f == nullptr || !mf::is_active()) return -1;
  const int fd = fileno(f);
  return mf::g_fds.contains(fd) ? fd : -1;
}

}  // namespace

extern "C" {

FILE* fopen(const char* path, const char* mode) {
  if (!mf::is_active()) [[likely]] return mf::fwd_fopen(path, mode);
  return fopen_call(path, mode, [=] { return mf::fwd_fopen(path, mode); });
}
FILE* fopen64(const char* path, const char* mode) {
  if (!mf::is_active()) [[likely]] return mf::fwd_fopen64(path, mode);
  return fopen_call(path, mode, [=] { return mf::fwd_fopen64(path, mode); });
}

FILE* freopen(const char* path, const char* mode, FILE* stream) {
  if (const int fd = tracked_stream_fd(stream); fd >= 0) mf::forget_fd(fd);  // freopen closes it
  if (!mf::is_active() || path == nullptr) [[likely]] return mf::fwd_freopen(path, mode, stream);
  return fopen_call(path, mode, [=] { return mf::fwd_freopen(path, mode, stream); });
}
FILE* freopen64(const char* path, const char* mode, FILE* stream) {
  if (const int fd = tracked_stream_fd(stream); fd >= 0) mf::forget_fd(fd);
  if (!mf::is_active() || path == nullptr) [[likely]] return mf::fwd_freopen64(path, mode, stream);
  return fopen_call(path, mode, [=] { return mf::fwd_freopen64(path, mode, stream); });
}

int fclose(FILE* stream) {
  const int fd = tracked_stream_fd(stream);
  if (fd < 0) [[likely]] return mf::fwd_fclose(stream);
  return fclose_call(stream, fd);
}

}  // extern "C"
