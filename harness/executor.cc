#include "harness/executor.h"

#include <errno.h>
#include <unistd.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <span>

#include "faults/interpose.h"
#include "faults/privileges.h"
#include "faults/signal_guard.h"
#include "harness/abandoned_memory.h"
#include "harness/debug_hook.h"
#include "harness/file_view.h"
#include "harness/oracle.h"

namespace mapfuzz {

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
  if (file_left_) ::unlink(path_.c_str());  // end() removed it otherwise
  file_left_ = true;
  model_.reset();
  trace_.clear();
  abandoned_ = pending_armed_ = false;
  in_call_ = {};
  last_cut_.reset();
  if (options_.disk) {
    options_.disk->reset();
    options_.disk->ensure_room();
  }
  stuck_mappings_ = 0;
  faults::activate(sandbox_dir_.c_str());
  faults::set_fault_cap(options_.max_faults_per_op);
  faults::set_lock_wait_hook(&Executor::on_lock_wait, this);
  // Asked once per run, not per call: two sigaction syscalls each time. A
  // library that replaces the handler during a run is caught at the next.
  guarded_ = faults::SignalGuard::installed();
  subject_ = target_.make();
  running_ = true;
}

StepRecord Executor::prepare(const Op& op) const {
  StepRecord record;
  record.index = static_cast<uint32_t>(trace_.size());
  record.op = op;
  record.model_size_before = model_.size();
  record.expected = model_.expect(op, contract_);
  record.skipped = skip_reason(op, record.expected, &record.mode_unavailable);
  return record;
}

const StepRecord* Executor::first_unavailable_step() const {
  for (const StepRecord& s : trace_) {
    if (s.mode_unavailable) return &s;
  }
  return nullptr;
}

const char* Executor::skip_reason(const Op& op, const Expectation& expected, bool* mode_unavailable) const {
  if (abandoned_) return "the library was abandoned after a signal";
  if (!model_.applicable(op)) return "not applicable in this state";
  if (expected.size_after > contract_.max_size) return "beyond the size limit";
  if (op.kind == OpKind::kOutside) return outside_skip_reason(op, mode_unavailable);
  if (op.kind == OpKind::kFault && !faults::ends_retries(op.fault)) {
    return "a persistent EINTR/EAGAIN never ends a correct retry loop";
  }
  return nullptr;
}

void Executor::call_library(const Op& op, StepRecord& record) {
  Subject& s = *subject_;
  if (transcript_) s.set_transcript(transcript_);
  call_subject(op, record);
  if (transcript_) s.set_transcript(nullptr);
}

