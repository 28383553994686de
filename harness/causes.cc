#include "harness/causes.h"

#include <signal.h>

#include "harness/status.h"

namespace mapfuzz {

const char* signal_token(int signo) {
  switch (signo) {
    case SIGBUS: return "SIGBUS";
    case SIGSEGV: return "SIGSEGV";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    default: return "signal";
  }
}

std::string OutsideCut::describe() const {
  return "outside " + std::string(faults::outside_kind_name(kind)) + " (" + mode + " mode) at step " +
         std::to_string(step) + (in_call ? ", fired right after the library's mmap" : "");
}

void Causes::add_injected(faults::Call call, int error) {
  injected_.push_back({call, error});
  call_failed_ = true;
  present_ |= bit(Cause::kInjected);
}

void Causes::set_in_call(faults::OutsideKind kind, int error) {
  in_call_kind_ = kind;
  in_call_error_ = error;
  present_ |= bit(Cause::kInCallEvent);
}

void Causes::set_disk(std::string description, bool full, bool limited) {
  disk_ = std::move(description);
  disk_full_ = full;
  disk_limited_ = limited;
  present_ |= bit(Cause::kDiskCondition);
}

void Causes::set_changed_under(std::optional<OutsideCut> cut) {
  cut_ = cut;
  present_ |= bit(Cause::kChangedUnder);
}

void Causes::set_lock_held(std::string lock) {
  lock_ = std::move(lock);
  present_ |= bit(Cause::kLockHeld);
}

void Causes::set_sandbox_full(uint64_t free_bytes) {
  free_bytes_ = free_bytes;
  present_ |= bit(Cause::kSandboxFull);
}

void Causes::set_signal(std::string detail, int signo, std::optional<OutsideCut> cut, bool disk_full) {
  signal_ = std::move(detail);
  signo_ = signo;
  signal_cut_ = cut;
  signal_disk_full_ = disk_full;
  present_ |= bit(Cause::kSignal);
}

std::string Causes::describe() const {
  std::string out;
  auto add = [&out](const std::string& what) { out += (out.empty() ? "" : ", ") + what; };
  for (const InjectedCall& i : injected_) add(std::string(faults::call_name(i.call)) + "→" + errno_name(i.error));
  if (has(Cause::kInCallEvent)) {
    add(std::string("outside ") + faults::outside_kind_name(in_call_kind_) + " after mmap" +
        (in_call_error_ ? std::string(" failed: ") + errno_name(in_call_error_) : ""));
  }
  if (has(Cause::kDiskCondition)) add(disk_);
  if (has(Cause::kChangedUnder)) {
    add("the file had changed under the library" + (cut_ ? " (" + cut_->describe() + ")" : std::string()));
  }
  if (has(Cause::kSandboxFull)) {
    add("the sandbox filesystem is nearly full (" + std::to_string(free_bytes_) + " bytes free)");
  }
  if (has(Cause::kLockHeld)) add("another process held " + lock_);
  if (has(Cause::kLockWaited)) add("the library waited for a lock; the other process let go of its locks");
  if (has(Cause::kSignal)) add(signal_);
  return out;
}

std::vector<std::string> Causes::tokens() const {
  std::vector<std::string> out;
  for (const InjectedCall& i : injected_) out.push_back(std::string("fault:") + faults::call_name(i.call));
  if (has(Cause::kInCallEvent)) out.push_back(std::string("outside:") + faults::outside_kind_name(in_call_kind_));
  if (has(Cause::kDiskCondition) && disk_full_) out.push_back("disk:full");
  if (has(Cause::kDiskCondition) && disk_limited_) out.push_back("disk:limit");
  if (has(Cause::kChangedUnder)) {
    out.push_back("changed-under" + (cut_ ? std::string(":") + faults::outside_kind_name(cut_->kind) : ""));
  }
  if (has(Cause::kSandboxFull)) out.push_back("sandbox-full");
  if (has(Cause::kLockHeld)) out.push_back("lock-held");
  if (has(Cause::kLockWaited)) out.push_back("lock-waited");
  if (has(Cause::kSignal)) {
    out.push_back(signal_token(signo_));
    if (signal_cut_) out.push_back(std::string("cut:") + faults::outside_kind_name(signal_cut_->kind));
    if (signal_disk_full_) out.push_back("disk:full");
  }
  return out;
}

}  // namespace mapfuzz
