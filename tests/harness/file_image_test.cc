// The lattice of one file: each transition, and that a comparison checks
// exactly what is Known.
#include "harness/file_image.h"

#include <vector>

#include <boost/test/unit_test.hpp>

#include "harness/op.h"

namespace mapfuzz {
namespace {

std::vector<uint8_t> pattern(uint8_t seed, uint64_t offset, uint64_t length) {
  std::vector<uint8_t> v(length);
  fill_pattern(seed, offset, v.data(), length);
  return v;
}

using What = ImageMismatch::What;

BOOST_AUTO_TEST_SUITE(file_image)

BOOST_AUTO_TEST_CASE(a_created_file_is_known_zeros) {
  FileImage f;
  f.create(100);
  BOOST_TEST(f.fully_known());
  BOOST_TEST(f.known(99));
  BOOST_TEST(!f.known(100));
  BOOST_TEST(!f.compare(true, std::vector<uint8_t>(100, 0)));
  BOOST_TEST((f.compare(true, std::vector<uint8_t>(101, 0)).what == What::kSize));
  BOOST_TEST((f.compare(false, {}).what == What::kMissing));
  std::vector<uint8_t> one_off(100, 0);
  one_off[42] = 7;
  const ImageMismatch m = f.compare(true, one_off);
  BOOST_TEST((m.what == What::kByte));
  BOOST_TEST(m.offset == 42u);
  BOOST_TEST(m.got == 7);
}

BOOST_AUTO_TEST_CASE(forgotten_bytes_match_anything_and_are_learned) {
  FileImage f;
  f.create(8192);
  f.forget(4000, 5000);
  BOOST_TEST(!f.known(4000));
  BOOST_TEST(f.known(5000));
  std::vector<uint8_t> seen(8192, 0);
  seen[4500] = 9;
  BOOST_TEST(!f.compare(true, seen));  // an Unknown byte matches anything
  seen[5000] = 9;
  BOOST_TEST((f.compare(true, seen).what == What::kByte));  // a Known one does not
  seen[5000] = 0;
  f.learn(true, seen);
  BOOST_TEST(f.fully_known());
  BOOST_TEST(f.at(4500) == 9);
  seen[4500] = 0;
  BOOST_TEST((f.compare(true, seen).what == What::kByte));  // learned: now checked
}

BOOST_AUTO_TEST_CASE(truncate_then_regrow_reads_zeros) {
  FileImage f;
  f.create(8192);
  f.write_pattern(1, 0, 8192);
  f.resize(100);
  f.resize(8192);
  BOOST_TEST(f.fully_known());
  std::vector<uint8_t> want = pattern(1, 0, 100);
  want.resize(8192, 0);
  BOOST_TEST(!f.compare(true, want));
}

BOOST_AUTO_TEST_CASE(growth_reveals_an_eof_page_that_may_hold_writes_as_unknown) {
  FileImage f;
  f.create(100);
  f.note_writes_past_eof();
  f.resize(10000);
  // The old EOF page's tail [100, 4096) is Unknown; beyond it zeros.
  BOOST_TEST(f.known(99));
  BOOST_TEST(!f.known(100));
  BOOST_TEST(!f.known(4095));
  BOOST_TEST(f.known(4096));
  std::vector<uint8_t> seen(10000, 0);
  seen[200] = 5;
  BOOST_TEST(!f.compare(true, seen));
  seen[4096] = 5;
  BOOST_TEST((f.compare(true, seen).what == What::kByte));
}

BOOST_AUTO_TEST_CASE(a_shrink_clears_the_eof_tail) {
  FileImage f;
  f.create(100);
  f.note_writes_past_eof();
  f.resize(50);  // the kernel zeroes the partial page beyond the new end
  BOOST_TEST(!f.tail_may_hold_writes());
  f.resize(4096);
  BOOST_TEST(f.fully_known());
}

BOOST_AUTO_TEST_CASE(an_unknown_size_is_learned_and_writes_keep_it_unknown) {
  FileImage f;
  f.create(100);
  f.forget_all();
  BOOST_TEST(!f.size_known());
  BOOST_TEST(!f.exists());
  BOOST_TEST(f.may_exist());
  f.write_pattern(3, 10, 20);  // the file's end stays unknown
  BOOST_TEST(!f.size_known());
  std::vector<uint8_t> seen(300, 1);
  BOOST_TEST((f.compare(true, seen).what == What::kByte));  // [10, 30) is Known
  std::copy_n(pattern(3, 10, 20).begin(), 20, seen.begin() + 10);
  BOOST_TEST(!f.compare(true, seen));
  BOOST_TEST(!f.compare(false, {}));  // it may not exist at all
  f.learn(true, seen);
  BOOST_TEST(f.fully_known());
  BOOST_TEST(f.size() == 300u);
}

BOOST_AUTO_TEST_CASE(a_failed_create_allows_the_old_file_absence_or_zeros_up_to_its_size) {
  FileImage f;
  f.create(10);
  f.write_pattern(2, 0, 10);
  f.allow_failed_create(4096);
  BOOST_TEST(!f.compare(true, pattern(2, 0, 10)));
  BOOST_TEST(!f.compare(false, {}));
  BOOST_TEST(!f.compare(true, std::vector<uint8_t>(4096, 0)));
  BOOST_TEST(!f.compare(true, std::vector<uint8_t>(0)));
  BOOST_TEST(bool(f.compare(true, std::vector<uint8_t>(4097, 0))));
  BOOST_TEST(bool(f.compare(true, pattern(9, 0, 10))));
  f.learn(true, std::vector<uint8_t>(4096, 0));  // the observation collapses the disjunction
  BOOST_TEST(f.fully_known());
  BOOST_TEST(f.size() == 4096u);
}

BOOST_AUTO_TEST_CASE(a_failed_create_of_an_absent_file_never_allows_other_bytes) {
  FileImage f;
  f.remove();
  f.allow_failed_create(100);
  BOOST_TEST(!f.compare(false, {}));
  BOOST_TEST(!f.compare(true, std::vector<uint8_t>(100, 0)));
  BOOST_TEST((f.compare(true, pattern(1, 0, 10)).what == What::kUnexpected));
  f.forget_all();  // an event in the middle of the call: anything goes
  BOOST_TEST(!f.compare(true, pattern(1, 0, 10)));
}

BOOST_AUTO_TEST_CASE(a_read_teaches_only_what_was_unknown) {
  FileImage f;
  f.create(64);
  f.forget(8, 16);
  const std::vector<uint8_t> got(32, 0xAB);
  f.learn_range(0, got);
  BOOST_TEST(f.fully_known());
  BOOST_TEST(f.at(8) == 0xAB);
  BOOST_TEST(f.at(0) == 0);  // Known bytes are the oracle's to check, not overwritten
}

BOOST_AUTO_TEST_CASE(unknown_ranges_merge_and_split) {
  FileImage f;
  f.create(100);
  f.forget(10, 20);
  f.forget(30, 40);
  f.forget(15, 35);
  for (uint64_t i = 10; i < 40; ++i) BOOST_TEST(!f.known(i));
  f.write_pattern(1, 20, 5);
  BOOST_TEST(f.known(22));
  BOOST_TEST(!f.known(19));
  BOOST_TEST(!f.known(25));
  f.zero(0, 100);
  BOOST_TEST(f.fully_known());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
