// Exhaustive fault enumeration, as SQLite's I/O-error tests do it: run a
// program once to count the interposed calls it makes on the sandbox file,
// then run it again for every call k of every kind, every realistic errno
// and both modes, with "fault call=<kind> errno=<e> nth=<k> once|persistent"
// put in front of it, and let the oracle judge every run. Findings are
// deduplicated by site (below), so a bug that every errno of a call reveals,
// in every program of a corpus, is reported once.
//
// The executor is reused from run to run (a run costs what the program
// costs). A crash of the library ends the process with the crash report of
// the run in progress when `crash_reports` is set (see EnumerateOptions).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "faults/fault_spec.h"
#include "harness/executor.h"
#include "harness/finding.h"
#include "harness/op.h"
#include "harness/severity.h"

namespace mapfuzz {

inline constexpr size_t kCallKinds = static_cast<size_t>(faults::Call::kCount);
using CallCounts = std::array<uint64_t, kCallKinds>;

enum class ErrnoSet : uint8_t {
  kAll,    // every errno of faults::realistic_errnos()
  kFirst,  // only the first (most common) one of each call
};

struct EnumerateOptions {
  ErrnoSet errnos = ErrnoSet::kAll;
  FILE* progress = stdout;  // one line per program; null: none
  FILE* table = stdout;     // one row per run; null: none
  FILE* reports = stderr;   // the full report of each distinct finding; null: none
  // Where each distinct finding's program is saved, as save_program's prefix
  // ("" = the current directory).
  std::string artifact_prefix;
  // Register every run with runtime::set_current(), so that a crash prints
  // its report and saves its program. Only when the executor is
  // runtime::executor() and runtime::install_crash_hooks() was called.
  bool crash_reports = false;
};

// Where a finding happened: what was found, in which kind of op, which call
// was failed and in which kind of op the fault fired. Two runs with the same
// site are the same bug, whatever the errno, mode, n or program.
struct FindingSite {
  FindingKind kind = FindingKind::kNone;
  OpKind failing_op = OpKind::kCount;            // kCount: the end-of-run checks
  faults::Call call = faults::Call::kCount;      // kCount: the plain run, no fault
  OpKind fired_in = OpKind::kCount;              // kCount: the fault never fired
  auto operator<=>(const FindingSite&) const = default;
};

// "swallowed-error in resize, ftruncate failed in resize"
std::string describe(const FindingSite& site);

struct DistinctFinding {
  FindingSite site;
  Finding finding;           // of the first run that found it
  std::string program_name;  // that run's program
  bool faulted = false;      // false: the plain run found it
  faults::FaultSpec fault;   // that run's fault (when faulted)
  std::string artifact;      // its saved program; "" if it could not be saved
  size_t runs = 0;           // runs that found it
  Severity severity;         // of the first run's program, up to the finding
};

struct EnumeratedRun {
  faults::FaultSpec fault;
  int64_t fired_step = -1;  // step (fault op = step 0) of the first injected failure; -1: none
  FindingKind kind = FindingKind::kNone;
  size_t distinct = 0;      // 1-based index into Enumerator::findings(); 0: clean
};

// `program` without its fault ops.
Program strip_faults(const Program& program);

// The faults an enumeration arms for a program whose plain run made
// `counts` calls, in run order: for each call kind, each k in 1..count,
// each errno of `errnos`, once and then persistently (except where
// faults::ends_retries() says no).
std::vector<faults::FaultSpec> fault_schedule(const CallCounts& counts, ErrnoSet errnos);

class Enumerator {
 public:
  // `executor` must outlive the Enumerator.
  Enumerator(Executor& executor, EnumerateOptions options);

  // Enumerates `program` (its fault ops are dropped first); `name` (a file
  // name) identifies it in the output, `position` of `of` (when `of` > 0) in
  // the progress line. If the plain run already gives a finding, that
  // finding is recorded and the program is not enumerated.
  void enumerate(const std::string& name, const Program& program, size_t position = 0, size_t of = 0);

  // The calls per kind the last program's plain run made while its ops ran
  // (calls made while the library is destroyed, after every fault is
  // disarmed, are left out: no fault can reach them).
  const CallCounts& last_counts() const { return counts_; }
  // The faulted runs of the last program, in order.
  const std::vector<EnumeratedRun>& last_runs() const { return runs_; }
  const std::vector<DistinctFinding>& findings() const { return findings_; }
  // Runs made so far, the plain runs included.
  size_t total_runs() const { return total_runs_; }
  size_t programs() const { return programs_; }
  // Programs whose plain run skipped a step because a fault mode it needs is
  // off or unavailable here (Executor::first_unavailable_step()): what they
  // found, or did not, is inconclusive.
  size_t inconclusive() const { return inconclusive_; }
  // "enumerated R runs over P programs: F distinct findings", and
  // "; N inconclusive (...)" when inconclusive() > 0.
  std::string summary() const;

 private:
  // One run of `program` (fault op first, or none); records its outcome.
  EnumeratedRun run_one(const std::string& name, const Program& program, bool faulted);
  // The distinct finding `finding` of the run just made belongs to (a new
  // one is reported and saved); returns its 1-based index.
  size_t record_finding(const std::string& name, const Program& program, bool faulted,
                        const Finding& finding, int64_t fired_step);
  void print_row(const Program& program, const EnumeratedRun& run);

  Executor& executor_;
  EnumerateOptions options_;
  CallCounts counts_{};
  std::vector<EnumeratedRun> runs_;
  std::vector<DistinctFinding> findings_;
  size_t total_runs_ = 0;
  size_t programs_ = 0;
  size_t inconclusive_ = 0;
};

}  // namespace mapfuzz
