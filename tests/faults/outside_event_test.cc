// Outside event names: one per kind, and parsing inverts them.
#include "faults/outside_event.h"

#include <string>

#include <boost/test/unit_test.hpp>

namespace mapfuzz::faults {
namespace {

BOOST_AUTO_TEST_SUITE(outside_event)

BOOST_AUTO_TEST_CASE(names_round_trip) {
  for (size_t i = 0; i < static_cast<size_t>(OutsideKind::kCount); ++i) {
    const auto kind = static_cast<OutsideKind>(i);
    OutsideKind back = OutsideKind::kCount;
    BOOST_TEST(outside_kind_from_name(outside_kind_name(kind), &back));
    BOOST_TEST((back == kind));
  }
  OutsideKind k;
  BOOST_TEST(!outside_kind_from_name("truncate", &k));
  BOOST_TEST(std::string(outside_kind_name(OutsideKind::kCount)) == "unknown");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
