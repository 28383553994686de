// Tests of harness/severity.cc: the counts and class from hand-made traces,
// and end to end through the executor on a small library that grows a file
// with ftruncate, then maps it, and rolls the growth back when the mapping
// fails. One fault is a single failure (the rollback saves it, unless the
// library skips it); a second fault that fails the rollback in the same call
// is a compound finding, which a cap of one fault per operation never
// reaches.
#include "harness/severity.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <boost/test/unit_test.hpp>

#include "harness/executor.h"
#include "harness/report.h"
#include "harness/sandbox.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

// ---- hand-made traces ----

StepRecord step(uint32_t index, Op op) {
  StepRecord s;
  s.index = index;
  s.op = op;
  return s;
}

Op outside(faults::OutsideKind kind, bool after_mmap = false) {
  Op op{.kind = OpKind::kOutside};
  op.outside.kind = kind;
  op.after_mmap = after_mmap;
  return op;
}

const Op kResize{.kind = OpKind::kResize, .size = 8192};

BOOST_AUTO_TEST_SUITE(severity)

BOOST_AUTO_TEST_CASE(a_plain_bug_needs_nothing) {
  std::vector<StepRecord> trace{step(0, Op{.kind = OpKind::kOpen, .create = true, .size = 100}), step(1, kResize)};
  const Severity s = severity_of(trace, Finding{FindingKind::kWrongSize, 1, ""});
  BOOST_TEST((s == Severity{}));
  BOOST_TEST((s.cls() == SeverityClass::kNone));
  BOOST_TEST(s.text() == "none (0 faults, 0 outside events, 0 disk conditions, at most 0 in one call)");
}

BOOST_AUTO_TEST_CASE(one_fault_is_a_single_failure) {
  std::vector<StepRecord> trace{step(0, Op{.kind = OpKind::kFault}), step(1, kResize)};
  trace[1].causes.add_injected(faults::Call::kMremap, ENOMEM);
  const Severity s = severity_of(trace, Finding{FindingKind::kNotAtomic, 1, ""});
  BOOST_TEST((s == Severity{.faults = 1, .max_in_one_call = 1}));
  BOOST_TEST((s.cls() == SeverityClass::kSingle));
  BOOST_TEST(s.text() == "single (1 fault, 0 outside events, 0 disk conditions, at most 1 in one call)");
}

BOOST_AUTO_TEST_CASE(two_faults_in_one_call_are_compound_in_two_calls_multiple) {
  std::vector<StepRecord> trace{step(0, kResize), step(1, kResize)};
  trace[0].causes.add_injected(faults::Call::kFallocate, ENOSPC);
  trace[1].causes.add_injected(faults::Call::kMremap, ENOMEM);
  BOOST_TEST((severity_of(trace, Finding{FindingKind::kNotAtomic, 1, ""}).cls() == SeverityClass::kMultiple));
  trace[1].causes.add_injected(faults::Call::kFtruncate, EIO);
  const Severity s = severity_of(trace, Finding{FindingKind::kNotAtomic, 1, ""});
  BOOST_TEST((s == Severity{.faults = 3, .max_in_one_call = 2}));
  BOOST_TEST((s.cls() == SeverityClass::kCompound));
  BOOST_TEST(s.text() == "compound (3 faults, 0 outside events, 0 disk conditions, at most 2 in one call)");
}

BOOST_AUTO_TEST_CASE(steps_after_the_finding_and_skipped_steps_count_nothing) {
  std::vector<StepRecord> trace{step(0, kResize), step(1, kResize), step(2, kResize)};
  trace[0].skipped = "not applicable in this state";
  trace[0].causes.add_injected(faults::Call::kFtruncate, EIO);  // cannot happen; shows the skip wins
  trace[2].causes.add_injected(faults::Call::kFtruncate, EIO);
  BOOST_TEST((severity_of(trace, Finding{FindingKind::kWrongSize, 1, ""}) == Severity{}));
  // The end-of-run checks count the whole trace.
  BOOST_TEST(severity_of(trace, Finding{FindingKind::kLeak, -1, ""}).faults == 1u);
}

