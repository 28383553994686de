// Signatures group the runs of one bug: they keep the kind, the op and the
// typed causes, and drop sizes, offsets, errno values and step numbers.
#include "harness/signature.h"

#include <signal.h>

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

StepRecord step_of(OpKind kind, uint32_t index) {
  StepRecord s;
  s.index = index;
  s.op.kind = kind;
  return s;
}

BOOST_AUTO_TEST_SUITE(signature)

BOOST_AUTO_TEST_CASE(same_bug_different_sizes_errnos_and_steps_share_a_signature) {
  StepRecord a = step_of(OpKind::kResize, 3);
  a.op.size = 4096;
  a.status = Status(EIO, "ftruncate");
  a.causes.add_injected(faults::Call::kFtruncate, EIO);
  StepRecord b = step_of(OpKind::kResize, 7);
  b.op.size = 12345;
  b.status = Status(ENOSPC, "ftruncate");
  b.causes.add_injected(faults::Call::kFtruncate, ENOSPC);
  b.causes.add_injected(faults::Call::kFtruncate, ENOSPC);
  const Finding fa{FindingKind::kNotAtomic, 3, "the file holds 8192 bytes"};
  const Finding fb{FindingKind::kNotAtomic, 7, "the file holds 0 bytes"};
  BOOST_TEST(signature_of(fa, &a).text() == "not-atomic resize fault:ftruncate");
  BOOST_TEST(signature_of(fa, &a).text() == signature_of(fb, &b).text());
}

BOOST_AUTO_TEST_CASE(kind_op_and_cause_each_tell_signatures_apart) {
  StepRecord resize = step_of(OpKind::kResize, 1);
  resize.causes.add_injected(faults::Call::kFtruncate, EIO);
  StepRecord open = step_of(OpKind::kOpen, 1);
  open.causes.add_injected(faults::Call::kFtruncate, EIO);
  StepRecord mmap = step_of(OpKind::kResize, 1);
  mmap.causes.add_injected(faults::Call::kMmap, ENOMEM);
  const Finding not_atomic{FindingKind::kNotAtomic, 1, ""};
  const Finding swallowed{FindingKind::kSwallowedError, 1, ""};
  BOOST_TEST(signature_of(not_atomic, &resize).text() != signature_of(swallowed, &resize).text());
  BOOST_TEST(signature_of(not_atomic, &resize).text() != signature_of(not_atomic, &open).text());
  BOOST_TEST(signature_of(not_atomic, &resize).text() != signature_of(not_atomic, &mmap).text());
}

BOOST_AUTO_TEST_CASE(causes_are_sorted_and_unique) {
  StepRecord s = step_of(OpKind::kWrite, 2);
  s.causes.add_injected(faults::Call::kMsync, EIO);
  s.causes.add_injected(faults::Call::kFallocate, ENOSPC);
  s.causes.add_injected(faults::Call::kMsync, EIO);
  s.causes.set_in_call(faults::OutsideKind::kShrink, 0);
  BOOST_TEST(signature_of({FindingKind::kDataMismatch, 2, ""}, &s).text() ==
             "data-mismatch write fault:fallocate,fault:msync,outside:shrink");
}

BOOST_AUTO_TEST_CASE(an_unexplained_error_names_the_failing_call) {
  StepRecord s = step_of(OpKind::kReopen, 7);
  s.status = Status(EINVAL, "munmap");
  BOOST_TEST(signature_of({FindingKind::kUnexpectedError, 7, ""}, &s).text() == "unexpected-error reopen error:munmap");
  StepRecord adapter = step_of(OpKind::kResize, 2);
  adapter.status = Status(ENOMEM, "mmap.resize: OSError");
  BOOST_TEST(signature_of({FindingKind::kNotAtomic, 2, ""}, &adapter).text() ==
             "not-atomic resize error:mmap.resize:_OSError");
  StepRecord quiet = step_of(OpKind::kResize, 1);
  BOOST_TEST(signature_of({FindingKind::kWrongSize, 1, ""}, &quiet).text() == "wrong-size resize -");
}

BOOST_AUTO_TEST_CASE(a_disk_condition_counts_only_where_it_can_have_caused_the_finding) {
  StepRecord closed = step_of(OpKind::kClose, 5);
  closed.causes.set_disk("disk full since step 1 (0 bytes left free)", true, false);
  BOOST_TEST(signature_of({FindingKind::kLeak, 5, ""}, &closed).text() == "leak close -");
  StepRecord failed = closed;
  failed.op.kind = OpKind::kResize;
  failed.status = Status(ENOSPC, "fallocate");
  BOOST_TEST(signature_of({FindingKind::kNotAtomic, 5, ""}, &failed).text() == "not-atomic resize disk:full");
  StepRecord swallowed = closed;
  swallowed.op.kind = OpKind::kWrite;
  BOOST_TEST(signature_of({FindingKind::kSwallowedError, 5, ""}, &swallowed).text() ==
             "swallowed-error write disk:full");
}

BOOST_AUTO_TEST_CASE(end_of_run_findings_have_no_op) {
  BOOST_TEST(signature_of({FindingKind::kLeak, -1, "1 fd"}, nullptr).text() == "leak end -");
}

BOOST_AUTO_TEST_CASE(a_signal_in_a_call_names_the_signal_and_its_outside_cause) {
  StepRecord s = step_of(OpKind::kWrite, 4);
  s.causes.set_signal("SIGBUS (BUS_ADRERR) at file offset 4096", SIGBUS,
                      OutsideCut{faults::OutsideKind::kShrink, "process", 2, false});
  BOOST_TEST(signature_of({FindingKind::kSignal, 4, ""}, &s).text() == "signal write SIGBUS,cut:shrink");
}

BOOST_AUTO_TEST_CASE(a_crash_inside_a_step_takes_the_faults_that_step_injected) {
  Op resize;
  resize.kind = OpKind::kResize;
  std::vector<faults::CallRecord> log(3);
  log[0] = {faults::Call::kMmap, 3, 0, 0, 0, 0, ENOMEM, true, 1};       // an earlier step
  log[1] = {faults::Call::kFtruncate, 3, 0, 0, 0, 0, EIO, true, 2};     // this step, injected
  log[2] = {faults::Call::kMremap, -1, 0, 0, 0, 0, ENOMEM, false, 2};   // this step, real
  BOOST_TEST(crash_signature(&resize, 2, "SIGSEGV", log).text() == "signal resize SIGSEGV,fault:ftruncate");
  BOOST_TEST(crash_signature(nullptr, 9, "sanitizer", log).text() == "signal end sanitizer");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
