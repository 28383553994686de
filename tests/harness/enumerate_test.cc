// Built with the reference library's swallowed_ftruncate_error mutant (see
// CMakeLists.txt): shrinking ignores ftruncate's result, and nothing else is
// wrong, so exactly the runs that fail an ftruncate must find it.
#include "harness/enumerate.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <boost/test/unit_test.hpp>

#include "harness/sandbox.h"
#include "harness/subject.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

using faults::Call;

Program parse(const char* text) {
  Program p;
  std::string error;
  BOOST_REQUIRE_MESSAGE(parse_program(text, &p, &error), error);
  return p;
}

// Two shrinks, so two ftruncate calls; a fault op that enumeration drops.
constexpr const char* kTwoShrinks =
    "open create size=8192\n"
    "write offset=0 length=100 seed=1\n"
    "fault call=mmap errno=ENOMEM nth=1 persistent\n"
    "resize size=4096\n"
    "resize size=0\n"
    "close\n";

struct Fixture {
  Sandbox sandbox;
  std::string artifacts = sandbox.dir() + "-artifacts";
  Executor executor{this_target(), sandbox.dir()};

  Fixture() { std::filesystem::create_directory(artifacts); }
  ~Fixture() { std::filesystem::remove_all(artifacts); }

  EnumerateOptions silent(ErrnoSet errnos = ErrnoSet::kAll) const {
    EnumerateOptions o;
    o.errnos = errnos;
    o.progress = nullptr;
    o.table = nullptr;
    o.reports = nullptr;
    o.artifact_prefix = artifacts + "/";
    return o;
  }
};

BOOST_AUTO_TEST_SUITE(enumerate)

BOOST_AUTO_TEST_CASE(schedule_covers_every_call_errno_and_mode) {
  CallCounts counts{};
  counts[static_cast<size_t>(Call::kFtruncate)] = 2;
  const auto all = fault_schedule(counts, ErrnoSet::kAll);
  // ftruncate's errnos: EFBIG EIO EINTR EPERM; EINTR only once.
  BOOST_TEST_REQUIRE(all.size() == 2u * 7u);
  BOOST_TEST((all[0].call == Call::kFtruncate && all[0].nth == 1 && all[0].err == EFBIG && !all[0].persistent));
  BOOST_TEST((all[1].err == EFBIG && all[1].persistent));
  BOOST_TEST((all[4].err == EINTR && !all[4].persistent && all[5].err == EPERM));
  BOOST_TEST((all[7].nth == 2 && all[7].err == EFBIG));
  const auto first = fault_schedule(counts, ErrnoSet::kFirst);
  BOOST_TEST(first.size() == 4u);
  BOOST_TEST(fault_schedule(CallCounts{}, ErrnoSet::kAll).empty());
}

BOOST_AUTO_TEST_CASE(strip_faults_keeps_the_other_ops) {
  const Program p = strip_faults(parse(kTwoShrinks));
  BOOST_TEST(p.ops.size() == 5u);
  for (const Op& op : p.ops) BOOST_TEST((op.kind != OpKind::kFault));
}

