// The oracle's checks are pure: each case builds a model and a step record by
// hand and asks for a verdict.
#include "harness/oracle.h"

#include <signal.h>
#include <sys/mman.h>

#include <vector>

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

const Contract kContract{};

Model open_model(uint64_t size) {
  Model m;
  m.reset();
  const Op open{.kind = OpKind::kOpen, .create = true, .size = size};
  m.follow(open, Outcome::predicted(m.expect(open, kContract)), kContract);
  return m;
}

StepRecord record_of(const Model& m, const Op& op) {
  StepRecord r;
  r.op = op;
  r.expected = m.expect(op, kContract);
  r.model_size_before = m.size();
  r.size_after = r.expected.size_after;
  return r;
}

BOOST_AUTO_TEST_SUITE(oracle_checks)

BOOST_AUTO_TEST_CASE(a_right_answer_passes_and_a_wrong_size_does_not) {
  const Model m = open_model(4096);
  StepRecord r = record_of(m, Op{.kind = OpKind::kResize, .size = 100});
  BOOST_TEST(!oracle::check_step(r, m, {}));
  r.size_after = 4096;
  const Finding f = oracle::check_step(r, m, {});
  BOOST_TEST((f.kind == FindingKind::kWrongSize));
}

BOOST_AUTO_TEST_CASE(an_error_without_a_cause_is_unexpected_and_with_one_excused) {
  const Model m = open_model(4096);
  StepRecord r = record_of(m, Op{.kind = OpKind::kResize, .size = 100});
  r.status = Status(ENOSPC, "posix_fallocate");
  r.size_after = 4096;
  BOOST_TEST((oracle::check_step(r, m, {}).kind == FindingKind::kUnexpectedError));
  r.causes.add_injected(faults::Call::kFallocate, ENOSPC);
  BOOST_TEST(!oracle::check_step(r, m, {}));
  r.size_after = 100;  // failed, yet the library reports the new size
  BOOST_TEST((oracle::check_step(r, m, {}).kind == FindingKind::kNotAtomic));
}

BOOST_AUTO_TEST_CASE(only_a_call_that_failed_makes_a_wrong_success_a_swallowed_error) {
  const Model m = open_model(100);
  StepRecord r = record_of(m, Op{.kind = OpKind::kResize, .size = 200});
  r.size_after = 100;  // success, yet the old size
  r.causes.set_disk("disk full since step 1 (69632 bytes left free)", true, false);
  BOOST_TEST(r.causes.excuses_failure());
  BOOST_TEST((oracle::check_step(r, m, {}).kind == FindingKind::kWrongSize));  // nothing failed: not swallowed
  r.causes.note_failed_call();  // fallocate got ENOSPC for real
  BOOST_TEST((oracle::check_step(r, m, {}).kind == FindingKind::kSwallowedError));
  StepRecord injected = record_of(m, Op{.kind = OpKind::kResize, .size = 200});
  injected.size_after = 100;
  injected.causes.add_injected(faults::Call::kFallocate, ENOSPC);
  BOOST_TEST(injected.causes.call_failed());
  BOOST_TEST((oracle::check_step(injected, m, {}).kind == FindingKind::kSwallowedError));
}

BOOST_AUTO_TEST_CASE(a_signal_alone_excuses_nothing) {
  Causes c;
  c.set_signal("SIGBUS", SIGBUS);
  BOOST_TEST(c.any());
  BOOST_TEST(!c.excuses_failure());
}

BOOST_AUTO_TEST_CASE(a_success_the_contract_forbids_is_a_missing_error) {
  const Model m = open_model(100);
  StepRecord r = record_of(m, Op{.kind = OpKind::kWrite, .offset = 99, .length = 2, .seed = 1});
  BOOST_TEST(r.expected.must_fail);
  BOOST_TEST((oracle::check_step(r, m, {}).kind == FindingKind::kMissingError));
}

BOOST_AUTO_TEST_CASE(a_read_is_checked_where_the_model_knows_the_bytes) {
  Model m = open_model(100);
  const Op write{.kind = OpKind::kWrite, .offset = 0, .length = 100, .seed = 3};
  m.follow(write, Outcome::predicted(m.expect(write, kContract)), kContract);
  const Op read{.kind = OpKind::kRead, .offset = 0, .length = 100};
  StepRecord r = record_of(m, read);
  r.read_got = 100;
  std::vector<uint8_t> got(100);
  fill_pattern(3, 0, got.data(), got.size());
  BOOST_TEST(!oracle::check_step(r, m, got));
  got[50] ^= 1;
  const Finding f = oracle::check_step(r, m, got);
  BOOST_TEST((f.kind == FindingKind::kDataMismatch));
  BOOST_TEST(f.detail.find("offset 50") != std::string::npos);
  // The same byte, once the model does not know it, is not checked.
  m.follow(Op{.kind = OpKind::kResize, .size = 100}, Outcome{.ok = false, .size_after = 100, .unsettled = true},
           kContract);
  BOOST_TEST(!oracle::check_step(r, m, got));
}

