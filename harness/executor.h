// Runs a program against a subject and the model, step by step, and asks the
// oracle after every step and at the end. The same executor serves the fuzz
// targets, the property tests, replay and enumeration.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "faults/interpose.h"
#include "faults/outside_process.h"
#include "faults/signal_guard.h"
#include "harness/disk_conditions.h"
#include "harness/file_view.h"
#include "harness/finding.h"
#include "harness/model.h"
#include "harness/op.h"
#include "harness/status.h"
#include "harness/step_record.h"
#include "harness/subject.h"
#include "harness/turns.h"
#include "harness/worker_threads.h"

namespace mapfuzz {

struct RunOptions {
  uint64_t max_file_size = kMaxProgramFileSize;  // ops beyond it are skipped
  faults::Outside* outside = nullptr;  // performs outside events; null: they are skipped
  // Outside events inside a library call (after its mmap). Off by default:
  // the model cannot yet tell every order of the library's own calls apart.
  bool in_call_events = false;
  // Brings about `outside diskfull` / `outside sizelimit`; null: skipped.
  DiskConditions* disk = nullptr;
  // At most this many injected faults fire within one step (one library
  // call); further matching calls in it pass (faults::set_fault_cap). 0: no cap.
  uint32_t max_faults_per_op = 0;
};

class Executor {
 public:
  // `sandbox_dir` must exist; the executor uses one file in it.
  Executor(const Target& target, std::string sandbox_dir, RunOptions options = {});
  ~Executor();
  // Whether the last run was ended by a documented hazard.
  bool ended_by_hazard() const { return abandoned_ && !trace_.empty() && trace_.back().hazard; }
  // The first step of the last run skipped because a fault mode it needs is
  // off or unavailable here (its record says which), or null: a run without
  // a finding that skipped one proves nothing about that step.
  const StepRecord* first_unavailable_step() const;

  // Starts a run: removes the sandbox file, makes a fresh subject, activates
  // the fault layer on the sandbox.
  void begin();
  // Executes `op` (or skips it if not applicable in the model's state) and
  // checks the outcome. Returns the finding, if any; after a finding the run
  // is over (call end()).
  Finding step(const Op& op);
  // End-of-run checks: closes the subject if open, destroys it, compares the
  // file (read with plain pread) with the model, checks for leaked fds and
  // mappings. Deactivates the fault layer and removes the sandbox file.
  Finding finish();
  // Abandons a run after a finding or crash: destroys the subject without
  // further checks and cleans up.
  void end();

  // Executes a concurrent group (Op::concurrent): its ops run at once, each
  // on its thread, taking turns at the library's calls that change the
  // file's size or mappings (harness/turns.h: the same interleaving on every
  // run), and the outcome must match some serial order of them: each call's answer as the model predicts it in that order, and the
  // file after the group as that order leaves it (it is always read back).
  // The order that matched becomes the model's history (each record's
  // serial_position). Raced only where the contract allows it (see
  // group_refusal); otherwise the ops run one at a time in program order,
  // as step() would. A group that does not return within 10 s is a hang.
  Finding step_group(std::span<const Op> ops);

  // begin(), every op (concurrent groups through step_group) until a
  // finding, finish() (or end() after a finding).
  Finding run(const Program& program);
  // Frees what the last run kept for its report (the trace's records, the
  // model's state); keeps buffer capacity. After it, trace() is empty. A
  // fuzz target calls it once the input is judged, so that each input frees
  // what it allocated: libFuzzer re-runs an input with more mallocs than
  // frees and then scans the heap for leaks (harness/fuzz_main.cc).
  void release();

  // Called after every step with its record (replay prints it).
  void set_step_observer(std::function<void(const StepRecord&)> observer) {
    observer_ = std::move(observer);
  }

  // On: before every step's library call, the text a debugger prints when
  // it stops there (debugger_text(), harness/debug_hook.h) is built and
  // passed to mapfuzz_before_library_call(). Off (the default): it gets null.
  void set_debugger_text(bool on) { debugger_text_ = on; }

  // On (not null): while the library is called for a step, the subject
  // says its calls to `transcript` (export, harness/export.h).
  void set_transcript(Transcript* transcript) { transcript_ = transcript; }

