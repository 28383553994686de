// The lock calls: overrides of flock, lockf and lockf64, the slow path of
// fcntl's lock commands (fcntl itself is in interpose_dup.cc), the lock
// wait hook and the last hang; see interpose.h ("File locks").
//
// A lock call on a sandbox fd is one Call::kLock: counted, matched against
// the armed faults and logged with the range and what was asked. Only the
// non-blocking form of a request ever reaches the kernel, so a run never
// waits for a lock: where a blocking request would wait, the harness's hook
// may let the holder go, and otherwise the call fails with EDEADLK and the
// wait is remembered as a hang. ASan (clang 14) intercepts none of these.
#undef _FILE_OFFSET_BITS  // must not redirect lockf to lockf64
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "faults/forward.h"
#include "faults/hook_state.h"
#include "faults/interpose.h"
#include "faults/lock_hooks.h"

namespace mapfuzz::faults {
namespace detail {
namespace {

// What a lock call asked for, as logged.
struct LockRequest {
  int fd;
  int flags;  // lock_flags()
  uint64_t offset, length;
};

bool would_block(int err) { return err == EAGAIN || err == EACCES; }  // EWOULDBLOCK is EAGAIN

LockCallMode mode_of(short type) {
  if (type == F_RDLCK) return LockCallMode::kShared;
  if (type == F_WRLCK) return LockCallMode::kExclusive;
  return LockCallMode::kUnlock;  // F_UNLCK, or a bad type the kernel refuses
}

// The range `fl` names, l_whence resolved against fd's position or size
// and a negative l_len turned into the range before l_start (unsigned
// arithmetic: a range the kernel refuses wraps, harmlessly).
void resolve_range(int fd, const struct flock& fl, uint64_t* offset, uint64_t* length) {
  off_t base = 0;
  if (fl.l_whence == SEEK_CUR) {
    base = lseek(fd, 0, SEEK_CUR);
  } else if (fl.l_whence == SEEK_END) {
    struct stat st {};
    base = fstat(fd, &st) == 0 ? st.st_size : 0;
  }
  uint64_t start = static_cast<uint64_t>(base < 0 ? 0 : base) + static_cast<uint64_t>(fl.l_start);
  uint64_t len = static_cast<uint64_t>(fl.l_len);
  if (fl.l_len < 0) {
    len = 0 - len;
    start -= len;
  }
  *offset = start;
  *length = len;
}

LockRequest record_request(int fd, LockCallApi api, const struct flock& fl, bool blocking, bool get) {
  LockRequest req{fd, lock_flags(api, mode_of(fl.l_type), blocking, get), 0, 0};
  resolve_range(fd, fl, &req.offset, &req.length);
  return req;
}

// The LockWait of a request that would block, holder not yet asked.
void describe(const LockRequest& req, LockWait* w) {
  w->fd = req.fd;
  w->api = lock_api(req.flags);
  w->mode = lock_mode(req.flags);
  w->offset = req.offset;
  w->length = req.length;
  w->holder_pid = 0;
  char link[32];
  snprintf(link, sizeof link, "/proc/self/fd/%d", req.fd);
  const ssize_t n = readlink(link, w->path, sizeof w->path - 1);
  w->path[n > 0 ? n : 0] = '\0';
}

// Fills w's holder fields with the lock that conflicts with `asked`, by
// `getcmd` (F_GETLK or F_OFD_GETLK); holder_known false if there is none.
void ask_holder(LockWait* w, int getcmd, struct flock asked) {
  w->holder_known = false;
  asked.l_pid = 0;  // F_OFD_GETLK refuses anything else
  if (fwd_fcntl(w->fd, getcmd, &asked) != 0 || asked.l_type == F_UNLCK) return;
  w->holder_known = true;
  w->holder_pid = asked.l_pid;
  w->holder_mode = mode_of(asked.l_type);
  w->holder_offset = static_cast<uint64_t>(asked.l_start);  // F_GETLK answers with SEEK_SET
  w->holder_length = static_cast<uint64_t>(asked.l_len);
}

void remember_hang(const LockWait& w) {
  Locked t;
  t->hung = true;
  t->last_hang = w;
}

// A blocking request whose non-blocking form would block: while the hook
// returns true (it released the holder, or lets the caller wait a little
// longer), one more try; then -1 with EDEADLK, a hang.
template <typename Try, typename Holder>
int wait_or_hang(const LockRequest& req, Try try_lock, Holder holder, CallRecord* rec) {
  LockWait w{};
  describe(req, &w);
  holder(&w);
  if (const LockWaitHook fn = g_lock_wait.load()) {
    while (fn(g_lock_wait_arg.load(), w)) {  // the hook says when to give up
      const int r = try_lock();
      if (r >= 0 || !would_block(errno)) return r;
      holder(&w);  // who holds it now
    }
  }
  rec->hung = true;
  remember_hang(w);
  errno = EDEADLK;
  return -1;
}

// A lock call on a sandbox fd while active. `try_lock()` makes the
// request's non-blocking form (the request itself if it never blocks);
// `holder(w)` fills in the conflicting lock's holder.
template <typename Try, typename Holder>
[[gnu::noinline]] int lock_call(const LockRequest& req, Try try_lock, Holder holder) {
  HookScope hook;
  if (!hook) return try_lock();  // the hook's own (or a nested) call: untouched, never waits
  CallRecord rec = record(Call::kLock, req.fd);
  rec.flags = req.flags;
  rec.file_offset = req.offset;
  rec.length = req.length;
  // Only a request that takes a lock through an fd holding none is failed
  // (and counted): never an unlock, a query, or a conversion of a held lock
  // (a real system cannot fail those but for a lack of memory). EINTR and
  // EDEADLK fail only a request that would wait.
  const bool get = (req.flags & kLockGet) != 0;
  const bool unlock = lock_mode(req.flags) == LockCallMode::kUnlock;
  FdTracker& holding = lock_api(req.flags) == LockCallApi::kFlock ? g_fds_flocking : g_fds_record_locking;
  const bool changes = !get && !unlock && !holding.contains(req.fd);
  const bool blocking = (req.flags & kLockBlocking) != 0;
  const auto accepts = [blocking](int err) { return blocking || (err != EINTR && err != EDEADLK); };
  if (const int err = changes ? take_fault(Locked{}, rec, accepts) : 0) {
    errno = err;
    return -1;
  }
  int r = try_lock();
  if (r < 0 && (req.flags & kLockBlocking) != 0 && would_block(errno)) r = wait_or_hang(req, try_lock, holder, &rec);
  const int saved = errno;
  if (r >= 0 && !get && !unlock) holding.insert(req.fd);
  if (r >= 0 && unlock && req.offset == 0 && req.length == 0) holding.erase(req.fd);
  log_result(rec, r < 0, saved);
  errno = saved;
  return r;
}

int nonblocking_fcntl_cmd(int cmd) {
  if (cmd == F_SETLKW) return F_SETLK;
  if (cmd == F_OFD_SETLKW) return F_OFD_SETLK;
  return cmd;
}

[[gnu::noinline]] int flock_call(int fd, int op) {
  const int what = op & ~LOCK_NB;
  const LockCallMode mode = what == LOCK_SH   ? LockCallMode::kShared
                        : what == LOCK_EX ? LockCallMode::kExclusive
                                          : LockCallMode::kUnlock;
  const bool blocking = (op & LOCK_NB) == 0 && mode != LockCallMode::kUnlock;
  const LockRequest req{fd, lock_flags(LockCallApi::kFlock, mode, blocking, false), 0, 0};
  return lock_call(req, [=] { return fwd_flock(fd, op | LOCK_NB); }, [](LockWait*) {});
}

[[gnu::noinline]] int lockf_call(int fd, int cmd, off_t len) {
  struct flock fl {};  // what glibc's lockf asks fcntl
  fl.l_whence = SEEK_CUR;
  fl.l_len = len;
  fl.l_type = cmd == F_ULOCK ? F_UNLCK : cmd == F_TEST ? F_RDLCK : cmd == F_LOCK || cmd == F_TLOCK ? F_WRLCK : -1;
  const LockRequest req = record_request(fd, LockCallApi::kLockf, fl, cmd == F_LOCK, cmd == F_TEST);
  const int try_cmd = cmd == F_LOCK ? F_TLOCK : cmd;
  return lock_call(
      req, [=] { return fwd_lockf(fd, try_cmd, len); }, [=](LockWait* w) { ask_holder(w, F_GETLK, fl); });
}

}  // namespace

int fcntl_lock_call(int fd, int cmd, void* arg) {
  auto* fl = static_cast<struct flock*>(arg);
  if (fl == nullptr) return fwd_fcntl(fd, cmd, arg);  // nothing to read: the kernel answers EFAULT
  const bool ofd = cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW || cmd == F_OFD_GETLK;
  const bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
  const LockRequest req = record_request(fd, ofd ? LockCallApi::kOfd : LockCallApi::kFcntl, *fl,
                                         cmd == F_SETLKW || cmd == F_OFD_SETLKW, get);
  const int try_cmd = nonblocking_fcntl_cmd(cmd);
  const int get_cmd = ofd ? F_OFD_GETLK : F_GETLK;
  const struct flock asked = *fl;
  return lock_call(
      req, [=] { return fwd_fcntl(fd, try_cmd, fl); }, [=](LockWait* w) { ask_holder(w, get_cmd, asked); });
}

}  // namespace detail

void set_lock_wait_hook(bool (*fn)(void* arg, const LockWait& wait), void* arg) {
  detail::g_lock_wait.store(nullptr);
  detail::g_lock_wait_arg.store(arg);
  detail::g_lock_wait.store(fn);
}

bool last_lock_hang(LockWait* out) {
  if (detail::g_tables == nullptr) return false;  // never activated
  detail::HookScope hook;
  detail::Locked t;
  if (t->hung && out != nullptr) *out = t->last_hang;
  return t->hung;
}

}  // namespace mapfuzz::faults

// --- The overrides (exported by interpose.dynlist).

namespace mf = mapfuzz::faults::detail;

extern "C" {

int flock(int fd, int op) noexcept {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_flock(fd, op);
  return mf::flock_call(fd, op);
}

int lockf(int fd, int cmd, off_t len) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_lockf(fd, cmd, len);
  return mf::lockf_call(fd, cmd, len);
}
int lockf64(int fd, int cmd, off_t len) { return lockf(fd, cmd, len); }

}  // extern "C"
