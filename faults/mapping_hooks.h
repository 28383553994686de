// The slow paths of the mapping overrides, for interpose.cc only: mmap of a
// sandbox fd records a mapping; munmap, mremap, msync and madvise are
// sandbox calls iff their range overlaps a recorded mapping. munmap and
// MAP_FIXED split or drop recorded ranges, mremap moves them. mmap, munmap
// and mremap hold the lock across the real call so the table never
// disagrees with the address space; msync and madvise do not (msync may
// wait for the disk).
#pragma once

#include <errno.h>
#include <sys/mman.h>

#include <cstdint>

#include "faults/forward.h"
#include "faults/hook_state.h"

namespace mapfuzz::faults::detail {

inline void* mmap_locked(void* addr, size_t len, int prot, int flags, int fd, off_t off, bool sandbox,
                         bool fixed) {
  CallRecord rec = record(Call::kMmap, fd);
  rec.length = len;
  rec.file_offset = static_cast<uint64_t>(off);
  rec.flags = prot;
  Locked t;
  if (sandbox) {
    if (const int err = take_fault(t, rec)) {
      errno = err;
      return MAP_FAILED;
    }
  }
  void* r = fwd_mmap(addr, len, prot, flags, fd, off);
  const int saved = errno;
  if (r != MAP_FAILED) {
    if (fixed) t->maps.remove_range(addr_of(r), page_up(len));
    if (sandbox) t->maps.add(addr_of(r), page_up(len), fd, rec.file_offset);
    sync_ranges(t);
  }
  if (sandbox) {
    rec.addr = r == MAP_FAILED ? 0 : addr_of(r);
    rec.result_errno = r == MAP_FAILED ? saved : 0;
    append_log(t, rec);
  }
  errno = saved;
  return r;
}

[[gnu::noinline]] inline void* mmap_call(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  const bool sandbox = (flags & MAP_ANONYMOUS) == 0 && g_fds.contains(fd);
  const bool fixed = (flags & MAP_FIXED) != 0;
  if (!sandbox && !(fixed && g_ranges.load(std::memory_order_relaxed) != 0)) {
    return fwd_mmap(addr, len, prot, flags, fd, off);
  }
  HookScope hook;
  if (!hook) return fwd_mmap(addr, len, prot, flags, fd, off);
  void* r = mmap_locked(addr, len, prot, flags, fd, off, sandbox, fixed);
  if (sandbox && r != MAP_FAILED && !t_bypass) {
    // The one-shot "right after the library's mmap returns" hook, outside
    // the lock; its own calls pass through untouched (HookScope). It waits
    // for the program's mmap: a bypassed one is the oracle's.
    AfterMmapHook fn = g_after_mmap.exchange(nullptr);
    if (fn) {
      const int saved = errno;
      fn(g_after_mmap_arg);
      errno = saved;
    }
  }
  return r;
}

inline bool ranges_tracked() { return is_active() && g_ranges.load(std::memory_order_relaxed) != 0; }

[[gnu::noinline]] inline int munmap_call(void* addr, size_t len) {
  HookScope hook;
  if (!hook) return fwd_munmap(addr, len);
  const uint64_t a = addr_of(addr);
  Locked t;
  const TrackedMapping* m = t->maps.find_overlap(a, page_up(len));
  if (m == nullptr) return fwd_munmap(addr, len);
  CallRecord rec = record(Call::kMunmap, -1);
  rec.addr = a;
  rec.mapped_fd = m->fd;
  rec.length = len;
  rec.file_offset = m->offset_of(a);
  if (const int err = take_fault(t, rec)) {
    errno = err;
    return -1;
  }
  const int r = fwd_munmap(addr, len);
  const int saved = errno;
  if (r == 0) {
    t->maps.remove_range(a, page_up(len));
    sync_ranges(t);
  }
  rec.result_errno = r == 0 ? 0 : saved;
  append_log(t, rec);
  errno = saved;
  return r;
}

[[gnu::noinline]] inline void* mremap_call(void* old, size_t old_len, size_t new_len, int flags, void* to) {
  HookScope hook;
  if (!hook) return fwd_mremap(old, old_len, new_len, flags, to);
  const uint64_t a = addr_of(old);
  Locked t;
  const TrackedMapping* m = t->maps.find_overlap(a, old_len == 0 ? 1 : page_up(old_len));
  if (m == nullptr) {
    void* r = fwd_mremap(old, old_len, new_len, flags, to);
    if (r != MAP_FAILED && (flags & MREMAP_FIXED) != 0) {
      t->maps.remove_range(addr_of(r), page_up(new_len));
      sync_ranges(t);
    }
    return r;
  }
  CallRecord rec = record(Call::kMremap, -1);
  rec.addr = a;
  rec.mapped_fd = m->fd;
  rec.length = new_len;
  rec.file_offset = m->offset_of(a);
  if (const int err = take_fault(t, rec)) {
    errno = err;
    return MAP_FAILED;
  }
  void* r = fwd_mremap(old, old_len, new_len, flags, to);
  const int saved = errno;
  if (r != MAP_FAILED) {
    t->maps.move_range(a, page_up(old_len), addr_of(r), page_up(new_len));
    sync_ranges(t);
  }
  rec.result_errno = r == MAP_FAILED ? saved : 0;
  append_log(t, rec);
  errno = saved;
  return r;
}

// msync and madvise: sandbox iff the range overlaps a tracked mapping; the
// real call runs outside the lock (msync may wait for the disk).
template <typename Real>
[[gnu::noinline]] int range_call(Call call, void* addr, size_t len, int flags, Real real) {
  HookScope hook;
  if (!hook || t_bypass) return real();  // nothing to track
  const uint64_t a = addr_of(addr);
  CallRecord rec = record(call, -1);
  {
    Locked t;
    const TrackedMapping* m = t->maps.find_overlap(a, page_up(len));
    if (m == nullptr) return real();  // forwarding under the lock: rare, short
    rec.addr = a;
    rec.mapped_fd = m->fd;
    rec.length = len;
    rec.file_offset = m->offset_of(a);
    rec.flags = flags;
    if (const int err = take_fault(t, rec)) {
      errno = err;
      return -1;
    }
  }
  const int r = real();
  const int saved = errno;
  log_result(rec, r != 0, saved);
  errno = saved;
  return r;
}

}  // namespace mapfuzz::faults::detail