void Executor::call_subject(const Op& op, StepRecord& record) {
  Subject& s = *subject_;
  std::vector<uint8_t>& buffer = io_buffers_[op.thread % kMaxThreads];
  switch (op.kind) {
    case OpKind::kOpen:
      record.status = s.open(path_, op.create, op.size);
      break;
    case OpKind::kReopen:
      if (model_.is_open()) {
        record.status = s.close();
        if (!record.status.ok()) break;
      }
      record.status = s.open(path_, false, 0);
      break;
    case OpKind::kResize:
      record.status = s.resize(op.size);
      break;
    case OpKind::kWrite:
      buffer.resize(op.length);
      fill_pattern(op.seed, op.offset, buffer.data(), op.length);
      record.status = s.write(op.offset, buffer);
      break;
    case OpKind::kRead:
      buffer.assign(op.length, 0);
      record.status = s.read(op.offset, buffer, &record.read_got);
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
  in_call_ = {};
  locked_ = {};
  // A program's file size limit holds during the call and only then.
  DiskConditions::LibraryCall size_limit(options_.disk);
  if (!guarded_) {
    call_library(op, record);
    return true;
  }
  abandoned_memory::begin_call();
  const bool survived = guarded_call(op, record, signal);
  if (survived) abandoned_memory::end_call();
  return survived;
}

bool Executor::guarded_call(const Op& op, StepRecord& record, faults::FaultInfo* signal) {
  if (!guarded_) {
    call_library(op, record);
    return true;
  }
  struct Call {
    Executor* self;
    const Op* op;
    StepRecord* record;
  } call{this, &op, &record};
  return faults::SignalGuard::run(
      [](void* arg) {
        auto* c = static_cast<Call*>(arg);
        c->self->call_library(*c->op, *c->record);
      },
      &call, signal);
}

void Executor::name_causes(const Op& op, StepRecord& record, size_t first_call, bool stale_before) {
  const auto& calls = faults::call_log();
  Causes& causes = record.causes;
  for (size_t i = first_call; i < calls.size(); ++i) {
    if (calls[i].tag != record.index) continue;  // another thread's step (a concurrent group)
    if (calls[i].result_errno != 0) causes.note_failed_call();
    if (!calls[i].injected) continue;
    causes.add_injected(calls[i].call, calls[i].result_errno);
    if (calls[i].call == faults::Call::kMunmap) ++stuck_mappings_;
  }
  if (in_call_.fired) causes.set_in_call(pending_.kind, in_call_.error);
  // A full disk or a size limit fails calls for real: like an injected
  // fault, the library must report it and leave the file intact.
  if (options_.disk && options_.disk->active() && calls_library(op.kind)) {
    causes.set_disk(options_.disk->describe(), options_.disk->full(), options_.disk->limited());
  }
  // A library may rightly refuse to act on a file that changed under it:
  // an error then is excused like an injected fault's.
  if (!record.status.ok() && !causes.excuses_failure() && stale_before) causes.set_changed_under(last_cut_);
  // Contention: the library's lock met one another process holds.
  if (!record.status.ok() && calls_library(op.kind)) {
    if (const HeldLock* held = contended_lock()) causes.set_lock_held(held->describe());
  }
  // A disk really full for another reason (mappings whose munmap the
  // program failed keep their pages) is a real condition too.
  if (record.status.code() == ENOSPC && !causes.excuses_failure()) {
    struct statvfs st;
    if (::statvfs(sandbox_dir_.c_str(), &st) == 0 && st.f_bavail * st.f_frsize < 2 * contract_.max_size) {
      causes.set_sandbox_full(st.f_bavail * st.f_frsize);
    }
  }
}

const HeldLock* Executor::contended_lock() const {
  const LockScope& scope = contract_.locks;
  if (scope.promise == LockPromise::kNone) return nullptr;
  return model_.outside_locks().conflicting(scope.api, scope.file, scope.offset, scope.length, true);
}

void Executor::accept_size_after_event(StepRecord& record) const {
  if (in_call_.fired && in_call_.error == 0 && record.status.ok() && record.size_after != record.expected.size_after &&
      record.size_after == file_view::file_size(path_)) {
    record.expected.size_after = record.size_after;
  }
}

Outcome Executor::outcome_of(const StepRecord& record, std::span<const uint8_t> read, bool stale_before) const {
  return Outcome{.ok = record.status.ok() && !record.expected.must_fail,
                 .size_after = record.size_after,
                 .read = read,
                 .unsettled = stale_before || (in_call_.fired && !faults::is_lock_event(pending_.kind)),
                 .in_call = in_call_.fired ? &pending_ : nullptr,
                 .in_call_ok = in_call_.fired && in_call_.error == 0,
                 .locks_released = in_call_.locks_released,
                 .locked = locked_};
}

namespace {

// A swallowed error's failed call, from the fault layer's log of the step
// (the calls from `first_call` on): the last one that failed.
void name_failed_call(Finding* finding, size_t first_call) {
  const auto& calls = faults::call_log();
  for (size_t c = calls.size(); c > first_call; --c) {
    if (calls[c - 1].result_errno == 0) continue;
    finding->call = faults::call_name(calls[c - 1].call);
    finding->error = calls[c - 1].result_errno;
    return;
  }
}

}  // namespace

Finding Executor::step(const Op& op) {
  StepRecord record = prepare(op);
  if (debugger_text_) debug_text_ = debugger_text(trace_, record);
  mapfuzz_before_library_call(record.index, debugger_text_ ? debug_text_.c_str() : nullptr);
  if (record.skipped) return record_step(std::move(record), {});
  const bool stale_before = model_.view_stale();
  faults::set_tag(record.index);
  const size_t first_call = faults::call_log().size();
  faults::FaultInfo signal;
  last_thread_ = op.thread % kMaxThreads;
  if (!call_on_thread(op, record, &signal)) return abandon_after_signal(std::move(record), signal);
  mapfuzz_after_library_call(record.index);
  record.size_after = subject_->size();
  name_causes(op, record, first_call, stale_before);
  name_lock_causes(record, first_call);
  accept_size_after_event(record);
  const std::span<const uint8_t> read{io_buffers_[last_thread_].data(), record.read_got};
  Finding finding = check_hang(record, first_call);
  if (!finding) finding = oracle::check_step(record, model_, read);
  if (!finding && contract_.has_sync) {
    finding = oracle::check_sync_backed(record, model_.dirty_pages(), faults::call_log(), first_call);
  }
  if (!finding) {
    finding = oracle::check_lock_honoured(record, model_, contract_, in_call_.locks_released,
                                          [](const HeldLock& h) { return faults::sandbox_fd_on(h.id); });
  }
  if (!finding) {
    model_.follow(op, outcome_of(record, read, stale_before), contract_);
    finding = check_file(op, record);
  }
  // The failed call a swallowed error, or a lock the library went on without, hid.
  const bool names_call = finding.kind == FindingKind::kSwallowedError || finding.kind == FindingKind::kLockIgnored;
  if (names_call && !finding.error) name_failed_call(&finding, first_call);
  return record_step(std::move(record), std::move(finding));
}

FindingKind Executor::file_check_kind(const Op& op, const StepRecord& record) const {
  // Error paths must leave the file as it was (or as the model allows).
  if (!record.status.ok() && modifies_file(op.kind)) return FindingKind::kNotAtomic;
  // A success despite a failed call (injected, or real under a disk
  // condition or an outside event) must be a real one.
  if (record.status.ok() && record.causes.excuses_failure() && record.causes.call_failed() &&
      modifies_file(op.kind)) {
    return FindingKind::kSwallowedError;
  }
  return FindingKind::kNone;
}

Finding Executor::check_file(const Op& op, const StepRecord& record) {
  const FindingKind kind = file_check_kind(op, record);
  const bool learn = contract_.file_is_raw && !model_.path_file().fully_known();
  Finding finding;
  const Observed seen = kind != FindingKind::kNone || learn ? load_contents() : Observed::kUnavailable;
  if (seen != Observed::kUnavailable) {  // unavailable: nothing to check or learn now
    const bool exists = seen == Observed::kFile;
    const bool failed_create = kind == FindingKind::kNotAtomic && op.kind == OpKind::kOpen && op.create;
    if (failed_create) {
      finding = oracle::check_failed_create(op, record.index, model_.path_file(), exists, scratch_);
    } else if (kind != FindingKind::kNone) {
      finding = oracle::check_contents(exists, scratch_, model_.path_file(), kind, record.index);
    }
    if (kind == FindingKind::kSwallowedError && finding) {
      finding.detail += " after " + record.causes.describe() + " was reported as success";
    }
    if (!finding) model_.learn_file(exists, scratch_);
  }
  if (!finding && !model_.is_open() && op.kind != OpKind::kFault) {
    finding = check_leaks(record.index, record.status.ok() ? "after close" : "after a failed call");
  }
  return finding;
}

Finding Executor::record_step(StepRecord record, Finding finding) {
  trace_.push_back(std::move(record));
  if (observer_) observer_(trace_.back());
  return finding;
}

Finding Executor::check_leaks(int64_t step, const char* when) const {
  return oracle::check_leaks(step, when, faults::open_sandbox_fds(), faults::live_sandbox_mappings(), stuck_mappings_);
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
    mapfuzz_before_library_call(static_cast<uint32_t>(trace_.size()),
                                debugger_text_ ? "mapfuzz: stopped at the end of the run: the library instance is "
                                                 "destroyed next, then leaks and the file are checked\n"
                                               : nullptr);
    {
      DiskConditions::LibraryCall size_limit(options_.disk);  // the destructor is a library call too
      subject_.reset();
    }
    finding = check_leaks(-1, "after the library was destroyed");
  }
  // The other program is done: its locks go before the file is read.
  if (!finding && outside_locked_) {
    (void)options_.outside->release_locks();
    outside_locked_ = false;
    model_.let_go_of_locks();
  }
  if (!finding) finding = verify_contents(FindingKind::kFileMismatch, -1);
  end();
  return finding;
}

