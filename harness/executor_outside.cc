// The executor's side of what happens to the file from outside the library:
// outside events (at operation boundaries and inside a library call) and the
// SIGBUS/SIGSEGV that may follow them.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "harness/abandoned_memory.h"
#include "harness/executor.h"
#include "harness/oracle.h"

namespace mapfuzz {
namespace {

// Whether `e` makes a file of `size` bytes longer (the ftruncate kinds are
// named for their usual direction, but any of them may go either way).
bool grows_file(const faults::OutsideEvent& e, uint64_t size) {
  using faults::OutsideKind;
  switch (e.kind) {
    case OutsideKind::kShrink:
    case OutsideKind::kRegrow:
    case OutsideKind::kExtend:
      return e.length > size;
    case OutsideKind::kPwrite:
      return e.length > 0 && e.offset + e.length > size;
    default:
      return false;
  }
}

const char* signal_code_name(const faults::FaultInfo& info) {
  if (info.signo == SIGBUS) {
    return info.code == BUS_ADRERR ? "BUS_ADRERR" : info.code == BUS_OBJERR ? "BUS_OBJERR" : "BUS_?";
  }
  return info.code == SEGV_MAPERR ? "SEGV_MAPERR" : info.code == SEGV_ACCERR ? "SEGV_ACCERR" : "SEGV_?";
}

}  // namespace

const char* Executor::outside_skip_reason(const Op& op) const {
  const faults::OutsideEvent& e = op.outside;
  if (faults::is_disk_condition(e.kind)) {
    if (op.after_mmap) return "disk conditions change at operation boundaries only";
    if (!options_.disk) return "no disk conditions in this run";
    if (e.kind == faults::OutsideKind::kDiskFull && !options_.disk->can_fill()) {
      return "no disk-full mode here (see the fault modes line)";
    }
    return nullptr;
  }
  if (!contract_.file_is_raw) return "outside events act on raw files only";
  if (!options_.outside) return "no outside process";
  if (e.offset + e.length > contract_.max_size) return "beyond the size limit";
  if (op.after_mmap && !options_.in_call_events) return "in-call events are off (MAPFUZZ_IN_CALL_EVENTS=0)";
  return nullptr;
}

Status Executor::apply_outside(const faults::OutsideEvent& event, uint32_t step) {
  if (faults::is_disk_condition(event.kind)) {
    const int err = options_.disk->apply(event, step);
    return err ? Status(err, "disk condition") : Status();
  }
  // Bytes the library wrote past the end of a shrunk file, in its last page,
  // may reappear when the file grows: read them before the event.
  const bool reveals = grows_file(event, model_.bytes().size()) && model_.tail_may_hold_writes() &&
                       model_.exists() && !model_.is_replaced();
  const uint64_t old_size = model_.bytes().size();
  const std::vector<uint8_t> tail = reveals ? oracle::read_eof_tail(path_) : std::vector<uint8_t>();
  const int err = options_.outside->apply(path_, event);
  if (err != 0) {
    // A pwrite or growth that failed part way (a full disk) left the file
    // changed: take it as it is.
    if (model_.exists() && oracle::read_back(path_, &scratch_)) {
      if (scratch_.size() > model_.path_bytes().size()) note_cause(event, step, false);  // it left holes
      model_.set_path_bytes(scratch_);
    }
    return Status(err, "outside event");
  }
  const uint64_t size_before = model_.bytes().size();
  model_.apply_outside(event);
  const bool any = std::any_of(tail.begin(), tail.end(), [](uint8_t b) { return b != 0; });
  if (any && oracle::read_back(path_, &scratch_)) {
    const bool own_data = event.kind == faults::OutsideKind::kPwrite;
    model_.reveal_tail(old_size, tail, scratch_, own_data ? event.offset : 0, own_data ? event.offset + event.length : 0);
  }
  if (event.kind != faults::OutsideKind::kPwrite || model_.bytes().size() > size_before) {
    note_cause(event, step, false);
  }
  return {};
}

void Executor::note_cause(const faults::OutsideEvent& event, uint32_t step, bool in_call) {
  using faults::OutsideKind;
  // A chmod changes no byte; the others remove data or leave holes (which
  // a full disk turns into SIGBUS at the first touch).
  if (event.kind == OutsideKind::kChmod) return;
  last_cut_ = "outside " + std::string(faults::outside_kind_name(event.kind)) + " (" + options_.outside->mode() +
              " mode) at step " + std::to_string(step) + (in_call ? ", fired right after the library's mmap" : "");
}

void Executor::fire_pending(void* self) {
  auto* ex = static_cast<Executor*>(self);
  ex->pending_armed_ = false;
  const int err = ex->options_.outside->apply(ex->path_, ex->pending_);
  ex->fired_in_call_ = std::string("outside ") + faults::outside_kind_name(ex->pending_.kind) + " after mmap" +
                       (err ? std::string(" failed: ") + errno_name(err) : "");
  ex->in_call_ok_ = err == 0;
  // A pwrite that failed part way (a full disk) may still have left holes.
  if (err == 0 || ex->pending_.kind == faults::OutsideKind::kPwrite) {
    ex->note_cause(ex->pending_, static_cast<uint32_t>(ex->trace_.size()), true);
  }
}

bool Executor::settle_in_call_event() {
  if (fired_in_call_.empty()) return false;
  fired_in_call_.clear();
  // The library's later calls in the same call (a rollback, a second
  // ftruncate) may undo or overlay the event in any order, and a failed
  // event (a full disk) may have done part of its work: the caller takes the
  // file as it then stands.
  if (in_call_ok_) model_.apply_outside(pending_);
  return true;
}

Finding Executor::abandon_after_signal(StepRecord record, const faults::FaultInfo& info) {
  // The library is in the middle of a call: never call it again, not even
  // its destructor; release what it held through the fault layer.
  abandoned_subjects_.push_back(std::move(subject_));
  (void)abandoned_memory::excuse_abandoned();
  faults::release_sandbox_resources();
  abandoned_ = true;
  struct stat st;
  const long long file_size = ::stat(path_.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
  const auto& calls = faults::call_log();
  const char* last_call = calls.empty() ? "none" : faults::call_name(calls.back().call);
  const std::string full = options_.disk ? options_.disk->full_cause() : "";
  const std::string conditions = options_.disk ? options_.disk->describe() : "";
  const std::string cause = last_cut_ + (!last_cut_.empty() && !conditions.empty() ? "; " : "") + conditions;
  char detail[512];
  std::snprintf(detail, sizeof detail,
                "%s (%s) at file offset %llu during %s (last library call: %s); file size then %lld, the library "
                "believed %llu; cause: %s",
                info.signo == SIGBUS ? "SIGBUS" : "SIGSEGV", signal_code_name(info),
                (unsigned long long)info.file_offset, op_kind_name(record.op.kind), last_call, file_size,
                (unsigned long long)model_.size(), cause.empty() ? "no outside cause" : cause.c_str());
  // Documented hazards: a truncation by another process, in a library that
  // does not claim to survive it; a full disk, in a library that does not
  // claim to allocate what it maps. Any other signal is a finding.
  const bool hazard = info.signo == SIGBUS && ((!last_cut_.empty() && !contract_.survives_outside_truncation) ||
                                               (!full.empty() && !contract_.allocates_on_growth));
  record.status = Status(EFAULT, info.signo == SIGBUS ? "SIGBUS" : "SIGSEGV");
  record.hazard = hazard;
  record.faults_fired += (record.faults_fired.empty() ? "" : ", ") + std::string(detail);
  trace_.push_back(std::move(record));
  if (observer_) observer_(trace_.back());
  if (hazard) {
    ++hazards_;
    return {};  // the documented hazard of a library that does not claim truncation safety
  }
  return Finding{FindingKind::kSignal, static_cast<int64_t>(trace_.size() - 1), detail};
}

}  // namespace mapfuzz
