// The interposer's shared state, for the interpose*.cc files only: whether
// a sandbox is active, the tracked fds and mappings, the armed faults, the
// call log and counters, and the lock around them. Everything is trivially
// destructible or heap-allocated once and never freed, because interposed
// calls may run during static destruction (atexit handlers, other threads).
#pragma once

#include <errno.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "faults/fault_spec.h"
#include "faults/fd_tracker.h"
#include "faults/injection_mark.h"
#include "faults/interpose.h"
#include "faults/mapping_table.h"
#include "faults/sandbox_path.h"
#include "faults/tsan_hidden.h"

namespace mapfuzz::faults::detail {

class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) sched_yield();
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

struct ArmedFault {
  FaultSpec spec;
  uint32_t seen;  // matching calls since arming
};

struct Tables {  // guarded by g_lock
  std::vector<CallRecord> log;
  std::vector<ArmedFault> faults;
  MappingTable maps;
  uint64_t counts[static_cast<size_t>(Call::kCount)] = {};
  uint32_t fault_cap = 0;     // injected failures allowed per tag; 0: no cap
  uint32_t capped_tag = 0;    // the tag fired_in_tag counts for
  uint32_t fired_in_tag = 0;  // injected failures among the calls tagged capped_tag
  bool hung = false;          // a lock call hung since activate() or clear_log()
  LockWait last_hang{};       // the latest one, if hung
};

inline constexpr size_t kLogReserve = 1 << 14;
inline constexpr size_t kMapReserve = 256;

inline constinit std::atomic<bool> g_active{false};
inline constinit std::atomic<uint32_t> g_tag{0};
using SwitchHook = void (*)(void*);
inline constinit std::atomic<SwitchHook> g_switch{nullptr};  // set_switch_hook()
inline constinit std::atomic<void*> g_switch_arg{nullptr};
// set_thread_tag(): this thread's tag, or -1 for g_tag.
inline constinit thread_local int64_t t_tag = -1;
inline constinit std::atomic<size_t> g_ranges{0};  // g_tables->maps.ranges(), read without the lock
inline constinit SpinLock g_lock;
inline constinit FdTracker g_fds;
// Sandbox fds through which the process took a record lock (fcntl, OFD,
// lockf) or a flock lock it has not let go of entirely: a further request
// of that family through one converts, extends or splits a held lock
// (SQLite's downgrade after a commit) and is never faulted.
inline constinit FdTracker g_fds_record_locking;
inline constinit FdTracker g_fds_flocking;
inline constinit SandboxPath g_sandbox;
inline constinit Tables* g_tables = nullptr;
inline constinit uint64_t g_page = 4096;
using AfterMmapHook = void (*)(void*);
inline constinit std::atomic<AfterMmapHook> g_after_mmap{nullptr};
inline constinit void* g_after_mmap_arg = nullptr;
using CallObserver = void (*)(void*, const CallRecord&, uint64_t);
inline constinit std::atomic<CallObserver> g_observer{nullptr};  // set_call_observer()
inline constinit std::atomic<void*> g_observer_arg{nullptr};
using LockWaitHook = bool (*)(void*, const LockWait&);
inline constinit std::atomic<LockWaitHook> g_lock_wait{nullptr};
inline constinit std::atomic<void*> g_lock_wait_arg{nullptr};

// Set while this thread is inside an override's active path or a control
// call: nested interposed calls (the allocator growing the log, a signal
// handler, ASan) then forward untouched instead of deadlocking on g_lock.
inline thread_local bool t_in_hook = false;

// Set while a faults::Bypass lives on this thread: its calls are the
// oracle's, not the program's, so they are not faulted, counted or logged.
// They are still tracked: an fd or mapping they leave open is a leak, and
// one they close must not stay tracked (its number gets reused).
inline thread_local bool t_bypass = false;

class HookScope {
 public:
  HookScope() : entered_(!t_in_hook) { t_in_hook = true; }
  ~HookScope() {
    if (entered_) t_in_hook = false;
  }
  explicit operator bool() const { return entered_; }

 private:
  bool entered_;
};

class Locked {
 public:
  Locked() { g_lock.lock(); }
  ~Locked() { g_lock.unlock(); }
  Tables* operator->() const { return g_tables; }

 private:
  HiddenFromTsan hidden_;  // before the lock, after the unlock (tsan_hidden.h)
};

