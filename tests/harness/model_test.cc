// Model::follow, one lattice transition per case: what the model must say
// after outside events, stale views, events inside a call and failures.
#include "harness/model.h"

#include <vector>

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

const Contract kContract{};

Op open_create(uint64_t size) { return Op{.kind = OpKind::kOpen, .create = true, .size = size}; }
Op write_op(uint64_t offset, uint64_t length, uint8_t seed) {
  return Op{.kind = OpKind::kWrite, .offset = offset, .length = length, .seed = seed};
}
Op outside(faults::OutsideKind kind, uint64_t length, uint64_t offset = 0) {
  Op op{.kind = OpKind::kOutside};
  op.outside.kind = kind;
  op.outside.length = length;
  op.outside.offset = offset;
  return op;
}

// Follows `op` as if it did what the model predicts.
void predicted(Model& m, const Op& op) { m.follow(op, Outcome::predicted(m.expect(op, kContract)), kContract); }

std::vector<uint8_t> pattern(uint8_t seed, uint64_t offset, uint64_t length) {
  std::vector<uint8_t> v(length);
  fill_pattern(seed, offset, v.data(), length);
  return v;
}

BOOST_AUTO_TEST_SUITE(model)

BOOST_AUTO_TEST_CASE(success_follows_the_operation) {
  Model m;
  m.reset();
  predicted(m, open_create(8192));
  predicted(m, write_op(10, 100, 4));
  BOOST_TEST(m.is_open());
  BOOST_TEST(m.size() == 8192u);
  BOOST_TEST(m.file().fully_known());
  BOOST_TEST(m.file().at(10) == pattern_byte(4, 10));
  BOOST_TEST(m.dirty_pages().count(0) == 1u);
  predicted(m, Op{.kind = OpKind::kSync});
  BOOST_TEST(m.dirty_pages().empty());
  predicted(m, Op{.kind = OpKind::kResize, .size = 50});
  BOOST_TEST(m.size() == 50u);
  predicted(m, Op{.kind = OpKind::kClose});
  BOOST_TEST(!m.is_open());
}

BOOST_AUTO_TEST_CASE(a_failure_changes_nothing_but_the_open_state) {
  Model m;
  m.reset();
  predicted(m, open_create(4096));
  m.follow(Op{.kind = OpKind::kResize, .size = 100}, Outcome{.ok = false, .size_after = 4096}, kContract);
  BOOST_TEST(m.size() == 4096u);
  BOOST_TEST(m.file().size() == 4096u);
  m.follow(Op{.kind = OpKind::kReopen}, Outcome{.ok = false}, kContract);
  BOOST_TEST(!m.is_open());
  BOOST_TEST(m.exists());
}

BOOST_AUTO_TEST_CASE(an_outside_shrink_makes_the_view_stale_and_a_write_past_it_is_lost) {
  Model m;
  m.reset();
  predicted(m, open_create(8192));
  predicted(m, outside(faults::OutsideKind::kShrink, 100));
  BOOST_TEST(m.view_stale());
  BOOST_TEST(m.size() == 8192u);       // the library's view
  BOOST_TEST(m.file().size() == 100u);  // the file
  // The library writes on its stale view: only [50, 100) reaches the file;
  // the rest of the EOF page stays in the page cache.
  m.follow(write_op(50, 200, 1), Outcome{.ok = true, .size_after = 8192}, kContract);
  BOOST_TEST(m.file().size() == 100u);
  BOOST_TEST(m.file().at(60) == pattern_byte(1, 60));
  BOOST_TEST(m.file().tail_may_hold_writes());
}

BOOST_AUTO_TEST_CASE(regrowth_after_writes_past_eof_leaves_the_tail_unknown) {
  Model m;
  m.reset();
  predicted(m, open_create(8192));
  predicted(m, outside(faults::OutsideKind::kShrink, 100));
  m.follow(write_op(50, 200, 1), Outcome{.ok = true, .size_after = 8192}, kContract);
  predicted(m, outside(faults::OutsideKind::kRegrow, 8192));
  BOOST_TEST(m.file().size() == 8192u);
  BOOST_TEST(m.file().known(99));
  BOOST_TEST(!m.file().known(100));  // may be the library's lost bytes, or zeros
  BOOST_TEST(!m.file().known(4095));
  BOOST_TEST(m.file().known(4096));
  BOOST_TEST(!m.view_stale());
}

BOOST_AUTO_TEST_CASE(a_call_on_a_stale_view_makes_the_file_unknown_until_observed) {
  Model m;
  m.reset();
  predicted(m, open_create(8192));
  predicted(m, outside(faults::OutsideKind::kShrink, 100));
  m.follow(Op{.kind = OpKind::kResize, .size = 4096}, Outcome{.ok = false, .size_after = 8192, .unsettled = true},
           kContract);
  BOOST_TEST(!m.file().size_known());
  BOOST_TEST(!m.file().known(0));
  const std::vector<uint8_t> seen(100, 0);
  m.learn_file(true, seen);
  BOOST_TEST(m.file().fully_known());
  BOOST_TEST(m.file().size() == 100u);
}