  const std::vector<StepRecord>& trace() const { return trace_; }
  // The bytes the last read step returned (valid until the next step).
  std::span<const uint8_t> last_read() const { return io_buffers_[last_thread_]; }
  // Documented hazards (SIGBUS after another process truncated the file,
  // in a library that does not claim to survive it) since construction.
  uint64_t hazards() const { return hazards_; }
  const Model& model() const { return model_; }
  const Target& target() const { return target_; }
  const std::string& file_path() const { return path_; }

 private:
  // What an outside event armed for the library's next mmap did inside the
  // current call.
  struct InCall {
    bool fired = false;
    int error = 0;  // 0: it did its work
    // The library waited for a lock and the outside let go of all its locks.
    bool locks_released = false;
  };

  // ---- one step, in the order step() runs them (executor.cc) ----
  // A record of `op` with the model's expectation, or the skip reason.
  StepRecord prepare(const Op& op) const;
  // Why `op` is not sent to the library in this state, or null; sets
  // *mode_unavailable if the reason is a fault mode that is off or
  // unavailable here (else leaves it).
  const char* skip_reason(const Op& op, const Expectation& expected, bool* mode_unavailable) const;
  // call_library() under the SIGBUS/SIGSEGV guard and, for an open of a
  // read-only file, without root's permission override. False if a signal
  // ended the call (`signal` says which).
  bool call_guarded(const Op& op, StepRecord& record, faults::FaultInfo* signal);
  // Sends `op` to the library (or arms it, or runs the outside event),
  // filling record.status.
  void call_library(const Op& op, StepRecord& record);
  void call_subject(const Op& op, StepRecord& record);
  // record.causes: the injected faults, in-call event, disk conditions and
  // changes under the library that may explain this call's outcome.
  void name_causes(const Op& op, StepRecord& record, size_t first_call, bool stale_before);
  // A lock the outside holds that the library's own lock (the contract's
  // LockScope, in any mode) conflicts with; null if none or if the library
  // promises nothing about locks.
  const HeldLock* contended_lock() const;
  // After an event inside the call, the library may have sized its view with
  // fstat: the file's size then is a right answer too.
  void accept_size_after_event(StepRecord& record) const;
  // What the model follows for this step.
  Outcome outcome_of(const StepRecord& record, std::span<const uint8_t> read, bool stale_before) const;
  // After the model followed the step: failed calls left the file as it was
  // (or as allowed), successes despite a fault are real, the model learns
  // what it did not know, closed instances hold nothing.
  Finding check_file(const Op& op, const StepRecord& record);
  // Which check the file needs after this step (kNone: only learning).
  FindingKind file_check_kind(const Op& op, const StepRecord& record) const;
  // Appends the record to the trace, tells the observer, returns `finding`.
  Finding record_step(StepRecord record, Finding finding);

  // ---- file observations ----
  // What an observation of the file found.
  enum class Observed : uint8_t {
    kFile,         // scratch_ holds its bytes
    kNoFile,       // it does not exist, or the library cannot open it
    kUnavailable,  // the library could not read it while another process held a lock: nothing known
  };
  // The file's contents into scratch_: with pread for raw files, else
  // through the library (the open instance, or a fresh one).
  Observed load_contents();
  // False if the read failed.
  bool read_all(Subject& subject);
  // load_contents() compared with the model.
  Finding verify_contents(FindingKind kind, int64_t step);
  Finding check_leaks(int64_t step, const char* when) const;

  // ---- outside events and signals (executor_outside.cc) ----
  // Why `op` (an outside event) cannot run here, or null; sets
  // *mode_unavailable as skip_reason() does.
  const char* outside_skip_reason(const Op& op, bool* mode_unavailable) const;
  Status apply_outside(const faults::OutsideEvent& event, uint32_t step);
  void note_cut(const faults::OutsideEvent& event, uint32_t step, bool in_call);
  static void fire_pending(void* self);

