#include "harness/executor.h"

#include <unistd.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "faults/interpose.h"
#include "faults/privileges.h"
#include "faults/signal_guard.h"
#include "harness/abandoned_memory.h"
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
  if (options_.disk) {
    options_.disk->reset();
    options_.disk->ensure_room();
  }
  stuck_mappings_ = 0;
  faults::activate(sandbox_dir_.c_str());
  subject_ = target_.make();
  running_ = true;
}

const char* Executor::skip_reason(const Op& op, const Expectation& expected) const {
  if (abandoned_) return "the library was abandoned after a signal";
  if (!model_.applicable(op)) return "not applicable in this state";
  if (expected.size_after > contract_.max_size) return "beyond the size limit";
  if (op.kind == OpKind::kOutside) return outside_skip_reason(op);
  if (op.kind == OpKind::kFault && !faults::ends_retries(op.fault)) {
    return "a persistent EINTR/EAGAIN never ends a correct retry loop";
  }
  return nullptr;
}

void Executor::call_library(const Op& op, StepRecord& record) {
  Subject& s = *subject_;
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
    case OpKind::kWrite:
      io_buffer_.resize(op.length);
      fill_pattern(op.seed, op.offset, io_buffer_.data(), op.length);
      record.status = s.write(op.offset, io_buffer_);
      break;
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
}

bool Executor::call_guarded(const Op& op, StepRecord& record, faults::FaultInfo* signal) {
  // Opening a file whose write permission another process removed must
  // fail even for root: drop the permission override around the call.
  std::optional<faults::DroppedPrivileges> unprivileged;
  if ((op.kind == OpKind::kOpen || op.kind == OpKind::kReopen) && model_.exists() && !(model_.mode() & 0200) &&
      faults::overrides_permissions()) {
    unprivileged.emplace();
  }
  fired_in_call_.clear();
  if (!faults::SignalGuard::installed()) {
    call_library(op, record);
    return true;
  }
  struct Call {
    Executor* self;
    const Op* op;
    StepRecord* record;
  } call{this, &op, &record};
  abandoned_memory::begin_call();
  const bool survived = faults::SignalGuard::run(
      [](void* arg) {
        auto* c = static_cast<Call*>(arg);
        c->self->call_library(*c->op, *c->record);
      },
      &call, signal);
  if (survived) abandoned_memory::end_call();
  return survived;
}

void Executor::name_causes(const Op& op, StepRecord& record, size_t first_call, bool stale_before) {
  const auto& calls = faults::call_log();
  std::string& fired = record.faults_fired;
  auto add = [&fired](const std::string& what) { fired += (fired.empty() ? "" : ", ") + what; };
  fired = fired_faults(calls, first_call);
  if (!fired_in_call_.empty()) add(fired_in_call_);
  for (size_t i = first_call; i < calls.size(); ++i) {
    if (calls[i].injected && calls[i].call == faults::Call::kMunmap) ++stuck_mappings_;
  }
  // A full disk or a size limit fails calls for real: like an injected
  // fault, the library must report it and leave the file intact.
  if (options_.disk && options_.disk->active() && op.kind != OpKind::kFault && op.kind != OpKind::kOutside) {
    add(options_.disk->describe());
  }
  // A library may rightly refuse to act on a file that changed under it (its
  // view is stale, or an event hit the middle of the call): an error then is
  // excused like an injected fault's.
  if (!record.status.ok() && fired.empty() && (stale_before || !fired_in_call_.empty())) {
    fired = "the file had changed under the library" + (last_cut_.empty() ? "" : " (" + last_cut_ + ")");
  }
  // A disk really full for another reason (mappings whose munmap the
  // program failed keep their pages) is a real condition too.
  if (record.status.code() == ENOSPC && fired.empty()) {
    struct statvfs st;
    if (::statvfs(sandbox_dir_.c_str(), &st) == 0 && st.f_bavail * st.f_frsize < 2 * contract_.max_size) {
      fired = "the sandbox filesystem is nearly full (" + std::to_string(st.f_bavail * st.f_frsize) + " bytes free)";
    }
  }
}