BOOST_AUTO_TEST_CASE(an_event_inside_a_failed_create_makes_the_file_unknown) {
  // The false positive of issue 9: another process wrote the file in the
  // middle of a failed "open create"; the bytes it left are not the library's.
  Model m;
  m.reset();
  Op event = outside(faults::OutsideKind::kPwrite, 6016);
  event.outside.seed = 162;
  m.follow(open_create(241664),
           Outcome{.ok = false, .unsettled = true, .in_call = &event.outside, .in_call_ok = true}, kContract);
  BOOST_TEST(!m.is_open());
  BOOST_TEST(!m.path_file().compare(true, pattern(162, 0, 6016)));
  // Without the event the same bytes are a finding.
  Model plain;
  plain.reset();
  plain.follow(open_create(241664), Outcome{.ok = false}, kContract);
  BOOST_TEST(bool(plain.path_file().compare(true, pattern(162, 0, 6016))));
  BOOST_TEST(!plain.path_file().compare(true, std::vector<uint8_t>(4096, 0)));
}

BOOST_AUTO_TEST_CASE(an_event_inside_a_successful_call_follows_the_call) {
  Model m;
  m.reset();
  predicted(m, open_create(4096));
  predicted(m, Op{.kind = OpKind::kClose});
  Op event = outside(faults::OutsideKind::kShrink, 10);
  // The library sized its view after the event (fstat): it reports 10.
  m.follow(Op{.kind = OpKind::kReopen},
           Outcome{.ok = true, .size_after = 10, .unsettled = true, .in_call = &event.outside, .in_call_ok = true},
           kContract);
  BOOST_TEST(m.is_open());
  BOOST_TEST(m.size() == 10u);
}

BOOST_AUTO_TEST_CASE(a_closed_library_has_no_view_to_be_stale) {
  // A failed create the model learned a file from, then an open: the
  // library looks at the file afresh (found by the golden replay of tkrzw).
  Model m;
  m.reset();
  m.follow(open_create(8192), Outcome{.ok = false}, kContract);
  m.learn_file(true, std::vector<uint8_t>(8192, 0));
  BOOST_TEST(!m.view_stale());
  predicted(m, open_create(8192));
  BOOST_TEST(!m.view_stale());
  predicted(m, outside(faults::OutsideKind::kShrink, 10));
  BOOST_TEST(m.view_stale());
  predicted(m, Op{.kind = OpKind::kClose});
  BOOST_TEST(!m.view_stale());
}

BOOST_AUTO_TEST_CASE(a_replaced_file_is_what_the_path_holds_and_a_reopen_takes_it) {
  Model m;
  m.reset();
  predicted(m, open_create(4096));
  predicted(m, write_op(0, 10, 7));
  predicted(m, outside(faults::OutsideKind::kReplace, 300));
  BOOST_TEST(m.is_replaced());
  BOOST_TEST(!m.library_file_at_path());
  BOOST_TEST(m.path_file().size() == 300u);
  BOOST_TEST(m.file().size() == 4096u);  // the library still has the old one
  predicted(m, write_op(0, 10, 8));       // lands in the old file
  BOOST_TEST(m.path_file().at(0) == 0);
  predicted(m, Op{.kind = OpKind::kReopen});
  BOOST_TEST(m.library_file_at_path());
  BOOST_TEST(m.size() == 300u);
}

BOOST_AUTO_TEST_CASE(an_unlinked_file_is_gone_from_the_path_not_from_the_library) {
  Model m;
  m.reset();
  predicted(m, open_create(4096));
  predicted(m, outside(faults::OutsideKind::kUnlink, 0));
  BOOST_TEST(!m.exists());
  BOOST_TEST(m.file().size() == 4096u);
  BOOST_TEST(!m.applicable(Op{.kind = OpKind::kReopen}));
}

BOOST_AUTO_TEST_CASE(a_failed_outside_event_makes_the_path_unknown) {
  Model m;
  m.reset();
  predicted(m, open_create(4096));
  m.follow(outside(faults::OutsideKind::kPwrite, 9000, 100), Outcome{.ok = false}, kContract);
  BOOST_TEST(!m.path_file().size_known());
  m.learn_file(true, std::vector<uint8_t>(5000, 0));
  BOOST_TEST(m.path_file().size() == 5000u);
  BOOST_TEST(m.view_stale());
}

BOOST_AUTO_TEST_CASE(chmod_changes_only_the_mode_and_an_open_for_writing_must_then_fail) {
  Model m;
  m.reset();
  predicted(m, open_create(4096));
  predicted(m, Op{.kind = OpKind::kClose});
  Op chmod = outside(faults::OutsideKind::kChmod, 0);
  chmod.outside.mode = 0444;
  predicted(m, chmod);
  BOOST_TEST(m.mode() == 0444u);
  BOOST_TEST(m.expect(Op{.kind = OpKind::kOpen}, kContract).must_fail);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
