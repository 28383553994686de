#include "harness/executor.h"

#include <unistd.h>

#include <cstdio>

#include "faults/interpose.h"
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
}

void Executor::begin() {
  if (running_) end();
  ::unlink(path_.c_str());
  model_.reset();
  trace_.clear();
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
  }
  if (record.skipped) {
    trace_.push_back(record);
    if (observer_) observer_(trace_.back());
    return {};
  }

  faults::set_tag(record.index);
  const size_t first_call = faults::call_log().size();
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
    case OpKind::kCount:
      break;
  }
  record.size_after = s.size();
  const auto& calls = faults::call_log();
  record.faults_fired = fired_faults(calls, first_call);
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
  // Error paths must release everything and leave the file as it was.
  if (!finding && !record.status.ok() && op.kind == OpKind::kOpen && op.create) {
    const bool exists = load_contents();
    finding = oracle::check_failed_create(op, record.index, model_, exists, scratch_);
    if (!finding) model_.adopt_file(exists, scratch_);
  } else if (!finding && !record.status.ok() && modifies_file(op.kind)) {
    finding = verify_contents(FindingKind::kNotAtomic, record.index);
  }
  // A success despite an injected fault must be a real one.
  if (!finding && record.status.ok() && fault_fired && modifies_file(op.kind)) {
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
  }
  return finish();
}

}  // namespace mapfuzz
