// The executor's side of locks: a library waiting for a lock (the fault
// layer's lock-wait hook), the hang that ends a wait nothing can end, and
// contention seen in the library's own lock calls.
#include <cerrno>
#include <cstdio>
#include <thread>

#include "faults/interpose.h"
#include "harness/executor.h"

namespace mapfuzz {
namespace {

const char* call_api_name(faults::LockCallApi api) {
  switch (api) {
    case faults::LockCallApi::kFcntl: return "fcntl";
    case faults::LockCallApi::kOfd: return "OFD";
    case faults::LockCallApi::kFlock: return "flock";
    case faults::LockCallApi::kLockf: return "lockf";
  }
  return "?";
}

const char* call_mode_name(faults::LockCallMode mode) {
  return mode == faults::LockCallMode::kExclusive ? "exclusive" : "shared";
}

// "a blocking fcntl exclusive lock on bytes [0, 10) of /path"
std::string describe_wait(const faults::LockWait& w) {
  char range[96];
  if (w.api == faults::LockCallApi::kFlock) {
    std::snprintf(range, sizeof range, "the whole file");
  } else if (w.length == 0) {
    std::snprintf(range, sizeof range, "bytes from %llu on", (unsigned long long)w.offset);
  } else {
    std::snprintf(range, sizeof range, "bytes [%llu, %llu)", (unsigned long long)w.offset,
                  (unsigned long long)(w.offset + w.length));
  }
  return std::string("a blocking ") + call_api_name(w.api) + " " + call_mode_name(w.mode) + " lock on " + range +
         " of " + (w.path[0] ? w.path : "the file");
}

}  // namespace

const HeldLock* Executor::met_lock(faults::LockCallApi api, uint64_t offset, uint64_t length) const {
  const faults::LockApi family = api == faults::LockCallApi::kFlock ? faults::LockApi::kFlock
                                 : api == faults::LockCallApi::kOfd ? faults::LockApi::kOfd
                                                                    : faults::LockApi::kFcntl;
  const OutsideLocks& locks = model_.outside_locks();
  for (uint8_t f = 0; f < static_cast<uint8_t>(faults::EventFile::kCount); ++f) {  // the call names an fd, not a file
    if (const HeldLock* h = locks.conflicting(family, static_cast<faults::EventFile>(f), offset, length, true)) return h;
  }
  return locks.any() ? &locks.held().front() : nullptr;
}

bool Executor::on_lock_wait(void* self, const faults::LockWait& wait) {
  (void)wait;
  auto* ex = static_cast<Executor*>(self);
  // In a concurrent group the holder may be another of the library's own
  // threads, which lets go when its call ends: wait a little, then try
  // again, until the group's deadline.
  if (const int64_t deadline = ex->group_deadline_ns_.load(); deadline != 0) {
    if (now_ns() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    return true;
  }
  // A library that promised to report contention may not wait: the wait
  // stays a hang. Otherwise the other program lets go, as a real one would.
  if (ex->contract_.locks.promise == LockPromise::kErrors || !ex->outside_locked_) return false;
  if (!ex->options_.outside->release_locks().ok()) return false;
  ex->outside_locked_ = false;
  ex->in_call_.locks_released = true;
  return true;
}

void Executor::name_lock_causes(StepRecord& record, size_t first_call) const {
  if (in_call_.locks_released) record.causes.set_lock_waited();
  if (record.status.ok() || !calls_library(record.op.kind) || record.causes.has(Cause::kLockHeld)) return;
  if (!model_.outside_locks().any()) return;
  const auto& calls = faults::call_log();
  for (size_t i = first_call; i < calls.size(); ++i) {
    const faults::CallRecord& c = calls[i];
    const bool contention = c.call == faults::Call::kLock && !c.injected &&
                            (c.result_errno == EAGAIN || c.result_errno == EACCES);
    if (contention) {
      const HeldLock* met = met_lock(faults::lock_api(c.flags), c.file_offset, c.length);
      record.causes.set_lock_held(met->describe() + " (the library's own lock call met a lock)");
      return;
    }
  }
}

Finding Executor::check_hang(const StepRecord& record, size_t first_call) const {
  const auto& calls = faults::call_log();
  for (size_t i = first_call; i < calls.size(); ++i) {
    if (calls[i].call != faults::Call::kLock || !calls[i].hung) continue;
    faults::LockWait w{};
    (void)faults::last_lock_hang(&w);
    std::string holder = "the library itself (another fd or open file description of the same file)";
    if (const HeldLock* met = model_.outside_locks().any() ? met_lock(w.api, w.offset, w.length) : nullptr) {
      holder = "another process (" + met->describe() + ")";
      if (contract_.locks.promise == LockPromise::kErrors) holder += "; the contract says contention is an error";
    }
    char pid[64] = "";
    if (w.holder_known && w.holder_pid > 0) std::snprintf(pid, sizeof pid, ", holder pid %d", w.holder_pid);
    return Finding{FindingKind::kHang, static_cast<int64_t>(record.index),
                   op_kind_name(record.op.kind) + std::string(" would wait for ever: ") + describe_wait(w) +
                       " is held by " + holder + pid + " (the call got EDEADLK instead)"};
  }
  return {};
}

}  // namespace mapfuzz
