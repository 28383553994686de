// The one Boost.Test main shared by every unit-test executable.
#define BOOST_TEST_MODULE mapfuzz
#include <boost/test/unit_test.hpp>