BOOST_AUTO_TEST_CASE(outside_events_and_disk_conditions) {
  std::vector<StepRecord> trace{step(0, outside(faults::OutsideKind::kShrink)),
                                step(1, outside(faults::OutsideKind::kDiskFull)),
                                step(2, outside(faults::OutsideKind::kPwrite, true)),  // armed, fires in step 3
                                step(3, kResize),
                                step(4, outside(faults::OutsideKind::kUnlink))};
  trace[3].causes.set_in_call(faults::OutsideKind::kPwrite, 0);
  trace[4].status = Status(EIO, "outside");  // failed: did nothing
  Severity s = severity_of(trace, Finding{FindingKind::kDataMismatch, 4, ""});
  BOOST_TEST((s == Severity{.outside_events = 2, .disk_conditions = 1, .max_in_one_call = 1}));
  BOOST_TEST((s.cls() == SeverityClass::kOutside));
  BOOST_TEST(s.text() == "outside (0 faults, 2 outside events, 1 disk condition, at most 1 in one call)");
  // A fault in the call the event fired in makes two in one call.
  trace[3].causes.add_injected(faults::Call::kFallocate, ENOSPC);
  s = severity_of(trace, Finding{FindingKind::kDataMismatch, 3, ""});
  BOOST_TEST((s == Severity{.faults = 1, .outside_events = 2, .disk_conditions = 1, .max_in_one_call = 2}));
  BOOST_TEST((s.cls() == SeverityClass::kCompound));
}

BOOST_AUTO_TEST_CASE(a_crash_counts_the_faults_its_step_injected) {
  std::vector<StepRecord> trace{step(0, kResize)};
  trace[0].causes.add_injected(faults::Call::kMmap, ENOMEM);
  std::vector<faults::CallRecord> calls(3, faults::CallRecord{});
  calls[0] = {.call = faults::Call::kMmap, .result_errno = ENOMEM, .injected = true, .tag = 0};
  calls[1] = {.call = faults::Call::kMremap, .result_errno = ENOMEM, .injected = true, .tag = 1};
  calls[2] = {.call = faults::Call::kFtruncate, .result_errno = EIO, .injected = true, .tag = 1};
  const Severity s = crash_severity(trace, 1, calls);
  BOOST_TEST((s == Severity{.faults = 3, .max_in_one_call = 2}));
}

// ---- end to end ----

// Grows with ftruncate, then maps; rolls back with a second ftruncate when
// the mapping fails (unless `rolls_back` is false: the planted bug).
class RollbackSubject final : public Subject {
 public:
  explicit RollbackSubject(bool rolls_back) : rolls_back_(rolls_back) {}
  ~RollbackSubject() override { (void)close(); }

  Status open(const std::string& path, bool create, uint64_t size) override {
    fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
    if (fd_ < 0) return Status::from_errno("open");
    if (!create) size = static_cast<uint64_t>(::lseek(fd_, 0, SEEK_END));
    Status s = create ? resize(size) : map(size);
    if (!s.ok()) (void)close();
    return s;
  }
  Status resize(uint64_t n) override {
    const uint64_t old = size_;
    if (::ftruncate(fd_, static_cast<off_t>(n)) != 0) return Status::from_errno("ftruncate");
    Status s = map(n);
    if (!s.ok() && rolls_back_) (void)::ftruncate(fd_, static_cast<off_t>(old));
    return s;
  }
  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (offset > size_ || data.size() > size_ - offset) return Status(EINVAL, "bounds");
    if (!data.empty()) std::memcpy(base_ + offset, data.data(), data.size());
    return {};
  }
  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    if (offset > size_ || out.size() > size_ - offset) return Status(EINVAL, "bounds");
    if (!out.empty()) std::memcpy(out.data(), base_ + offset, out.size());
    *got = out.size();
    return {};
  }
  Status sync(uint64_t, uint64_t) override {
    if (size_ > 0 && ::msync(base_, size_, MS_SYNC) != 0) return Status::from_errno("msync");
    return {};
  }
  Status close() override {
    if (base_) ::munmap(base_, size_);
    if (fd_ >= 0) ::close(fd_);
    base_ = nullptr;
    fd_ = -1;
    size_ = 0;
    return {};
  }
  uint64_t size() const override { return size_; }

 private:
  // Replaces the mapping by one of `n` bytes (none for 0).
  Status map(uint64_t n) {
    void* p = n ? ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0) : nullptr;
    if (p == MAP_FAILED) return Status::from_errno("mmap");
    if (base_) ::munmap(base_, size_);
    base_ = static_cast<uint8_t*>(p);
    size_ = n;
    return {};
  }

  bool rolls_back_;
  int fd_ = -1;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