BOOST_FIXTURE_TEST_CASE(counts_calls_and_dedups_findings, Fixture) {
  Enumerator e(executor, silent());
  e.enumerate("two_shrinks", parse(kTwoShrinks));
  const CallCounts& c = e.last_counts();
  BOOST_TEST(c[static_cast<size_t>(Call::kOpen)] == 1u);
  BOOST_TEST(c[static_cast<size_t>(Call::kFallocate)] == 1u);
  BOOST_TEST(c[static_cast<size_t>(Call::kMmap)] == 1u);
  BOOST_TEST(c[static_cast<size_t>(Call::kFtruncate)] == 2u);
  BOOST_TEST(c[static_cast<size_t>(Call::kMremap)] == 1u);
  BOOST_TEST(c[static_cast<size_t>(Call::kMunmap)] == 1u);
  BOOST_TEST(c[static_cast<size_t>(Call::kClose)] == 1u);
  BOOST_TEST(c[static_cast<size_t>(Call::kMsync)] == 0u);

  const auto schedule = fault_schedule(c, ErrnoSet::kAll);
  BOOST_TEST_REQUIRE(e.last_runs().size() == schedule.size());
  BOOST_TEST(e.total_runs() == schedule.size() + 1);  // and the plain run
  size_t failing = 0;
  for (const EnumeratedRun& r : e.last_runs()) {
    BOOST_TEST(r.fired_step >= 1);  // every scheduled fault fires
    if (r.fault.call == Call::kFtruncate) {
      ++failing;
      BOOST_TEST(finding_name(r.kind) == std::string("swallowed-error"));
      BOOST_TEST(r.distinct == 1u);
      BOOST_TEST(r.fired_step == (r.fault.nth == 1 ? 3 : 4));  // step 0 is the fault op
    } else {
      BOOST_TEST(!r.distinct, finding_name(r.kind) << " with " << format_op(Op{.kind = OpKind::kFault, .fault = r.fault}));
    }
  }
  BOOST_TEST(failing == 14u);

  // Fourteen runs, one bug.
  BOOST_TEST_REQUIRE(e.findings().size() == 1u);
  const DistinctFinding& d = e.findings()[0];
  BOOST_TEST(d.runs == 14u);
  BOOST_TEST((d.site.kind == FindingKind::kSwallowedError && d.site.failing_op == OpKind::kResize &&
              d.site.call == Call::kFtruncate && d.site.fired_in == OpKind::kResize));
  BOOST_TEST(describe(d.site) == "swallowed-error in resize, ftruncate failed in resize");
  BOOST_TEST(d.program_name == "two_shrinks");
  BOOST_TEST((d.faulted && d.fault.nth == 1 && d.fault.err == EFBIG && !d.fault.persistent));
  BOOST_TEST(d.severity.text() == "single (1 fault, 0 outside events, 0 disk conditions, at most 1 in one call)");
  BOOST_TEST_REQUIRE(!d.artifact.empty());

  // The saved program is the fault op followed by the ops up to the finding.
  Program saved;
  std::string text, error;
  {
    FILE* f = std::fopen(d.artifact.c_str(), "r");
    BOOST_TEST_REQUIRE(f != nullptr);
    char buf[4096];
    text.assign(buf, std::fread(buf, 1, sizeof buf, f));
    std::fclose(f);
  }
  BOOST_TEST_REQUIRE(parse_program(text, &saved, &error));
  BOOST_TEST_REQUIRE(saved.ops.size() == 4u);
  BOOST_TEST((saved.ops[0].kind == OpKind::kFault && saved.ops[0].fault.call == Call::kFtruncate));
  BOOST_TEST((saved.ops[3].kind == OpKind::kResize && saved.ops[3].size == 4096u));
  BOOST_TEST((executor.run(saved).kind == FindingKind::kSwallowedError));

  // A second program with the same bug adds runs, not findings.
  e.enumerate("one_shrink", parse("open create size=8192\nresize size=4096\n"));
  BOOST_TEST(e.findings().size() == 1u);
  BOOST_TEST(e.findings()[0].runs == 14u + 7u);
  BOOST_TEST(e.programs() == 2u);
  BOOST_TEST(e.summary() == "enumerated " + std::to_string(e.total_runs()) + " runs over 2 programs: 1 distinct finding");
}

BOOST_FIXTURE_TEST_CASE(errno_set_first_takes_one_errno_per_call, Fixture) {
  Enumerator e(executor, silent(ErrnoSet::kFirst));
  e.enumerate("two_shrinks", parse(kTwoShrinks));
  for (const EnumeratedRun& r : e.last_runs()) {
    size_t n = 0;
    BOOST_TEST(r.fault.err == faults::realistic_errnos(r.fault.call, &n)[0]);
  }
  BOOST_TEST(e.findings().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