Executor::Observed Executor::load_contents() {
  if (contract_.file_is_raw) {
    return reader_.read_back(path_, &scratch_, model_.path_file().size()) ? Observed::kFile : Observed::kNoFile;
  }
  // A format of the library's own: read through it, unseen by the fault
  // layer, on a healthy disk. While another process holds a lock, a library
  // that honours it may refuse to read: then nothing is observed (not an
  // empty or absent file).
  faults::Bypass bypass;
  DiskConditions::Healthy healthy(options_.disk);
  const bool locked_out = model_.outside_locks().any();
  if (model_.is_open() && subject_) {
    if (read_all(*subject_)) return Observed::kFile;
    return locked_out ? Observed::kUnavailable : Observed::kFile;  // an unreadable file reads as empty
  }
  std::unique_ptr<Subject> fresh = target_.make();
  if (const Status opened = fresh->open(path_, false, 0); !opened.ok()) {
    scratch_.clear();
    return locked_out && opened.code() != ENOENT ? Observed::kUnavailable : Observed::kNoFile;
  }
  const bool ok = read_all(*fresh);
  (void)fresh->close();
  return ok || !locked_out ? Observed::kFile : Observed::kUnavailable;
}

bool Executor::read_all(Subject& subject) {
  scratch_.resize(subject.size());
  uint64_t got = 0;
  const bool ok = scratch_.empty() || subject.read(0, scratch_, &got).ok();
  scratch_.resize(got);
  return ok;
}

