// Overrides of libc's file and mapping calls; see interpose.h.
//
// Layout: forward.h reaches the hidden definitions (ASan's interceptor or
// libc's), hook_state.h holds the sandbox state, fault matching and log,
// fd_hooks.h the slow paths of the fd and path calls, mapping_hooks.h those
// of the range calls; this file has the control functions and the
// overrides of the calls in fault_spec.h's Call list. The overrides that
// copy fds are in interpose_dup.cc, the vectored writes in
// interpose_writev.cc, the lock calls in interpose_lock.cc.
// Unarmed, an override is one load of g_active and the forward. Active,
// calls on sandbox files (a path check for open, a lock-free fd bitset for
// fd calls, the mapping table for range calls) are counted, matched against
// the armed faults and logged; everything else is forwarded untouched.
//
// Deliberate deviations from "fail without calling the real function":
//  - close: the real close still runs before the injected error is
//    returned, because Linux releases the fd even when close fails; a
//    library that rightly does not retry would otherwise leak it here.
//  - posix_fallocate returns the error number and leaves errno alone.
// A fault armed with err 0 fails with EIO; nth 0 counts as 1.
//
// Not seen: glibc's internal calls (fopen, fwrite, std::ofstream), glibc's
// __dup2/__fcntl aliases, fds closed by close_range/closefrom (they stay
// tracked), sandbox fds >= FdTracker::kMaxFd, and paths that reach the
// sandbox through a symlink outside it.
#undef _FILE_OFFSET_BITS  // must not redirect open to open64 etc.
#undef _FORTIFY_SOURCE    // must not define open/... as inline wrappers

#include "faults/interpose.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "faults/fd_hooks.h"
#include "faults/forward.h"
#include "faults/hook_state.h"
#include "faults/mapping_hooks.h"
#include "faults/raw_syscalls.h"

extern "C" {
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
}

namespace mapfuzz::faults {
namespace detail {

Tables& tables() {
  if (g_tables == nullptr) g_tables = new Tables;  // never freed: see hook_state.h
  return *g_tables;
}

}  // namespace detail

using namespace detail;

// --- Control.

void activate(const char* dir) {
  HookScope hook;
  g_active.store(false, std::memory_order_release);
  Tables& tb = tables();
  Locked t;
  g_sandbox.set(dir);
  g_fds.clear();
  g_fds_record_locking.clear();
  g_fds_flocking.clear();
  tb.maps.clear();
  tb.maps.reserve(kMapReserve);
  sync_ranges(t);
  tb.log.clear();
  tb.log.reserve(kLogReserve);
  tb.faults.clear();
  for (auto& c : tb.counts) c = 0;
  tb.capped_tag = tb.fired_in_tag = 0;
  tb.hung = false;
  g_tag.store(0, std::memory_order_relaxed);
  clear_injected_mark();
  const long page = sysconf(_SC_PAGESIZE);
  g_page = page > 0 ? static_cast<uint64_t>(page) : 4096;
  g_active.store(true, std::memory_order_release);
}

void deactivate() {
  HookScope hook;
  g_active.store(false, std::memory_order_release);
  g_after_mmap.store(nullptr);
  g_lock_wait.store(nullptr);
  tables();
  Locked t;
  g_sandbox.clear();
  g_fds.clear();
  g_fds_record_locking.clear();
  g_fds_flocking.clear();
  t->maps.clear();
  sync_ranges(t);
  t->faults.clear();
  clear_injected_mark();
}

bool active() { return g_active.load(std::memory_order_acquire); }

void set_tag(uint32_t tag) {
  g_tag.store(tag, std::memory_order_relaxed);
  clear_injected_mark();
}

void set_thread_tag(uint32_t tag) {
  t_tag = tag;
  clear_injected_mark();
}
void clear_thread_tag() { t_tag = -1; }
void set_switch_hook(void (*fn)(void*), void* arg) {
  g_switch.store(nullptr);
  g_switch_arg.store(arg);
  g_switch.store(fn);
}

void set_fault_cap(uint32_t per_tag) {
  HookScope hook;
  tables();
  Locked{}->fault_cap = per_tag;
}

void arm(const FaultSpec& fault) {
  HookScope hook;
  tables();
  Locked{}->faults.push_back({fault, 0});
}

void disarm_all() {
  HookScope hook;
  tables();
  Locked{}->faults.clear();
}

const std::vector<CallRecord>& call_log() { return tables().log; }

void clear_log() {
  HookScope hook;
  tables();
  Locked t;
  t->log.clear();
  t->hung = false;
}

uint64_t call_count(Call call) {
  const auto i = static_cast<size_t>(call);
  if (i >= static_cast<size_t>(Call::kCount)) return 0;
  HookScope hook;
  tables();
  return Locked{}->counts[i];
}

size_t open_sandbox_fds() { return g_fds.size(); }

bool sandbox_fd_on(FileId id) {
  bool found = false;
  g_fds.for_each([&](int fd) {
    struct stat st;
    if (!found && sys::fstat(fd, &st) == 0) found = FileId{st.st_dev, st.st_ino} == id;
  });
  return found;
}

size_t live_sandbox_mappings() {
  HookScope hook;
  tables();
  return Locked{}->maps.live();
}

int real_open(const char* path, int flags, int mode) { return fwd_open(path, flags, static_cast<mode_t>(mode)); }
int real_close(int fd) { return fwd_close(fd); }

bool add_scope_pattern(const char* glob) { return g_sandbox.add_pattern(glob); }
void clear_scope_patterns() { g_sandbox.clear_patterns(); }

void set_call_observer(void (*fn)(void*, const CallRecord&, uint64_t), void* arg) {
  g_observer_arg.store(arg, std::memory_order_relaxed);
  g_observer.store(fn, std::memory_order_release);
}

void call_after_next_mmap(void (*fn)(void*), void* arg) {
  detail::g_after_mmap_arg = arg;
  detail::g_after_mmap.store(fn);
}

void clear_after_mmap() { detail::g_after_mmap.store(nullptr); }

void release_sandbox_resources() {
  HookScope hook;
  Locked t;
  t->maps.for_each([](uint64_t addr, uint64_t len) { fwd_munmap(reinterpret_cast<void*>(addr), len); });
  t->maps.clear();
  g_ranges.store(0, std::memory_order_relaxed);
  g_fds.for_each([](int fd) { fwd_close(fd); });
  g_fds.clear();
  g_fds_record_locking.clear();
  g_fds_flocking.clear();
}

// Not t_in_hook: the overrides must still run their tracking paths.
Bypass::Bypass() : entered_(!detail::t_bypass) {
  detail::t_bypass = true;
  clear_injected_mark();  // nothing fails by a fault under it
}
Bypass::~Bypass() {
  if (entered_) detail::t_bypass = false;
}
long real_pread(int fd, void* buf, size_t count, int64_t offset) { return ::pread(fd, buf, count, offset); }
int real_ftruncate(int fd, int64_t length) { return fwd_ftruncate(fd, length); }

}  // namespace mapfuzz::faults