Finding Executor::step(const Op& op) {
  StepRecord record;
  record.index = static_cast<uint32_t>(trace_.size());
  record.op = op;
  record.model_size_before = model_.size();
  record.expected = model_.expect(op, contract_);
  record.skipped = skip_reason(op, record.expected);
  if (record.skipped) {
    trace_.push_back(record);
    if (observer_) observer_(trace_.back());
    return {};
  }

  // Bytes the library wrote past the end of a shrunk file, in its last
  // page, may reappear if this call grows the file: read them first.
  const bool may_reveal = model_.tail_may_hold_writes() && model_.exists() && !model_.is_replaced() &&
                          (op.kind == OpKind::kResize || op.kind == OpKind::kWrite);
  const uint64_t file_size_before = model_.bytes().size();
  const std::vector<uint8_t> tail = may_reveal ? oracle::read_eof_tail(path_) : std::vector<uint8_t>();
  const bool stale_before = model_.view_stale();

  faults::set_tag(record.index);
  const size_t first_call = faults::call_log().size();
  faults::FaultInfo signal;
  if (!call_guarded(op, record, &signal)) return abandon_after_signal(std::move(record), signal);
  record.size_after = subject_->size();
  name_causes(op, record, first_call, stale_before);
  const bool fault_fired = !record.faults_fired.empty();
  // An event inside the call may come before the library's own look at the
  // file (a second mapping sized with fstat): then the library rightly sees
  // the file's new size.
  const bool sized_after_event = in_call_ok_ && !fired_in_call_.empty() && record.status.ok() &&
                                 record.size_after != record.expected.size_after &&
                                 record.size_after == oracle::file_size(path_);
  if (sized_after_event) record.expected.size_after = record.size_after;

  Finding finding = oracle::check_step(record, model_, {io_buffer_.data(), record.read_got}, fault_fired);
  if (!finding && contract_.has_sync) {
    finding = oracle::check_sync_backed(record, model_.dirty_pages(), faults::call_log(), first_call);
  }

  // Bring the model along.
  if (!finding) {
    if (record.status.ok() && !record.expected.must_fail) {
      model_.apply_success(op, contract_);
      if (sized_after_event) model_.set_library_size(record.size_after);
    } else if (op.kind == OpKind::kOpen || op.kind == OpKind::kReopen) {
      model_.apply_failed_open();
    } else if (op.kind == OpKind::kClose) {
      model_.apply_close();
    }
  }
  if (!finding && !tail.empty() && model_.bytes().size() > file_size_before && oracle::read_back(path_, &scratch_)) {
    model_.reveal_tail(file_size_before, tail, scratch_, 0, 0);
  }
  if (!finding && model_.tail_may_hold_writes() && (!model_.exists() || model_.is_replaced()) &&
      model_.bytes().size() > file_size_before && file_size_before % kPageSize != 0) {
    const uint64_t page_end = (file_size_before / kPageSize + 1) * kPageSize;
    model_.mark_unknown(file_size_before, std::min<uint64_t>(page_end, model_.bytes().size()));
  }
  const bool in_call_event = settle_in_call_event();
  // While another process's change is unknown to the library (its size
  // differs from the file's), or happened in the middle of the call, what
  // the library does to bytes outside its view (a rollback, a regrow) is its
  // own business: take the file as it is.
  const bool unsettled = stale_before || in_call_event;
  if (unsettled) model_.note_tail_writes();
  if (!finding && unsettled && model_.exists() && !model_.is_replaced() &&
      (modifies_file(op.kind) || in_call_event) && oracle::read_back(path_, &scratch_)) {
    model_.set_file_bytes(scratch_);
  } else if (!finding && unsettled && (!model_.exists() || model_.is_replaced()) && modifies_file(op.kind) &&
             record.model_size_before < file_size_before) {
    // The same, for a file no longer reachable by path: what lies beyond the
    // library's view (another process's growth, which a rollback may cut)
    // cannot be read back, so it is unknown.
    model_.mark_unknown(record.model_size_before, std::max<uint64_t>(file_size_before, model_.bytes().size()));
  }
  if (!finding) finding = check_error_paths(op, record, unsettled, fault_fired);
  trace_.push_back(std::move(record));
  if (observer_) observer_(trace_.back());
  return finding;
}

Finding Executor::check_error_paths(const Op& op, const StepRecord& record, bool unsettled, bool fault_fired) {
  Finding finding;
  // Error paths must release everything and leave the file as it was.
  if (!record.status.ok() && op.kind == OpKind::kOpen && op.create) {
    const bool exists = load_contents();
    finding = oracle::check_failed_create(op, record.index, model_, exists, scratch_);
    if (!finding) model_.adopt_file(exists, scratch_);
  } else if (!unsettled && !record.status.ok() && modifies_file(op.kind)) {
    finding = verify_contents(FindingKind::kNotAtomic, record.index);
  }
  // A success despite an injected fault must be a real one.
  if (!finding && !unsettled && record.status.ok() && fault_fired && modifies_file(op.kind)) {
    finding = verify_contents(FindingKind::kSwallowedError, record.index);
    if (finding) finding.detail += " after " + record.faults_fired + " was reported as success";
  }
  if (!finding && !model_.is_open() && op.kind != OpKind::kFault) {
    finding = oracle::check_leaks(record.index, record.status.ok() ? "after close" : "after a failed call",
                                  stuck_mappings_);
  }
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
  // A format of the library's own: read through it, unseen by the fault
  // layer, on a healthy disk.
  faults::Bypass bypass;
  DiskConditions::Healthy healthy(options_.disk);
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
  if (options_.disk) options_.disk->reset();
  faults::clear_after_mmap();
  pending_armed_ = false;
  faults::disarm_all();
  subject_.reset();
  // What the library could not release because faults failed its munmap or
  // close (excused, or already reported): drop it now, or the unlinked
  // files' pages would fill the sandbox's disk run after run.
  faults::release_sandbox_resources();
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

}  // namespace mapfuzz
