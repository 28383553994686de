// The executor's side of threads: an op handed over to its thread
// (Op::thread), and a concurrent group (Op::concurrent) raced on its threads
// and judged against every serial order of its ops.
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

#include "faults/interpose.h"
#include "harness/abandoned_memory.h"
#include "harness/debug_hook.h"
#include "harness/executor.h"
#include "harness/oracle.h"

namespace mapfuzz {
namespace {

// The group's calls take turns (harness/turns.h): the interleaving is fixed
// by the program.
constexpr auto kGroupTimeout = std::chrono::milliseconds(10000);

// The strictest file check any of the group's steps asks for: a failed
// change must have changed nothing (kNotAtomic), a success despite a failed
// call must be real (kSwallowedError); else the file must be what the order
// made it (kFileMismatch: the group is always checked, since orders differ).
FindingKind strictest(FindingKind a, FindingKind b) {
  auto rank = [](FindingKind k) { return k == FindingKind::kNotAtomic ? 2 : k == FindingKind::kSwallowedError ? 1 : 0; };
  return rank(b) > rank(a) ? b : a;
}

}  // namespace

struct Executor::GroupCall {
  Executor* self = nullptr;
  const Op* op = nullptr;
  StepRecord record;  // as it ran: status, read_got, causes
  StepRecord judged;  // as the serial order being tried predicts it
  faults::FaultInfo signal;
  bool survived = true;

  size_t position = 0;  // in the group (its turn order)

  static void run(void* arg) {
    auto* c = static_cast<GroupCall*>(arg);
    c->self->turns_.begin(c->position);
    faults::set_thread_tag(c->record.index);
    c->survived = c->self->guarded_call(*c->op, c->record, &c->signal);
    faults::clear_thread_tag();
    c->self->turns_.end(c->position);
  }
};

int64_t Executor::now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

bool Executor::call_on_thread(const Op& op, StepRecord& record, faults::FaultInfo* signal) {
  if (op.thread == 0 || !contract_.any_thread) return call_guarded(op, record, signal);
  struct Job {
    Executor* self;
    const Op* op;
    StepRecord* record;
    faults::FaultInfo* signal;
    bool survived;
  } job{this, &op, &record, signal, false};
  threads_.run(
      op.thread,
      [](void* arg) {
        auto* j = static_cast<Job*>(arg);
        faults::set_thread_tag(j->record->index);  // and a fresh injection mark on this thread
        j->survived = j->self->call_guarded(*j->op, *j->record, j->signal);
        faults::clear_thread_tag();
      },
      &job);
  return job.survived;
}

const char* Executor::group_refusal(std::span<const Op> ops) const {
  if (contract_.concurrent_ops == 0 || !contract_.any_thread) return "the library is not thread-safe";
  if (abandoned_ || !model_.is_open()) return "the library is not open";
  if (model_.view_stale()) return "the file changed under the library";
  if (model_.outside_locks().any()) return "another process holds a lock";
  if (pending_armed_) return "an outside event waits for the next mmap";
  bool used[kMaxThreads] = {};
  for (const Op& op : ops) {
    if (!calls_library(op.kind) || (contract_.concurrent_ops & concurrent_bit(op.kind)) == 0) {
      return "the library is not thread-safe for one of the ops";
    }
    if (used[op.thread % kMaxThreads]) return "two ops share a thread";
    used[op.thread % kMaxThreads] = true;
    bool unavailable = false;
    if (skip_reason(op, model_.expect(op, contract_), &unavailable)) return "an op would be skipped";
  }
  return nullptr;
}

Finding Executor::follow_order(std::span<GroupCall> calls, std::span<const uint8_t> order, Model& m,
                               uint64_t final_size, Observed seen) const {
  FindingKind check = FindingKind::kFileMismatch;
  for (size_t p = 0; p < order.size(); ++p) {
    GroupCall& c = calls[order[p]];
    StepRecord& r = c.judged;
    r = c.record;
    r.expected = m.expect(*c.op, contract_);
    r.model_size_before = m.size();
    r.serial_position = static_cast<uint8_t>(p + 1);
    if (!m.applicable(*c.op) || r.expected.size_after > contract_.max_size) {
      return Finding{FindingKind::kWrongSize, r.index, "not applicable in this order"};
    }
    // Only the group's end is observed: the last op's size is the library's;
    // before it, what the op must have left (unchanged after a failure).
    const uint64_t left = r.status.ok() ? r.expected.size_after : m.size();
    r.size_after = p + 1 == order.size() ? final_size : left;
    const std::span<const uint8_t> read{io_buffers_[c.op->thread % kMaxThreads].data(), r.read_got};
    if (Finding f = oracle::check_step(r, m, read)) return f;
    m.follow(*c.op,
             Outcome{.ok = r.status.ok() && !r.expected.must_fail, .size_after = r.size_after, .read = read}, contract_);
    check = strictest(check, file_check_kind(*c.op, r));
  }
  if (seen == Observed::kUnavailable) return {};
  return oracle::check_contents(seen == Observed::kFile, scratch_, m.path_file(), check,
                                calls[order.back()].record.index);
}

Finding Executor::abandon_group(std::span<GroupCall> calls, bool all_returned) {
  for (GroupCall& c : calls) {
    if (!c.survived) {  // the first signal ends the run; the trace stays in program order
      for (GroupCall* other = calls.data(); other != &c; ++other) (void)record_step(other->record, {});
      Finding f = abandon_after_signal(std::move(c.record), c.signal);
      for (GroupCall* other = &c + 1; other != calls.data() + calls.size(); ++other) {
        (void)record_step(other->record, {});
      }
      return f;
    }
  }
  (void)all_returned;
  abandoned_subjects_.push_back(std::move(subject_));  // a thread may still be inside it
  abandoned_ = true;
  for (GroupCall& c : calls) (void)record_step(c.record, {});
  char detail[160];
  std::snprintf(detail, sizeof detail,
                "the concurrent steps %u-%u did not all return within %lld s: the library's threads deadlocked",
                calls.front().record.index, calls.back().record.index,
                static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(kGroupTimeout).count()));
  return Finding{FindingKind::kHang, static_cast<int64_t>(calls.back().record.index), detail};
}

