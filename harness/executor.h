// Runs a program against a subject and the model, step by step, and asks the
// oracle after every step and at the end. The same executor serves the fuzz
// targets, the property tests, replay and enumeration.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "faults/outside_process.h"
#include "faults/signal_guard.h"
#include "harness/disk_conditions.h"
#include "harness/finding.h"
#include "harness/model.h"
#include "harness/op.h"
#include "harness/status.h"
#include "harness/subject.h"

namespace mapfuzz {

// One executed (or skipped) operation, as reports and replay print it.
struct StepRecord {
  uint32_t index = 0;
  Op op;
  const char* skipped = nullptr;  // why the op was not sent to the library, or null
  Expectation expected;           // the model's prediction
  uint64_t model_size_before = 0;
  Status status;                  // the library's answer
  uint64_t size_after = 0;        // the library's size() after the call
  uint64_t read_got = 0;          // kRead: bytes returned
  std::string faults_fired;       // injected faults, outside events and signals during the call
  bool hazard = false;            // a documented hazard (SIGBUS after outside truncation or on a full disk) ended the run
};

struct RunOptions {
  uint64_t max_file_size = kMaxProgramFileSize;  // ops beyond it are skipped
  faults::Outside* outside = nullptr;  // performs outside events; null: they are skipped
  // Outside events inside a library call (after its mmap). Off by default:
  // the model cannot yet tell every order of the library's own calls apart.
  bool in_call_events = false;
  // Brings about `outside diskfull` / `outside sizelimit`; null: skipped.
  DiskConditions* disk = nullptr;
};

class Executor {
 public:
  // `sandbox_dir` must exist; the executor uses one file in it.
  Executor(const Target& target, std::string sandbox_dir, RunOptions options = {});
  ~Executor();
  // Whether the last run was ended by a documented hazard.
  bool ended_by_hazard() const { return abandoned_ && !trace_.empty() && trace_.back().hazard; }

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

  // begin(), every op until a finding, finish() (or end() after a finding).
  Finding run(const Program& program);

  // Called after every step with its record (replay prints it).
  void set_step_observer(std::function<void(const StepRecord&)> observer) {
    observer_ = std::move(observer);
  }

  const std::vector<StepRecord>& trace() const { return trace_; }
  // Documented hazards (SIGBUS after another process truncated the file,
  // in a library that does not claim to survive it) since construction.
  uint64_t hazards() const { return hazards_; }
  const Model& model() const { return model_; }
  const Target& target() const { return target_; }
  const std::string& file_path() const { return path_; }

 private:
  // The file's contents into scratch_: with pread for raw files, else
  // through the library (the open instance, or a fresh one). False if the
  // file does not exist or cannot be opened.
  bool load_contents();
  bool read_all(Subject& subject);
  // load_contents() compared with the model.
  Finding verify_contents(FindingKind kind, int64_t step);

  const Target& target_;
  Contract contract_;
  std::string sandbox_dir_;
  std::string path_;
  RunOptions options_;
  std::unique_ptr<Subject> subject_;
  Model model_;
  std::vector<StepRecord> trace_;
  std::vector<uint8_t> io_buffer_;
  std::vector<uint8_t> scratch_;  // file contents read back by the oracle
  std::function<void(const StepRecord&)> observer_;
  size_t stuck_mappings_ = 0;  // munmap calls failed by injected faults this run
  Status apply_outside(const faults::OutsideEvent& event, uint32_t step);
  void note_cause(const faults::OutsideEvent& event, uint32_t step, bool in_call);
  static void fire_pending(void* self);
  // Brings the model along an outside event that fired inside this step's
  // library call; true if one did.
  bool settle_in_call_event();
  Finding abandon_after_signal(StepRecord record, const faults::FaultInfo& info);
  // Why `op` (an outside event) cannot run here, or null.
  const char* outside_skip_reason(const Op& op) const;
  // Why `op` is not sent to the library in this state, or null.
  const char* skip_reason(const Op& op, const Expectation& expected) const;
  // Sends `op` to the library (or arms it), filling record.status.
  void call_library(const Op& op, StepRecord& record);
  // call_library() under the SIGBUS/SIGSEGV guard and, for an open of a
  // read-only file, without root's permission override. False if a signal
  // ended the call (`signal` says which).
  bool call_guarded(const Op& op, StepRecord& record, faults::FaultInfo* signal);
  // record.faults_fired: the injected faults, in-call events and disk
  // conditions that may explain this call's outcome.
  void name_causes(const Op& op, StepRecord& record, size_t first_call, bool stale_before);
  // After the model followed the step: failed calls left the file as it was
  // and released what they held; successes despite a fault are real.
  Finding check_error_paths(const Op& op, const StepRecord& record, bool unsettled, bool fault_fired);
  faults::OutsideEvent pending_;  // the event waiting for the library's next mmap
  bool pending_armed_ = false;
  bool in_call_ok_ = false;
  std::string fired_in_call_;  // what the in-call event did during this step
  std::string last_cut_;       // the last outside event that removed file data or left holes this run
  bool abandoned_ = false;     // a signal ended the run; the library is never called again
  uint64_t hazards_ = 0;
  // Instances interrupted by a signal: kept, never called or destroyed (their
  // fds and mappings were released through the fault layer).
  std::vector<std::unique_ptr<Subject>> abandoned_subjects_;
  bool running_ = false;
};

}  // namespace mapfuzz