// --- The overrides (exported by interpose.dynlist).

namespace mf = mapfuzz::faults::detail;
using mapfuzz::faults::Call;
using mapfuzz::faults::CallRecord;

#define MAPFUZZ_OPEN_MODE(flags)                                   \
  mode_t mode = 0;                                                 \
  if (__OPEN_NEEDS_MODE(flags)) {                                  \
    va_list ap;                                                    \
    va_start(ap, flags);                                           \
    mode = static_cast<mode_t>(va_arg(ap, int));                   \
    va_end(ap);                                                    \
  }

extern "C" {

int open(const char* path, int flags, ...) {
  MAPFUZZ_OPEN_MODE(flags);
  if (!mf::is_active()) [[likely]] return mf::fwd_open(path, flags, mode);
  return mf::open_call(AT_FDCWD, path, flags, [=] { return mf::fwd_open(path, flags, mode); });
}
int open64(const char* path, int flags, ...) {
  MAPFUZZ_OPEN_MODE(flags);
  return open(path, flags, mode);
}
int openat(int dirfd, const char* path, int flags, ...) {
  MAPFUZZ_OPEN_MODE(flags);
  if (!mf::is_active()) [[likely]] return mf::fwd_openat(dirfd, path, flags, mode);
  return mf::open_call(dirfd, path, flags, [=] { return mf::fwd_openat(dirfd, path, flags, mode); });
}
int openat64(int dirfd, const char* path, int flags, ...) {
  MAPFUZZ_OPEN_MODE(flags);
  return openat(dirfd, path, flags, mode);
}
int __open_2(const char* path, int flags) {
  if (!mf::is_active()) [[likely]] return mf::fwd_open_2(path, flags);
  return mf::open_call(AT_FDCWD, path, flags, [=] { return mf::fwd_open_2(path, flags); });
}
int __open64_2(const char* path, int flags) { return __open_2(path, flags); }
int creat(const char* path, mode_t mode) {
  if (!mf::is_active()) [[likely]] return mf::fwd_creat(path, mode);
  return mf::open_call(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, [=] { return mf::fwd_creat(path, mode); });
}
int creat64(const char* path, mode_t mode) { return creat(path, mode); }

int close(int fd) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_close(fd);
  return mf::close_call(fd);
}

