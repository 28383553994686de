#include "harness/executor.h"

#include <unistd.h>

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "faults/interpose.h"
#include "faults/privileges.h"
#include "faults/signal_guard.h"
#include "harness/oracle.h"

namespace mapfuzz {
namespace {

// Names of the injected faults that fired among calls[first..].
std::string fired_faults(const std::vector<faults::CallRecord>& calls, size_t first) {
  std::string out;
  for (size_t i = first; i < calls.size(); ++i) {
    if (!calls[i].injected) continue;
    if (!out.empty()) out += ", ";
    out += faults::call_name(calls[i].call);
    out += "→";
    out += errno_name(calls[i].result_errno);
  }
  return out;
}

bool modifies_file(OpKind kind) {
  return kind == OpKind::kOpen || kind == OpKind::kReopen || kind == OpKind::kResize ||
         kind == OpKind::kWrite || kind == OpKind::kClose || kind == OpKind::kSync;
}

}  // namespace

Executor::Executor(const Target& target, std::string sandbox_dir, RunOptions options)
    : target_(target),
      contract_(target.contract),
      sandbox_dir_(std::move(sandbox_dir)),
      path_(sandbox_dir_ + "/file"),
      options_(options) {
  if (contract_.max_size == 0 || contract_.max_size > options_.max_file_size) {
    contract_.max_size = options_.max_file_size;
  }
}

Executor::~Executor() {
  if (running_) end();
  // Never run their destructors; keep them reachable so leak checkers stay quiet.
  static auto* graveyard = new std::vector<Subject*>;
  for (auto& s : abandoned_subjects_) graveyard->push_back(s.release());
}

void Executor::begin() {
  if (running_) end();
  ::unlink(path_.c_str());
  model_.reset();
  trace_.clear();
  abandoned_ = pending_armed_ = false;
  last_cut_.clear();
  stuck_mappings_ = 0;
  faults::activate(sandbox_dir_.c_str());
  subject_ = target_.make();
  running_ = true;
}

Finding Executor::step(const Op& op) {
  StepRecord record;
  record.index = static_cast<uint32_t>(trace_.size());
  record.op = op;
  record.model_size_before = model_.size();
  record.expected = model_.expect(op, contract_);

  if (!model_.applicable(op)) {
    record.skipped = "not applicable in this state";
  } else if (record.expected.size_after > contract_.max_size) {
    record.skipped = "beyond the size limit";
  } else if (op.kind == OpKind::kOutside && (!contract_.file_is_raw || !options_.outside)) {
    record.skipped = contract_.file_is_raw ? "no outside process" : "outside events act on raw files only";
  } else if (op.kind == OpKind::kOutside && op.outside.offset + op.outside.length > contract_.max_size) {
    record.skipped = "beyond the size limit";
  } else if (op.kind == OpKind::kFault && op.fault.persistent &&
             (op.fault.err == EINTR || op.fault.err == EAGAIN)) {
    // Retrying these is right; a persistent one would loop a correct library forever.
    record.skipped = "a persistent EINTR/EAGAIN never ends a correct retry loop";
  } else if (op.kind == OpKind::kOutside && op.after_mmap && !options_.in_call_events) {
    record.skipped = "in-call events are off (MAPFUZZ_IN_CALL_EVENTS=1 turns them on)";
  }
  if (record.skipped) {
    trace_.push_back(record);
    if (observer_) observer_(trace_.back());
    return {};
  }

  faults::set_tag(record.index);
  const size_t first_call = faults::call_log().size();
  Subject& s = *subject_;
  const bool hook_armed = pending_armed_;
  const bool stale_before = model_.view_stale() || hook_armed;
  const Model before = hook_armed ? model_ : Model();
  auto call_library = [&] {
  switch (op.kind) {
    case OpKind::kOpen:
      record.status = s.open(path_, op.create, op.size);
      break;
    case OpKind::kReopen:
      if (model_.is_open()) {
        record.status = s.close();
        if (!record.status.ok()) break;
        model_.apply_close();
      }
      record.status = s.open(path_, false, 0);
      break;
    case OpKind::kResize:
      record.status = s.resize(op.size);
      break;
    case OpKind::kWrite: {
      io_buffer_.resize(op.length);
      fill_pattern(op.seed, op.offset, io_buffer_.data(), op.length);
      record.status = s.write(op.offset, io_buffer_);
      break;
    }
    case OpKind::kRead:
      io_buffer_.assign(op.length, 0);
      record.status = s.read(op.offset, io_buffer_, &record.read_got);
      break;
    case OpKind::kSync:
      record.status = s.sync(op.offset, op.length);
      break;
    case OpKind::kClose:
      record.status = s.close();
      break;
    case OpKind::kFault:
      faults::arm(op.fault);
      break;
    case OpKind::kOutside:
      if (op.after_mmap) {
        pending_ = op.outside;
        pending_armed_ = true;
        faults::call_after_next_mmap(&Executor::fire_pending, this);
      } else {
        record.status = apply_outside(op.outside, record.index);
      }
      break;
    case OpKind::kCount:
      break;
  }
  };
  // Opening a file whose write permission another process removed must
  // fail even for root: drop the permission override around the call.
  std::optional<faults::DroppedPrivileges> unprivileged;
  if ((op.kind == OpKind::kOpen || op.kind == OpKind::kReopen) && model_.exists() && !(model_.mode() & 0200) &&
      faults::overrides_permissions()) {
    unprivileged.emplace();
  }
  fired_in_call_.clear();
  faults::FaultInfo signal;
  bool survived = true;
  if (faults::SignalGuard::installed()) {
    survived = faults::SignalGuard::run(call_library, &signal);
  } else {
    call_library();
  }
  if (!survived) return abandon_after_signal(std::move(record), signal);
  unprivileged.reset();
  record.size_after = s.size();
  const auto& calls = faults::call_log();
  record.faults_fired = fired_faults(calls, first_call);
  if (!fired_in_call_.empty()) record.faults_fired += (record.faults_fired.empty() ? "" : ", ") + fired_in_call_;
  for (size_t i = first_call; i < calls.size(); ++i) {
    if (calls[i].injected && calls[i].call == faults::Call::kMunmap) ++stuck_mappings_;
  }
  const bool fault_fired = !record.faults_fired.empty();

  Finding finding = oracle::check_step(record, model_, {io_buffer_.data(), record.read_got}, fault_fired);
  if (!finding && contract_.has_sync) {
    finding = oracle::check_sync_backed(record, model_.dirty_pages(), calls, first_call);
  }

  // Bring the model along.
  if (!finding) {
    if (record.status.ok() && !record.expected.must_fail) {
      model_.apply_success(op, contract_);
    } else if (op.kind == OpKind::kOpen || op.kind == OpKind::kReopen) {
      model_.apply_failed_open();
    } else if (op.kind == OpKind::kClose) {
      model_.apply_close();
    }
  }
  // An outside event fired inside the call: the file is the model with the
  // event before or after the call's own effect, whichever the library's
  // order of calls gave.
  if (!fired_in_call_.empty() && !finding) finding = settle_in_call_event(op, record, before);
  // While another process's change is unknown to the library (its size
  // differs from the file's), what the library's resize/sync/close does to
  // bytes outside its view is its own business: take the file as it is.
  if (!finding && stale_before && model_.exists() && !model_.is_replaced() && modifies_file(op.kind) &&
      oracle::read_back(path_, &scratch_)) {
    model_.set_file_bytes(scratch_);
  }
  // Error paths must release everything and leave the file as it was.
  if (!finding && !record.status.ok() && op.kind == OpKind::kOpen && op.create) {
    const bool exists = load_contents();
    finding = oracle::check_failed_create(op, record.index, model_, exists, scratch_);
    if (!finding) model_.adopt_file(exists, scratch_);
  } else if (!finding && !stale_before && !record.status.ok() && modifies_file(op.kind)) {
    finding = verify_contents(FindingKind::kNotAtomic, record.index);
  }
  // A success despite an injected fault must be a real one.
  if (!finding && !stale_before && record.status.ok() && fault_fired && modifies_file(op.kind)) {
    finding = verify_contents(FindingKind::kSwallowedError, record.index);
    if (finding) finding.detail += " after " + record.faults_fired + " was reported as success";
  }
  if (!finding && !model_.is_open() && (op.kind != OpKind::kFault)) {
    finding = oracle::check_leaks(record.index, record.status.ok() ? "after close" : "after a failed call",
                                  stuck_mappings_);
  }
  trace_.push_back(std::move(record));
  if (observer_) observer_(trace_.back());
  return finding;
}

Finding Executor::finish() {
  if (abandoned_) {  // after a documented hazard nothing of the library can be checked
    end();
    return {};
  }
  Finding finding;
  if (model_.is_open()) finding = step(Op{.kind = OpKind::kClose});
  if (!finding) {
    faults::set_tag(static_cast<uint32_t>(trace_.size()));
    faults::disarm_all();
    subject_.reset();
    finding = oracle::check_leaks(-1, "after the library was destroyed", stuck_mappings_);
  }
  if (!finding) finding = verify_contents(FindingKind::kFileMismatch, -1);
  end();
  return finding;
}

bool Executor::load_contents() {
  if (contract_.file_is_raw) return oracle::read_back(path_, &scratch_);
  // A format of the library's own: read through it, unseen by the fault layer.
  faults::Bypass bypass;
  if (model_.is_open() && subject_) return read_all(*subject_);
  std::unique_ptr<Subject> fresh = target_.make();
  if (!fresh->open(path_, false, 0).ok()) {
    scratch_.clear();
    return false;
  }
  const bool ok = read_all(*fresh);
  (void)fresh->close();
  return ok;
}

bool Executor::read_all(Subject& subject) {
  scratch_.resize(subject.size());
  uint64_t got = 0;
  if (!scratch_.empty() && !subject.read(0, scratch_, &got).ok()) got = 0;
  scratch_.resize(got);
  return true;
}

Finding Executor::verify_contents(FindingKind kind, int64_t step) {
  const bool exists = load_contents();
  return oracle::check_contents(exists, scratch_, model_, kind, step);
}

void Executor::end() {
  faults::clear_after_mmap();
  pending_armed_ = false;
  faults::disarm_all();
  subject_.reset();
  faults::deactivate();
  ::unlink(path_.c_str());
  running_ = false;
}

Finding Executor::run(const Program& program) {
  begin();
  for (const Op& op : program.ops) {
    if (Finding f = step(op)) {
      end();
      return f;
    }
    if (abandoned_) break;
  }
  return finish();
}

Status Executor::apply_outside(const faults::OutsideEvent& event, uint32_t step) {
  const int err = options_.outside->apply(path_, event);
  if (err != 0) return Status(err, "outside event");
  model_.apply_outside(event);
  note_cause(event, step, false);
  return {};
}

void Executor::note_cause(const faults::OutsideEvent& event, uint32_t step, bool in_call) {
  using faults::OutsideKind;
  if (event.kind == OutsideKind::kChmod || event.kind == OutsideKind::kPwrite) return;
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
  if (err == 0) ex->note_cause(ex->pending_, static_cast<uint32_t>(ex->trace_.size()), true);
}

Finding Executor::settle_in_call_event(const Op& op, const StepRecord& record, const Model& before) {
  if (!in_call_ok_) return {};
  // After: the call's effect, then the event. Before: the event, then the call.
  Model after_call = model_;
  after_call.apply_outside(pending_);
  Model event_first = before;
  event_first.apply_outside(pending_);
  if (record.status.ok() && !record.expected.must_fail) {
    if (op.kind == OpKind::kReopen && event_first.is_open()) event_first.apply_close();
    event_first.apply_success(op, contract_);
  }
  const bool exists = oracle::read_back(path_, &scratch_);
  for (Model* m : {&after_call, &event_first}) {
    if (!oracle::check_contents(exists, scratch_, *m, FindingKind::kFileMismatch, record.index)) {
      model_ = std::move(*m);
      return {};
    }
  }
  return oracle::check_contents(exists, scratch_, after_call, FindingKind::kFileMismatch, record.index);
}

Finding Executor::abandon_after_signal(StepRecord record, const faults::FaultInfo& info) {
  // The library is in the middle of a call: never call it again, not even
  // its destructor; release what it held through the fault layer.
  abandoned_subjects_.push_back(std::move(subject_));
  faults::release_sandbox_resources();
  abandoned_ = true;
  struct stat st;
  const long long file_size = ::stat(path_.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
  const auto& calls = faults::call_log();
  const char* last_call = calls.empty() ? "none" : faults::call_name(calls.back().call);
  const char* code = info.signo == SIGBUS ? (info.code == BUS_ADRERR ? "BUS_ADRERR" : info.code == BUS_OBJERR ? "BUS_OBJERR" : "BUS_?")
                                          : (info.code == SEGV_MAPERR ? "SEGV_MAPERR" : info.code == SEGV_ACCERR ? "SEGV_ACCERR" : "SEGV_?");
  char detail[512];
  std::snprintf(detail, sizeof detail,
                "%s (%s) at file offset %llu during %s (last library call: %s); file size then %lld, the library "
                "believed %llu; cause: %s",
                info.signo == SIGBUS ? "SIGBUS" : "SIGSEGV", code, (unsigned long long)info.file_offset,
                op_kind_name(record.op.kind), last_call, file_size, (unsigned long long)model_.size(),
                last_cut_.empty() ? "no outside cause" : last_cut_.c_str());
  const bool hazard = info.signo == SIGBUS && !last_cut_.empty() && !contract_.survives_outside_truncation;
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
