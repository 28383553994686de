// Tests of harness/run/run_verdict.cc, run_trace.cc and run_plan.cc: the
// verdict of a run from how it ended and what the preload recorded, the
// records' parser, and the text forms of --fault and --outside.
#include "harness/run/run_verdict.h"

#include <signal.h>

#include <cerrno>
#include <ostream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "harness/run/run_plan.h"
#include "harness/run/run_trace.h"

namespace mapfuzz::run {
std::ostream& operator<<(std::ostream& out, Verdict v) { return out << verdict_name(v); }
namespace {

RunResult exited(int code, std::string err = "") {
  RunResult r;
  r.end = RunResult::End::kExited;
  r.exit_code = code;
  r.err = std::move(err);
  return r;
}

const char* kFailedFtruncate =
    "start 42\n"
    "call open 1 3 0 0 0 0 /tmp/s/data.bin\n"
    "call ftruncate 1 3 0 16384 28 1 /tmp/s/data.bin\n"
    "stack mmap.so+0x2b00 mmap_resize\n"
    "pystack-begin\n"
    "Stack (most recent call first):\n"
    "  File \"/x/resize.py\", line 23 in main\n"
    "  File \"/x/resize.py\", line 37 in <module>\n"
    "pystack-end\n"
    "call ftruncate 2 3 0 16384 28 1 /tmp/s/data.bin\n"
    "stack other+0x1 later\n";

BOOST_AUTO_TEST_CASE(trace_keeps_the_first_injected_calls_stacks) {
  const Trace t = parse_trace(kFailedFtruncate);
  BOOST_TEST(t.started);
  BOOST_REQUIRE_EQUAL(t.calls.size(), 3u);
  BOOST_TEST(t.first_injected == 1);
  BOOST_TEST(t.calls[1].err == ENOSPC);
  BOOST_TEST(t.calls[1].path == "/tmp/s/data.bin");
  BOOST_TEST(t.counts[static_cast<size_t>(faults::Call::kFtruncate)] == 2u);
  BOOST_REQUIRE_EQUAL(t.stack.size(), 1u);
  BOOST_TEST(t.stack[0] == "mmap.so+0x2b00 mmap_resize");
  BOOST_REQUIRE_EQUAL(t.pystack.size(), 2u);
  BOOST_TEST(t.pystack[0] == "File \"/x/resize.py\", line 23 in main");
}

BOOST_AUTO_TEST_CASE(trace_reads_the_signal_and_its_mapping) {
  const Trace t = parse_trace("start 1\nsignal 7 2 0x7f0000003000 3 12288 16384 /tmp/s/data.bin\n");
  BOOST_REQUIRE(t.has_signal);
  BOOST_TEST(t.signal.signo == SIGBUS);
  BOOST_TEST(t.signal.scoped);
  BOOST_TEST(t.signal.offset == 12288u);
  BOOST_TEST(t.signal.size == 16384);
  BOOST_TEST(t.signal.path == "/tmp/s/data.bin");
  const Trace u = parse_trace("signal 11 1 0x10 -1 0 -1 -\n");
  BOOST_TEST(!u.signal.scoped);
}

BOOST_AUTO_TEST_CASE(an_error_in_the_output_is_reported_and_silence_is_swallowed) {
  const Trace t = parse_trace(kFailedFtruncate);
  BOOST_TEST(judge(exited(0, "OSError: [Errno 28] No space left on device\n"), t, {}) == Verdict::kReported);
  BOOST_TEST(judge(exited(0, "failed: ENOSPC\n"), t, {}) == Verdict::kReported);
  BOOST_TEST(judge(exited(0, "all good\n"), t, {}) == Verdict::kSwallowed);
  BOOST_TEST(judge(exited(1), t, {}) == Verdict::kReported);
  BOOST_TEST(judge(exited(0), parse_trace("call open 1 3 0 0 0 0 x\n"), {}) == Verdict::kClean);
}

BOOST_AUTO_TEST_CASE(only_failures_the_run_provoked_count) {
  // A probe for a missing file (ENOENT) is the program's business: clean.
  const Trace probe = parse_trace("call open 1 -1 0 0 2 0 cache\ncall open 2 3 0 0 0 0 data\n");
  BOOST_TEST(judge(exited(0), probe, {}) == Verdict::kClean);
  // Real ENOSPC counts on a full disk, real EFBIG under a size limit, anything after an event.
  const Trace full = parse_trace("call write 1 3 0 4096 28 0 data\n");
  BOOST_TEST(judge(exited(0), full, {}) == Verdict::kClean);
  BOOST_TEST(judge(exited(0), full, {.disk_full = true}) == Verdict::kSwallowed);
  const Trace big = parse_trace("call ftruncate 1 3 0 8192 27 0 data\n");
  BOOST_TEST(judge(exited(0), big, {.size_limit = true}) == Verdict::kSwallowed);
  const Trace moved = parse_trace("event 0 1 data\ncall open 3 -1 0 0 2 0 data\n");
  BOOST_TEST(moved.calls[0].after_event);
  BOOST_TEST(judge(exited(0), moved, {}) == Verdict::kSwallowed);
}

BOOST_AUTO_TEST_CASE(errno_names_match_whole_words_only) {
  BOOST_TEST(names_errno("error EIO here", EIO));
  BOOST_TEST(!names_errno("EIOX and XEIO", EIO));
  BOOST_TEST(!names_errno("[Errno 280]", 28));
  BOOST_TEST(!names_errno("nothing", ENOSPC));
}

BOOST_AUTO_TEST_CASE(signals_timeouts_and_checks_rank_above_the_exit_status) {
  const Trace t = parse_trace(kFailedFtruncate);
  RunResult crashed;
  crashed.end = RunResult::End::kSignaled;
  crashed.signo = SIGBUS;
  BOOST_TEST(judge(crashed, t, {}) == Verdict::kCrashed);
  RunResult hung;
  hung.end = RunResult::End::kTimedOut;
  BOOST_TEST(judge(hung, t, {}) == Verdict::kHung);
  RunResult checked = exited(1);
  checked.check_ran = true;
  checked.check_status = 1 << 8;
  BOOST_TEST(judge(checked, t, {}) == Verdict::kCheckFailed);
  checked.check_status = 0;
  BOOST_TEST(judge(checked, t, {}) == Verdict::kReported);
}

BOOST_AUTO_TEST_CASE(fault_and_event_texts_round_trip) {
  faults::FaultSpec f;
  std::string error;
  BOOST_REQUIRE(parse_fault("call=ftruncate errno=ENOSPC nth=2 once", &f, &error));
  BOOST_TEST((f.call == faults::Call::kFtruncate));
  BOOST_TEST(f.err == ENOSPC);
  BOOST_TEST(f.nth == 2);
  BOOST_TEST(format_fault(f) == "call=ftruncate errno=ENOSPC nth=2 once");
  PlannedEvent e;
  BOOST_REQUIRE(parse_event("shrink size=0 after-mmap=3", &e, &error));
  BOOST_TEST(e.after == 3u);
  BOOST_TEST(format_event(e) == "shrink size=0 after-mmap=3");
  BOOST_TEST(!parse_event("shrink size=0 after-mmap=0", &e, &error));
  BOOST_REQUIRE(parse_event("punch offset=0 length=4096 after-call=7", &e, &error));
  BOOST_TEST((e.trigger == Trigger::kAfterCall));
  BOOST_TEST(format_event(e) == "punch offset=0 length=4096 after-call=7");
  BOOST_TEST(!parse_event("diskfull free=0", &e, &error));
  BOOST_REQUIRE(parse_event("lock kind=ofd mode=shared offset=0 length=0 file=lock after-mmap=2", &e, &error));
  BOOST_TEST((e.event.kind == faults::OutsideKind::kLock && e.event.file == faults::EventFile::kLock));
  BOOST_TEST(!parse_fault("call=nope errno=EIO nth=1 once", &f, &error));
  BOOST_TEST(error.find("nope") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verdict_names_round_trip) {
  for (int i = 0; i < static_cast<int>(Verdict::kCount); ++i) {
    Verdict v;
    BOOST_REQUIRE(verdict_from_name(verdict_name(static_cast<Verdict>(i)), &v));
    BOOST_TEST(static_cast<int>(v) == i);
  }
}

}  // namespace
}  // namespace mapfuzz::run
