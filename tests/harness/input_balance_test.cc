// harness/input_balance: an input that kept memory on purpose is settled
// from the reserve, block for block; any other excess is left alone; an
// input that frees more refills the reserve.
#include "harness/input_balance.h"

#include <cstdlib>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

constexpr size_t kReserve = 64;

// Allocates `n` blocks the test keeps (as a hazard keeps a library instance).
std::vector<void*> keep(int n) {
  std::vector<void*> kept;
  kept.reserve(static_cast<size_t>(n));  // one malloc more, counted like the rest
  for (int i = 0; i < n; ++i) kept.push_back(std::malloc(8));
  return kept;
}

// Frees the blocks and the vector's buffer (6 frees for keep(5)).
void release(std::vector<void*>& kept) {
  for (void* p : kept) std::free(p);
  std::vector<void*>().swap(kept);
}

BOOST_AUTO_TEST_CASE(kept_memory_is_settled_from_the_reserve) {
  BOOST_REQUIRE_MESSAGE(input_balance::install(kReserve), "the sanitizer runtime offers malloc hooks");
  const size_t before = input_balance::reserve_left();
  BOOST_CHECK_EQUAL(before, kReserve);

  input_balance::begin_input();
  std::vector<void*> kept = keep(5);
  const long freed = input_balance::end_input(/*kept_on_purpose=*/true);
  BOOST_CHECK_EQUAL(freed, 6);  // five blocks and the vector's buffer
  BOOST_CHECK_EQUAL(input_balance::reserve_left(), before - 6);

  // The next input frees them: the reserve is refilled by as many.
  input_balance::begin_input();
  release(kept);
  const long refilled = input_balance::end_input(false);
  BOOST_CHECK_EQUAL(refilled, -6);
  BOOST_CHECK_EQUAL(input_balance::reserve_left(), before);
}

BOOST_AUTO_TEST_CASE(other_excess_is_left_for_the_leak_check) {
  BOOST_REQUIRE(input_balance::install(kReserve));
  const size_t before = input_balance::reserve_left();
  input_balance::begin_input();
  std::vector<void*> kept = keep(3);
  BOOST_CHECK_EQUAL(input_balance::end_input(/*kept_on_purpose=*/false), 0);
  BOOST_CHECK_EQUAL(input_balance::reserve_left(), before);
  release(kept);
}

BOOST_AUTO_TEST_CASE(the_reserve_never_goes_below_empty) {
  BOOST_REQUIRE(input_balance::install(kReserve));
  input_balance::begin_input();
  std::vector<void*> kept = keep(static_cast<int>(kReserve) * 2);
  const long freed = input_balance::end_input(true);
  BOOST_CHECK_LE(static_cast<size_t>(freed), kReserve);
  BOOST_CHECK_EQUAL(input_balance::reserve_left(), 0u);
  input_balance::begin_input();
  release(kept);
  (void)input_balance::end_input(false);
  BOOST_CHECK_EQUAL(input_balance::reserve_left(), kReserve);  // refilled up to its size, no further
}

}  // namespace
}  // namespace mapfuzz
