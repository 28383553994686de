// Causes are typed: the verdicts read flags, reports read describe().
#include "harness/causes.h"

#include <signal.h>

#include <algorithm>

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

BOOST_AUTO_TEST_SUITE(causes)

BOOST_AUTO_TEST_CASE(nothing_recorded_excuses_nothing) {
  const Causes c;
  BOOST_TEST(!c.any());
  BOOST_TEST(!c.excuses_failure());
  BOOST_TEST(c.describe() == "");
}

BOOST_AUTO_TEST_CASE(each_cause_is_a_flag_and_describes_itself_in_a_fixed_order) {
  Causes c;
  c.set_disk("disk full since step 1 (0 bytes left free)", true, false);
  c.set_in_call(faults::OutsideKind::kShrink, ENOSPC);
  c.add_injected(faults::Call::kFtruncate, EIO);
  c.add_injected(faults::Call::kMmap, ENOMEM);
  BOOST_TEST(c.has(Cause::kInjected));
  BOOST_TEST(c.has(Cause::kInCallEvent));
  BOOST_TEST(c.has(Cause::kDiskCondition));
  BOOST_TEST(!c.has(Cause::kChangedUnder));
  BOOST_TEST(c.excuses_failure());
  BOOST_TEST(c.describe() ==
             "ftruncate→EIO, mmap→ENOMEM, outside shrink after mmap failed: ENOSPC, disk full since step 1 (0 "
             "bytes left free)");
}

BOOST_AUTO_TEST_CASE(a_file_changed_under_the_library_names_the_last_cut) {
  Causes c;
  c.set_changed_under(OutsideCut{faults::OutsideKind::kShrink, "process", 2, true});
  BOOST_TEST(c.excuses_failure());
  BOOST_TEST(c.describe() ==
             "the file had changed under the library (outside shrink (process mode) at step 2, fired right after "
             "the library's mmap)");
  Causes none;
  none.set_changed_under(std::nullopt);
  BOOST_TEST(none.describe() == "the file had changed under the library");
}

BOOST_AUTO_TEST_CASE(a_full_sandbox_and_a_signal) {
  Causes c;
  c.set_sandbox_full(4096);
  c.set_signal("SIGBUS (BUS_ADRERR)", SIGBUS);
  BOOST_TEST(c.describe() == "the sandbox filesystem is nearly full (4096 bytes free), SIGBUS (BUS_ADRERR)");
}

BOOST_AUTO_TEST_CASE(tokens_name_each_cause_without_sizes_errnos_or_steps) {
  Causes c;
  c.add_injected(faults::Call::kFtruncate, EIO);
  c.add_injected(faults::Call::kFtruncate, ENOSPC);
  c.set_in_call(faults::OutsideKind::kShrink, 0);
  c.set_disk("file size limit (RLIMIT_FSIZE) of 4096 bytes since step 3", false, true);
  c.set_changed_under(OutsideCut{faults::OutsideKind::kShrink, "process", 2, false});
  c.set_sandbox_full(0);
  c.set_signal("SIGBUS at 4096", SIGBUS, OutsideCut{faults::OutsideKind::kPunchHole, "process", 1, false}, true);
  const std::vector<std::string> want = {"fault:ftruncate", "fault:ftruncate", "outside:shrink", "disk:limit",
                                         "changed-under:shrink", "sandbox-full", "SIGBUS", "cut:punch",
                                         "disk:full"};
  BOOST_TEST(c.tokens() == want, boost::test_tools::per_element());
  BOOST_TEST(Causes().tokens().empty());
}

BOOST_AUTO_TEST_CASE(a_lock_wait_is_told_and_excuses_nothing_contention_excuses) {
  Causes c;
  c.set_lock_waited();
  BOOST_TEST(c.any());
  BOOST_TEST(!c.excuses_failure());
  BOOST_TEST(c.describe() == "the library waited for a lock; the other process let go of its locks");
  c.set_lock_held("an ofd shared lock on the whole data file");
  BOOST_TEST(c.excuses_failure());
  BOOST_TEST(c.describe().find("another process held an ofd shared lock") != std::string::npos);
  const auto t = c.tokens();
  BOOST_TEST((std::find(t.begin(), t.end(), "lock-held") != t.end()));
  BOOST_TEST((std::find(t.begin(), t.end(), "lock-waited") != t.end()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
