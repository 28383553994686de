// property_<target>: rapidcheck stateful tests of this_target() under
// Boost.Test. Budget and seed come from RC_PARAMS (e.g.
// RC_PARAMS="max_success=200 seed=1"); the MAPFUZZ_* options (options.def)
// from the environment. Exits with the table of harness/exit_codes.h: 0 every
// property held, 1 a finding (a failed property), 2 a bad argument or option.
#define BOOST_TEST_MODULE mapfuzz_property
#define BOOST_TEST_NO_MAIN
#include <boost/cstdlib.hpp>
#include <rapidcheck/boost_test.h>

#include <cstdio>
#include <cstring>

#include "harness/exit_codes.h"
#include "harness/options.h"
#include "harness/property/isolated_run.h"
#include "harness/subject.h"

namespace {

// Reads the options before the first test: a bad MAPFUZZ_* value stops the
// run with its message and exit code 2 (as in the other executables) instead
// of failing inside the first property.
struct ReadOptions {
  ReadOptions() { mapfuzz::Options::from_environment(); }
};
BOOST_TEST_GLOBAL_FIXTURE(ReadOptions);

// Boost.Test's result as the exit-code table says it: a failed assertion (a
// property with a finding) is a finding; its other failures (a bad
// --run_test, a setup error) are usage errors.
mapfuzz::ExitCode exit_code_of(int boost_result) {
  if (boost_result == boost::exit_success) return mapfuzz::ExitCode::kClean;
  if (boost_result == boost::exit_test_failure) return mapfuzz::ExitCode::kFinding;
  return mapfuzz::ExitCode::kUsage;
}

}  // namespace

RC_BOOST_PROP(survives_random_programs, ()) { mapfuzz::property::check_target_survives(false); }

RC_BOOST_PROP(survives_random_programs_with_faults, ()) { mapfuzz::property::check_target_survives(true); }

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      static char help[] = "--help";  // Boost.Test knows only --help
      argv[i] = help;
      std::printf("property_%s: rapidcheck stateful tests (RC_PARAMS=\"max_success=N seed=S\"; MAPFUZZ_* options\n"
                  "from the environment, see mapfuzz-%s options). Boost.Test's own options follow.\n%s\n",
                  mapfuzz::this_target().name, mapfuzz::this_target().name, mapfuzz::kExitCodesHelp);
      break;
    }
  }
  return mapfuzz::exit_status(exit_code_of(boost::unit_test::unit_test_main(&init_unit_test, argc, argv)));
}