int ftruncate(int fd, off_t length) noexcept {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_ftruncate(fd, length);
  const int r = mf::fd_call(Call::kFtruncate, fd, length, 0, [=] { return mf::fwd_ftruncate(fd, length); });
  mf::pause_after_call();
  return r;
}
int ftruncate64(int fd, off_t length) noexcept { return ftruncate(fd, length); }

int truncate(const char* path, off_t length) noexcept {
  if (!mf::is_active()) [[likely]] return mf::fwd_truncate(path, length);
  return mf::truncate_call(path, length);
}
int truncate64(const char* path, off_t length) noexcept { return truncate(path, length); }

int fallocate(int fd, int mode, off_t offset, off_t len) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_fallocate(fd, mode, offset, len);
  const int r = mf::fd_call(Call::kFallocate, fd, len, offset, [=] { return mf::fwd_fallocate(fd, mode, offset, len); });
  mf::pause_after_call();
  return r;
}
int fallocate64(int fd, int mode, off_t offset, off_t len) { return fallocate(fd, mode, offset, len); }

int posix_fallocate(int fd, off_t offset, off_t len) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_posix_fallocate(fd, offset, len);
  const int r = mf::posix_fallocate_call(fd, offset, len);
  mf::pause_after_call();
  return r;
}
int posix_fallocate64(int fd, off_t offset, off_t len) { return posix_fallocate(fd, offset, len); }

void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) noexcept {
  if (!mf::is_active()) [[likely]] return mf::fwd_mmap(addr, len, prot, flags, fd, off);
  void* r = mf::mmap_call(addr, len, prot, flags, fd, off);
  if (fd >= 0 && mf::tracked_fd(fd)) mf::pause_after_call();
  return r;
}
void* mmap64(void* addr, size_t len, int prot, int flags, int fd, off_t off) noexcept {
  return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void* addr, size_t len) noexcept {
  if (!mf::ranges_tracked()) [[likely]] return mf::fwd_munmap(addr, len);
  const int r = mf::munmap_call(addr, len);
  mf::pause_after_call();
  return r;
}

void* mremap(void* old, size_t old_len, size_t new_len, int flags, ...) noexcept {
  void* to = nullptr;
  if ((flags & MREMAP_FIXED) != 0) {
    va_list ap;
    va_start(ap, flags);
    to = va_arg(ap, void*);
    va_end(ap);
  }
  if (!mf::ranges_tracked()) [[likely]] return mf::fwd_mremap(old, old_len, new_len, flags, to);
  void* r = mf::mremap_call(old, old_len, new_len, flags, to);
  mf::pause_after_call();
  return r;
}

int msync(void* addr, size_t len, int flags) {
  if (!mf::ranges_tracked()) [[likely]] return mf::fwd_msync(addr, len, flags);
  return mf::range_call(Call::kMsync, addr, len, flags, [=] { return mf::fwd_msync(addr, len, flags); });
}

int madvise(void* addr, size_t len, int advice) noexcept {
  if (!mf::ranges_tracked()) [[likely]] return mf::fwd_madvise(addr, len, advice);
  return mf::range_call(Call::kMadvise, addr, len, 0, [=] { return mf::fwd_madvise(addr, len, advice); });
}

int fsync(int fd) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_fsync(fd);
  return mf::fd_call(Call::kFsync, fd, 0, 0, [=] { return mf::fwd_fsync(fd); });
}
int fdatasync(int fd) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_fdatasync(fd);
  return mf::fd_call(Call::kFsync, fd, 0, 0, [=] { return mf::fwd_fdatasync(fd); });
}

ssize_t write(int fd, const void* buf, size_t count) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_write(fd, buf, count);
  return mf::fd_call(Call::kWrite, fd, count, mf::kAtPosition, [=] { return mf::fwd_write(fd, buf, count); });
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  if (!mf::tracked_fd(fd)) [[likely]] return mf::fwd_pwrite(fd, buf, count, offset);
  return mf::fd_call(Call::kWrite, fd, count, offset, [=] { return mf::fwd_pwrite(fd, buf, count, offset); });
}
ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) { return pwrite(fd, buf, count, offset); }

}  // extern "C"