// set_switch_hook(): after a call that changes the file's size or mappings.
inline void pause_after_call() {
  if (const SwitchHook fn = g_switch.load(std::memory_order_acquire)) [[unlikely]] {
    if (!t_in_hook && !t_bypass) {
      const int saved = errno;
      fn(g_switch_arg.load(std::memory_order_relaxed));
      errno = saved;
    }
  }
}

inline bool is_active() { return g_active.load(std::memory_order_acquire); }  // one mov on x86

// `fd` is being closed: it is no longer a sandbox fd, and holds no lock.
// Call before the real close (the number may be reused at once).
inline void forget_fd(int fd) {
  g_fds.erase(fd);
  g_fds_record_locking.erase(fd);
  g_fds_flocking.erase(fd);
}
inline bool tracked_fd(int fd) { return is_active() && g_fds.contains(fd); }
inline uint64_t page_up(uint64_t n) { return (n + g_page - 1) & ~(g_page - 1); }
inline uint64_t addr_of(const void* p) { return reinterpret_cast<uint64_t>(p); }
inline void sync_ranges(const Locked& t) { g_ranges.store(t->maps.ranges(), std::memory_order_relaxed); }

inline CallRecord record(Call call, int fd) {
  CallRecord r{};
  r.call = call;
  r.fd = fd;
  r.mapped_fd = -1;
  r.tag = t_tag >= 0 ? static_cast<uint32_t>(t_tag) : g_tag.load(std::memory_order_relaxed);
  return r;
}

// Hands rec to the call observer (set_call_observer) if one is set, else
// appends it to the call log.
inline void publish(const Locked& t, const CallRecord& rec) {
  if (const CallObserver fn = g_observer.load(std::memory_order_acquire)) {
    fn(g_observer_arg.load(std::memory_order_relaxed), rec, t->counts[static_cast<size_t>(rec.call)]);
    return;
  }
  t->log.push_back(rec);
  t->log.back().path = nullptr;
}

// Appends rec, the real result of a sandbox call, to the call log, unless
// bypassed. A real failure clears this thread's injection mark: the errno
// a Status is built from now is not an injected one.
inline void append_log(const Locked& t, const CallRecord& rec) {
  if (t_bypass) return;
  if (rec.result_errno != 0) clear_injected_mark();
  publish(t, rec);
}

// Counts a sandbox call of rec.call; if an armed fault fires, logs rec as
// injected, marks this thread's injection mark (injection_mark.h) and
// returns the errno to fail with (0: none fires, or bypassed). Once the
// fault cap (set_fault_cap) is reached among the calls tagged rec.tag, no
// fault fires: the call is counted against the armed faults and passes.
// `accepts(err)`: whether this call can fail with `err` at all (a fault
// with another errno neither counts this call nor fires on it).
template <typename Accepts>
int take_fault(const Locked& t, CallRecord& rec, Accepts accepts) {
  if (t_bypass) return 0;
  ++t->counts[static_cast<size_t>(rec.call)];
  if (rec.tag != t->capped_tag) {
    t->capped_tag = rec.tag;
    t->fired_in_tag = 0;
  }
  const bool capped = t->fault_cap != 0 && t->fired_in_tag >= t->fault_cap;
  int err = 0;
  for (ArmedFault& f : t->faults) {
    if (f.spec.call != rec.call || !accepts(f.spec.err)) continue;
    ++f.seen;
    const uint32_t nth = f.spec.nth == 0 ? 1 : f.spec.nth;
    if (err == 0 && !capped && (f.seen == nth || (f.spec.persistent && f.seen > nth))) {
      err = f.spec.err != 0 ? f.spec.err : EIO;
    }
  }
  if (err != 0) {
    ++t->fired_in_tag;
    rec.result_errno = err;
    rec.injected = true;
    publish(t, rec);
    mark_injected(err);
  }
  return err;
}

inline int take_fault(const Locked& t, CallRecord& rec) {
  return take_fault(t, rec, [](int) { return true; });
}
inline int take_fault(CallRecord& rec) { return take_fault(Locked{}, rec); }

inline void log_result(CallRecord& rec, bool failed, int err) {
  if (t_bypass) return;
  rec.result_errno = failed ? err : 0;
  append_log(Locked{}, rec);
}

}  // namespace mapfuzz::faults::detail
