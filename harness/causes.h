// Why a step's outcome may rightly differ from the model's prediction, as
// typed values: injected calls, an outside event inside the call, a disk
// condition, a file changed under the library, a really full sandbox, a
// lock another process held, and the signal that ended a call. Reports print describe(); the oracle asks
// excuses_failure(); the hazard verdict reads has().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faults/fault_spec.h"
#include "faults/outside_event.h"

namespace mapfuzz {

enum class Cause : uint8_t {
  kInjected,       // the fault layer failed one or more of the library's calls
  kInCallEvent,    // another process acted on the file inside the call (after the library's mmap)
  kDiskCondition,  // the disk was full or a file size limit held during the call
  kChangedUnder,   // the call failed on a file another process had changed under the library
  kSandboxFull,    // the call got ENOSPC on a sandbox that really was nearly full
  kSignal,         // SIGBUS/SIGSEGV ended the call
  kLockHeld,       // another process held a lock the library's lock met (contention)
  kLockWaited,     // the library waited for another process's lock, which it let go (told, excuses nothing)
  kCount
};

// "SIGBUS", "SIGSEGV", "SIGFPE", "SIGILL", "SIGABRT"; "signal" for others
// (signature tokens).
const char* signal_token(int signo);

// The last outside event of a run that removed file data or left holes:
// the documented cause of a later SIGBUS.
struct OutsideCut {
  faults::OutsideKind kind = faults::OutsideKind::kShrink;
  const char* mode = "";  // "process" or "in-process"
  uint32_t step = 0;      // the program step that armed or ran the event
  bool in_call = false;   // it fired right after the library's mmap
  // "outside shrink (process mode) at step 2[, fired right after the library's mmap]"
  std::string describe() const;
};

class Causes {
 public:
  // True iff cause `c` was recorded.
  bool has(Cause c) const { return (present_ >> static_cast<unsigned>(c)) & 1u; }
  // True iff a cause recorded so far lets a library call fail (and makes a
  // wrong success a swallowed error): any cause but kSignal and kLockWaited.
  bool excuses_failure() const { return (present_ & ~(bit(Cause::kSignal) | bit(Cause::kLockWaited))) != 0; }
  // True iff a file or mapping call of the library failed inside the step
  // (an injected fault, or a real failure under a disk condition or an
  // outside event): without one, no error can have been swallowed.
  bool call_failed() const { return call_failed_; }
  // True iff anything at all was recorded (reports print an events line).
  bool any() const { return present_ != 0; }

  // The fault layer failed `call` with `error`.
  void add_injected(faults::Call call, int error);
  // A call of the library failed for real inside the step (the executor
  // reads the fault layer's log; injected failures count by themselves).
  void note_failed_call() { call_failed_ = true; }
  // The in-call event `kind` ran (`error` 0) or failed with `error`.
  void set_in_call(faults::OutsideKind kind, int error);
  // A disk condition held: `description` as DiskConditions::describe();
  // `full`: the disk was full, `limited`: a file size limit held.
  void set_disk(std::string description, bool full, bool limited);
  // The failed call acted on a file changed under the library; `cut` is
  // the run's last outside cut, if any.
  void set_changed_under(std::optional<OutsideCut> cut);
  // Another process held `lock` (HeldLock::describe()) that the library's
  // own lock conflicts with: a failure is contention.
  void set_lock_held(std::string lock);
  // The library waited for a lock; the other process let go of its locks.
  void set_lock_waited() { present_ |= bit(Cause::kLockWaited); }
  // The sandbox had `free_bytes` left when the call got ENOSPC.
  void set_sandbox_full(uint64_t free_bytes);
  // A signal ended the call: `detail` names signal, offset, sizes and cause;
  // `signo` is the signal, `cut` the run's last outside cut and `disk_full`
  // whether the program had filled the disk (the causes a SIGBUS may have).
  void set_signal(std::string detail, int signo, std::optional<OutsideCut> cut = std::nullopt,
                  bool disk_full = false);

  // One call the fault layer failed, and its errno.
  struct InjectedCall {
    faults::Call call;
    int error;
  };
  // The injected failures recorded, in the order they fired.
  const std::vector<InjectedCall>& injected() const { return injected_; }

  // Everything recorded, in a fixed order, joined by ", " ("" if nothing):
  // "ftruncate→ENOSPC, outside shrink after mmap, disk full since step 1 ...".
  std::string describe() const;

  // The same causes as signature tokens, free of sizes, offsets, errno
  // values and step numbers (harness/signature.h): "fault:ftruncate",
  // "outside:shrink" (an event inside the call), "disk:full", "disk:limit",
  // "changed-under[:shrink]", "sandbox-full", "SIGBUS", "cut:shrink" (the
  // outside cut before a signal). Unsorted, may repeat.
  std::vector<std::string> tokens() const;

 private:
  static constexpr uint32_t bit(Cause c) { return 1u << static_cast<unsigned>(c); }
  uint32_t present_ = 0;
  bool call_failed_ = false;
  std::vector<InjectedCall> injected_;
  faults::OutsideKind in_call_kind_ = faults::OutsideKind::kShrink;
  int in_call_error_ = 0;
  std::string disk_;
  bool disk_full_ = false;
  bool disk_limited_ = false;
  std::optional<OutsideCut> cut_;
  uint64_t free_bytes_ = 0;
  std::string lock_;
  std::string signal_;
  int signo_ = 0;
  std::optional<OutsideCut> signal_cut_;
  bool signal_disk_full_ = false;
};

}  // namespace mapfuzz