BOOST_AUTO_TEST_CASE(contents_checks_name_the_first_difference) {
  FileImage want;
  want.create(10);
  std::vector<uint8_t> got(10, 0);
  BOOST_TEST(!oracle::check_contents(true, got, want, FindingKind::kFileMismatch, -1));
  got[3] = 1;
  Finding f = oracle::check_contents(true, got, want, FindingKind::kNotAtomic, 2);
  BOOST_TEST((f.kind == FindingKind::kNotAtomic));
  BOOST_TEST(f.step == 2);
  BOOST_TEST(f.detail == "file offset 3 holds 0x01, the model 0x00 (file size 10)");
  got.resize(12);
  f = oracle::check_contents(true, got, want, FindingKind::kFileMismatch, -1);
  BOOST_TEST(f.detail == "the file holds more than 10 bytes, the model 10");
  f = oracle::check_contents(false, {}, want, FindingKind::kFileMismatch, -1);
  BOOST_TEST(f.detail == "the file is gone (or cannot be opened) but the model has it");
}

BOOST_AUTO_TEST_CASE(a_failed_create_may_leave_the_old_file_nothing_or_zeros) {
  FileImage want;
  want.create(5);
  want.write_pattern(1, 0, 5);
  want.allow_failed_create(4096);
  const Op op{.kind = OpKind::kOpen, .create = true, .size = 4096};
  BOOST_TEST(!oracle::check_failed_create(op, 0, want, false, {}));
  BOOST_TEST(!oracle::check_failed_create(op, 0, want, true, std::vector<uint8_t>(4096, 0)));
  std::vector<uint8_t> garbage(7, 9);
  const Finding f = oracle::check_failed_create(op, 0, want, true, garbage);
  BOOST_TEST((f.kind == FindingKind::kNotAtomic));
}

BOOST_AUTO_TEST_CASE(sync_must_be_backed_by_msync_or_fsync) {
  Model m = open_model(8192);
  const Op write{.kind = OpKind::kWrite, .offset = 0, .length = 10, .seed = 1};
  m.follow(write, Outcome::predicted(m.expect(write, kContract)), kContract);
  const StepRecord r = record_of(m, Op{.kind = OpKind::kSync});
  std::vector<faults::CallRecord> calls;
  BOOST_TEST((oracle::check_sync_backed(r, m.dirty_pages(), calls, 0).kind == FindingKind::kUnbackedSync));
  calls.push_back(faults::CallRecord{.call = faults::Call::kMsync, .fd = -1, .addr = 0, .length = 4096,
                                     .file_offset = 0, .flags = MS_SYNC, .result_errno = 0, .injected = false,
                                     .tag = 0});
  BOOST_TEST(!oracle::check_sync_backed(r, m.dirty_pages(), calls, 0));
}

BOOST_AUTO_TEST_CASE(leaks_excuse_only_stuck_mappings) {
  BOOST_TEST(!oracle::check_leaks(1, "after close", 0, 1, 1));
  BOOST_TEST((oracle::check_leaks(1, "after close", 1, 0, 0).kind == FindingKind::kLeak));
  BOOST_TEST((oracle::check_leaks(1, "after close", 0, 2, 1).kind == FindingKind::kLeak));
}

BOOST_AUTO_TEST_CASE(a_change_under_another_process_s_lock_breaks_a_lock_promise_only) {
  Model m = open_model(8192);
  Op take{.kind = OpKind::kOutside};
  take.outside.kind = faults::OutsideKind::kLock;
  take.outside.lock_mode = faults::LockMode::kShared;
  take.outside.offset = 4096;
  take.outside.length = 1;
  m.follow(take, Outcome{.ok = true, .size_after = 8192}, kContract);
  Contract promise;
  promise.locks.promise = LockPromise::kErrors;
  const auto yes = [](const HeldLock&) { return true; };
  const StepRecord write = record_of(m, Op{.kind = OpKind::kWrite, .offset = 0, .length = 10});
  BOOST_TEST(!oracle::check_lock_honoured(write, m, kContract, false, yes));  // no promise: nothing to check
  const Finding f = oracle::check_lock_honoured(write, m, promise, false, yes);
  BOOST_TEST((f.kind == FindingKind::kLockIgnored));
  BOOST_TEST(f.detail.find("an fcntl shared lock on bytes [4096, 4097) of the data file") != std::string::npos);
  BOOST_TEST(!oracle::check_lock_honoured(write, m, promise, true, yes));  // the outside let go during the call
  // The real file says the library does not have the locked file open.
  BOOST_TEST(!oracle::check_lock_honoured(write, m, promise, false, [](const HeldLock&) { return false; }));
  StepRecord failed = write;
  failed.status = Status(EAGAIN, "fcntl");
  BOOST_TEST(!oracle::check_lock_honoured(failed, m, promise, false, yes));  // contention reported: right
  const StepRecord read = record_of(m, Op{.kind = OpKind::kRead, .offset = 0, .length = 10});
  BOOST_TEST(!oracle::check_lock_honoured(read, m, promise, false, yes));  // a read changes nothing
  const StepRecord same = record_of(m, Op{.kind = OpKind::kResize, .size = 8192});
  BOOST_TEST(!oracle::check_lock_honoured(same, m, promise, false, yes));
  promise.locks.offset = 0;
  promise.locks.length = 4096;  // the library locks only the first page: no conflict
  BOOST_TEST(!oracle::check_lock_honoured(write, m, promise, false, yes));
  promise.locks.api = faults::LockApi::kFlock;
  promise.locks.length = 0;
  BOOST_TEST(!oracle::check_lock_honoured(write, m, promise, false, yes));  // another family
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
