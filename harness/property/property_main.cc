// property_<target>: rapidcheck stateful tests of this_target() under
// Boost.Test. Budget and seed come from RC_PARAMS (e.g.
// RC_PARAMS="max_success=200 seed=1"); the MAPFUZZ_* options (options.def)
// from the environment.
#define BOOST_TEST_MODULE mapfuzz_property
#include <rapidcheck/boost_test.h>

#include "harness/options.h"
#include "harness/property/isolated_run.h"

namespace {

// Reads the options before the first test: a bad MAPFUZZ_* value stops the
// run with its message and exit code 2 (as in the other executables) instead
// of failing inside the first property.
struct ReadOptions {
  ReadOptions() { mapfuzz::Options::from_environment(); }
};
BOOST_TEST_GLOBAL_FIXTURE(ReadOptions);

}  // namespace

RC_BOOST_PROP(survives_random_programs, ()) { mapfuzz::property::check_target_survives(false); }

RC_BOOST_PROP(survives_random_programs_with_faults, ()) { mapfuzz::property::check_target_survives(true); }