std::unique_ptr<Subject> make_rollback() { return std::make_unique<RollbackSubject>(true); }
std::unique_ptr<Subject> make_no_rollback() { return std::make_unique<RollbackSubject>(false); }
const Target kRollback{"rollback", Contract{.syncs_ranges = false}, &make_rollback};
const Target kNoRollback{"no_rollback", Contract{.syncs_ranges = false}, &make_no_rollback};

// One failure: the growth's mmap.
constexpr const char* kOneFault =
    "open create size=4096\n"
    "fault call=mmap errno=ENOMEM nth=1 once\n"
    "resize size=8192\n";
// Two in one resize: its mmap, then the ftruncate that rolls the growth back
// (the growth's own ftruncate is the first after arming).
constexpr const char* kTwoFaultsInOneResize =
    "open create size=4096\n"
    "fault call=mmap errno=ENOMEM nth=1 once\n"
    "fault call=ftruncate errno=EIO nth=2 once\n"
    "resize size=8192\n";

struct Run {
  Finding finding;
  Severity severity;
  std::string report;
};

// Runs `text` against `target` with at most `cap` faults per operation.
Run run(const Target& target, const char* text, uint32_t cap = 0) {
  Program program;
  std::string error;
  BOOST_REQUIRE_MESSAGE(parse_program(text, &program, &error), error);
  Sandbox sandbox;
  Executor executor(target, sandbox.dir(), RunOptions{.max_faults_per_op = cap});
  Run r;
  r.finding = executor.run(program);
  r.severity = severity_of(executor.trace(), r.finding);
  if (r.finding) r.report = format_report(target.name, executor.trace(), r.finding, ReportContext{"replay"});
  BOOST_TEST_MESSAGE(target.name << ": " << finding_name(r.finding.kind) << " " << r.finding.detail);
  return r;
}

BOOST_AUTO_TEST_CASE(a_missing_rollback_is_a_single_failure) {
  const Run r = run(kNoRollback, kOneFault);
  BOOST_TEST_REQUIRE((r.finding.kind == FindingKind::kNotAtomic));
  BOOST_TEST((r.severity.cls() == SeverityClass::kSingle));
  BOOST_TEST(r.report.find("\n  severity: single (1 fault, 0 outside events, 0 disk conditions, at most 1 in one "
                           "call)\n") != std::string::npos);
  BOOST_TEST(!run(kRollback, kOneFault).finding);  // the rollback saves it
}

BOOST_AUTO_TEST_CASE(a_failed_rollback_after_a_failed_growth_is_compound) {
  const Run r = run(kRollback, kTwoFaultsInOneResize);
  BOOST_TEST_REQUIRE((r.finding.kind == FindingKind::kNotAtomic));
  BOOST_TEST((r.severity == Severity{.faults = 2, .max_in_one_call = 2}));
  BOOST_TEST((r.severity.cls() == SeverityClass::kCompound));
  // The report prints it after the signature, which does not change.
  const size_t signature = r.report.find("\n  signature: not-atomic resize fault:ftruncate,fault:mmap\n");
  const size_t severity = r.report.find("\n  severity: compound (2 faults, ");
  BOOST_TEST(signature != std::string::npos);
  BOOST_TEST(severity > signature);
}

BOOST_AUTO_TEST_CASE(a_cap_of_one_fault_per_operation_stops_the_second) {
  const Run capped = run(kRollback, kTwoFaultsInOneResize, 1);
  BOOST_TEST(!capped.finding);
  BOOST_TEST((capped.severity == Severity{.faults = 1, .max_in_one_call = 1}));
  BOOST_TEST((run(kRollback, kTwoFaultsInOneResize, 2).finding.kind == FindingKind::kNotAtomic));
  // A single failure is still found under the cap.
  BOOST_TEST((run(kNoRollback, kOneFault, 1).finding.kind == FindingKind::kNotAtomic));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
