// property_<target>: rapidcheck stateful tests of this_target() under
// Boost.Test. Budget and seed come from RC_PARAMS (e.g.
// RC_PARAMS="max_success=200 seed=1").
#define BOOST_TEST_MODULE mapfuzz_property
#include <rapidcheck/boost_test.h>

#include "harness/property/isolated_run.h"

RC_BOOST_PROP(survives_random_programs, ()) { mapfuzz::property::check_target_survives(false); }

RC_BOOST_PROP(survives_random_programs_with_faults, ()) { mapfuzz::property::check_target_survives(true); }