Finding Executor::verify_contents(FindingKind kind, int64_t step) {
  const Observed seen = load_contents();
  if (seen == Observed::kUnavailable) return {};
  return oracle::check_contents(seen == Observed::kFile, scratch_, model_.path_file(), kind, step);
}

void Executor::end() {
  if (options_.disk) options_.disk->reset();
  if (outside_locked_) (void)options_.outside->release_locks();  // helper gone: its locks went with it
  outside_locked_ = false;
  faults::clear_after_mmap();
  pending_armed_ = false;
  faults::disarm_all();
  subject_.reset();
  reader_.close_all();  // the library is gone: no lock of its left to drop
  // What the library could not release because faults failed its munmap or
  // close (excused, or already reported): drop it now, or the unlinked
  // files' pages would fill the sandbox's disk run after run.
  faults::release_sandbox_resources();
  faults::deactivate();
  // Only a file known to be gone lets the next begin() skip its unlink.
  file_left_ = ::unlink(path_.c_str()) != 0 && errno != ENOENT;
  running_ = false;
}

void Executor::release() {
  if (running_) end();
  trace_.clear();
  model_.reset();
}

Finding Executor::run(const Program& program) {
  begin();
  const std::span<const Op> ops = program.ops;
  for (size_t i = 0; i < ops.size() && !abandoned_;) {
    size_t n = 1;  // the op and the concurrent ones after it, at most one per thread
    while (i + n < ops.size() && n < kMaxThreads && ops[i + n].concurrent) ++n;
    if (Finding f = n > 1 ? step_group(ops.subspan(i, n)) : step(ops[i])) {
      end();
      return f;
    }
    i += n;
  }
  return finish();
}

}  // namespace mapfuzz
