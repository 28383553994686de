// The executor's side of what happens to the file from outside the library:
// outside events (at operation boundaries and inside a library call) and the
// SIGBUS/SIGSEGV that may follow them.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "harness/abandoned_memory.h"
#include "harness/executor.h"
#include "harness/explanations.h"
#include "faults/interpose.h"
#include "harness/file_view.h"

namespace mapfuzz {

const char* Executor::outside_skip_reason(const Op& op, bool* mode_unavailable) const {
  const faults::OutsideEvent& e = op.outside;
  // The reasons below that name a mode, not the program or the library.
  auto unavailable = [mode_unavailable](const char* why) {
    *mode_unavailable = true;
    return why;
  };
  if (faults::is_disk_condition(e.kind)) {
    if (op.after_mmap) return "disk conditions change at operation boundaries only";
    if (!options_.disk) return unavailable("no disk conditions in this run");
    if (e.kind == faults::OutsideKind::kDiskFull && !options_.disk->can_fill()) {
      return unavailable("no disk-full mode here (see the fault modes line)");
    }
    return nullptr;
  }
  if (faults::is_lock_event(e.kind)) {  // a lock changes no byte: any file format, any range
    return options_.outside ? nullptr : unavailable("no outside process");
  }
  if (!contract_.file_is_raw) return "outside events act on raw files only";
  if (!options_.outside) return unavailable("no outside process");
  if (e.offset + e.length > contract_.max_size) return "beyond the size limit";
  if (op.after_mmap && !options_.in_call_events) {
    return unavailable("in-call events are off (MAPFUZZ_IN_CALL_EVENTS=0)");
  }
  return nullptr;
}

Status Executor::apply_outside(const faults::OutsideEvent& event, uint32_t step) {
  if (faults::is_disk_condition(event.kind)) {
    const int err = options_.disk->apply(event, step).code();
    return err ? Status(err, "disk condition") : Status();
  }
  // The model follows the event after the call (Model::follow); here only
  // the run's last cut is noted: an event that removed data or left holes.
  if (faults::is_lock_event(event.kind)) {
    outside_locked_ = true;
    const int err = options_.outside->apply(path_, event, &locked_).code();
    return err ? Status(err, "outside event") : Status();
  }
  const uint64_t size_before = model_.file().size();
  const uint64_t path_size_before = model_.path_file().size();
  const int err = options_.outside->apply(path_, event).code();
  if (err != 0) {
    // A pwrite or growth that failed part way (a full disk) may have left holes.
    const uint64_t now = file_view::file_size(path_);
    if (model_.exists() && now != UINT64_MAX && now > path_size_before) note_cut(event, step, false);
    return Status(err, "outside event");
  }
  const bool grows_by_pwrite =
      model_.library_file_at_path() && event.length > 0 && event.offset + event.length > size_before;
  if (event.kind != faults::OutsideKind::kPwrite || grows_by_pwrite) note_cut(event, step, false);
  return {};
}

void Executor::note_cut(const faults::OutsideEvent& event, uint32_t step, bool in_call) {
  // A chmod changes no byte; the others remove data or leave holes (which
  // a full disk turns into SIGBUS at the first touch).
  if (event.kind == faults::OutsideKind::kChmod || faults::is_lock_event(event.kind)) return;
  last_cut_ = OutsideCut{event.kind, options_.outside->mode(), step, in_call};
}

void Executor::fire_pending(void* self) {
  auto* ex = static_cast<Executor*>(self);
  ex->pending_armed_ = false;
  if (faults::is_lock_event(ex->pending_.kind)) ex->outside_locked_ = true;
  const int err = ex->options_.outside->apply(ex->path_, ex->pending_, &ex->locked_).code();
  ex->in_call_ = InCall{.fired = true, .error = err};
  // A pwrite that failed part way (a full disk) may still have left holes.
  if (err == 0 || ex->pending_.kind == faults::OutsideKind::kPwrite) {
    ex->note_cut(ex->pending_, static_cast<uint32_t>(ex->trace_.size()), true);
  }
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
  const bool disk_full = options_.disk && options_.disk->full();
  const std::string conditions = options_.disk ? options_.disk->describe() : "";
  const std::string cut = last_cut_ ? last_cut_->describe() : "";
  const std::string cause = cut + (!cut.empty() && !conditions.empty() ? "; " : "") + conditions;
  char detail[512];
  std::snprintf(detail, sizeof detail,
                "%s (%s) at file offset %llu during %s (last library call: %s); file size then %lld, the library "
                "believed %llu; cause: %s",
                info.signo == SIGBUS ? "SIGBUS" : "SIGSEGV", explain::signal_code_name(info.signo, info.code),
                (unsigned long long)info.file_offset, op_kind_name(record.op.kind), last_call, file_size,
                (unsigned long long)model_.size(), cause.empty() ? "no outside cause" : cause.c_str());
  // Documented hazards: a truncation by another process, in a library that
  // does not claim to survive it; a full disk, in a library that does not
  // claim to allocate what it maps. Any other signal is a finding.
  const bool hazard = info.signo == SIGBUS && ((last_cut_ && !contract_.survives_outside_truncation) ||
                                               (disk_full && !contract_.allocates_on_growth));
  record.status = Status(EFAULT, info.signo == SIGBUS ? "SIGBUS" : "SIGSEGV");
  record.hazard = hazard;
  for (const faults::CallRecord& c : calls) {
    if (c.tag == record.index && c.injected) record.causes.add_injected(c.call, c.result_errno);
  }
  record.causes.set_signal(detail, info.signo, last_cut_, disk_full);
  trace_.push_back(std::move(record));
  if (observer_) observer_(trace_.back());
  if (hazard) {
    ++hazards_;
    return {};  // the documented hazard of a library that does not claim truncation safety
  }
  Finding finding{FindingKind::kSignal, static_cast<int64_t>(trace_.size() - 1), detail};
  finding.signo = info.signo;
  finding.signal_code = info.code;
  return finding;
}

}  // namespace mapfuzz