  // ---- threads (executor_threads.cc) ----
  // call_guarded() on the op's thread (handed over: the caller waits).
  bool call_on_thread(const Op& op, StepRecord& record, faults::FaultInfo* signal);
  // The library call under the SIGBUS/SIGSEGV guard, on the calling thread,
  // nothing else (call_guarded's part that may run on any thread).
  bool guarded_call(const Op& op, StepRecord& record, faults::FaultInfo* signal);
  // Why the group's ops cannot race here, or null: the contract is not
  // thread-safe for one of them, two share a thread, one would be skipped,
  // or the state needs the step-by-step machinery (closed, a stale view,
  // an outside lock held, an event armed for the next mmap).
  const char* group_refusal(std::span<const Op> ops) const;
  struct GroupCall;
  // Follows the group's calls in `order` on `m`, checking each answer and
  // then the observed file; the first finding, if any.
  Finding follow_order(std::span<GroupCall> calls, std::span<const uint8_t> order, Model& m, uint64_t final_size,
                       Observed seen) const;
  // The group's causes, then the first serial order its outcome matches
  // (the model follows it), or the program order's finding.
  Finding judge_group(std::span<GroupCall> calls, size_t first_call);
  // After a signal or a timeout in a group: the run ends there.
  Finding abandon_group(std::span<GroupCall> calls, bool all_returned);
  static int64_t now_ns();

  // ---- locks (executor_locks.cc) ----
  // The fault layer's lock-wait hook: the library would wait for a lock.
  // The outside lets go of all its locks (true), unless the contract says
  // the library reports contention, or the outside holds none (false: the
  // wait becomes a hang).
  static bool on_lock_wait(void* self, const faults::LockWait& wait);
  // The outside's lock a library lock call of family `api` on [offset,
  // offset+length) meets, on whichever file (the call names an fd); the
  // first held one if none conflicts (its holder cannot be told), null if
  // the outside holds none.
  const HeldLock* met_lock(faults::LockCallApi api, uint64_t offset, uint64_t length) const;
  // A failure whose step's lock calls met a lock while the outside held
  // one: contention (Cause::kLockHeld), whatever the contract promises.
  void name_lock_causes(StepRecord& record, size_t first_call) const;
  // A lock call of this step that would have waited for ever: kHang.
  Finding check_hang(const StepRecord& record, size_t first_call) const;
  Finding abandon_after_signal(StepRecord record, const faults::FaultInfo& info);

  const Target& target_;
  Contract contract_;
  std::string sandbox_dir_;
  std::string path_;
  RunOptions options_;
  std::unique_ptr<Subject> subject_;
  Model model_;
  std::vector<StepRecord> trace_;
  std::vector<uint8_t> io_buffers_[kMaxThreads];  // a write's or read's bytes, per thread
  uint8_t last_thread_ = 0;                       // the thread of the last step
  WorkerThreads threads_;
  Turns turns_;  // a concurrent group's calls take turns
  // While a concurrent group races: when its lock waits give up (steady
  // clock, ns); 0 otherwise.
  std::atomic<int64_t> group_deadline_ns_{0};
  std::vector<uint8_t> scratch_;  // file contents observed for the oracle
  file_view::FileReader reader_;  // raw reads of the file, its fds kept until end()
  std::function<void(const StepRecord&)> observer_;
  size_t stuck_mappings_ = 0;  // munmap calls failed by injected faults this run
  faults::OutsideEvent pending_;  // the event waiting for the library's next mmap
  bool pending_armed_ = false;
  InCall in_call_;                    // what the pending event did during this step
  std::optional<OutsideCut> last_cut_;  // the last outside event that removed file data or left holes this run
  bool abandoned_ = false;     // a signal ended the run; the library is never called again
  bool outside_locked_ = false;
  faults::FileId locked_;        // the file this step's outside lock locked  // a lock event ran this run: the outside may hold locks until end()
  uint64_t hazards_ = 0;
  // Instances interrupted by a signal: kept, never called or destroyed (their
  // fds and mappings were released through the fault layer).
  std::vector<std::unique_ptr<Subject>> abandoned_subjects_;
  bool running_ = false;
  bool file_left_ = true;  // the sandbox file may exist (before the first run, after a run without end())
  bool guarded_ = false;  // the SIGBUS/SIGSEGV guard was installed when the run began
  bool debugger_text_ = false;
  Transcript* transcript_ = nullptr;
  std::string debug_text_;  // the text passed to the debug hook, when asked for
};

}  // namespace mapfuzz