Finding Executor::step_group(std::span<const Op> ops) {
  if (ops.size() < 2 || group_refusal(ops)) {
    for (const Op& op : ops) {
      if (Finding f = step(op)) return f;
      if (abandoned_) break;
    }
    return {};
  }
  std::array<GroupCall, kMaxThreads> storage;
  const std::span<GroupCall> calls(storage.data(), ops.size());
  std::array<WorkerThreads::Task, kMaxThreads> tasks;
  for (size_t i = 0; i < ops.size(); ++i) {
    calls[i].self = this;
    calls[i].op = &ops[i];
    calls[i].record = prepare(ops[i]);
    calls[i].record.index += static_cast<uint32_t>(i);
    calls[i].position = i;
    tasks[i] = {ops[i].thread, &GroupCall::run, &calls[i]};
  }
  const uint32_t first = calls.front().record.index;
  if (debugger_text_) debug_text_ = debugger_text(trace_, calls.front().record);
  mapfuzz_before_library_call(first, debugger_text_ ? debug_text_.c_str() : nullptr);
  const size_t first_call = faults::call_log().size();
  in_call_ = {};
  locked_ = {};
  bool all_returned = false;
  {
    DiskConditions::LibraryCall size_limit(options_.disk);
    abandoned_memory::begin_call();
    turns_.reset(ops.size());
    faults::set_switch_hook(&Turns::switch_point, &turns_);
    group_deadline_ns_ = now_ns() + std::chrono::nanoseconds(kGroupTimeout).count();
    all_returned = threads_.race({tasks.data(), ops.size()}, std::chrono::microseconds(0), kGroupTimeout);
    group_deadline_ns_ = 0;
    faults::set_switch_hook(nullptr, nullptr);
  }
  const bool survived = std::all_of(calls.begin(), calls.end(), [](const GroupCall& c) { return c.survived; });
  if (!all_returned || !survived) return abandon_group(calls, all_returned);
  abandoned_memory::end_call();
  mapfuzz_after_library_call(calls.back().record.index);
  return judge_group(calls, first_call);
}

Finding Executor::judge_group(std::span<GroupCall> calls, size_t first_call) {
  const uint64_t final_size = subject_->size();
  for (GroupCall& c : calls) {
    c.record.size_after = final_size;
    name_causes(*c.op, c.record, first_call, false);
    name_lock_causes(c.record, first_call);
  }
  if (Finding f = check_hang(calls.back().record, first_call)) {
    for (GroupCall& c : calls) (void)record_step(c.record, {});
    return f;
  }
  const Observed seen = load_contents();  // orders differ in what they leave: always look
  std::array<uint8_t, kMaxThreads> order{0, 1, 2};
  const std::span<uint8_t> in_order(order.data(), calls.size());
  Finding first_finding;
  do {
    for (GroupCall& c : calls) c.judged = c.record;
    Model m = model_;
    Finding f = follow_order(calls, in_order, m, final_size, seen);
    if (!f) {
      model_ = std::move(m);
      if (seen != Observed::kUnavailable) model_.learn_file(seen == Observed::kFile, scratch_);
      for (GroupCall& c : calls) (void)record_step(std::move(c.judged), {});
      return {};
    }
    if (!first_finding) first_finding = std::move(f);
  } while (std::next_permutation(in_order.begin(), in_order.end()));
  // No order explains it: the report shows the program's order (the first
  // tried), up to the step it fails at.
  for (GroupCall& c : calls) c.judged = c.record;
  Model m = model_;
  (void)follow_order(calls, in_order, m, final_size, seen);
  for (GroupCall& c : calls) (void)record_step(std::move(c.judged), {});
  char note[160];
  std::snprintf(note, sizeof note, " (steps %u-%u ran concurrently, and no serial order of them explains this)",
                calls.front().record.index, calls.back().record.index);
  first_finding.detail += note;
  return first_finding;
}

}  // namespace mapfuzz
