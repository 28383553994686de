// The libFuzzer entry points shared by every fuzz_<target> executable: decode
// the input into a program, run it, report a finding and abort so that
// libFuzzer saves the input as a crash file.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "harness/binary_codec.h"
#include "harness/options.h"
#include "harness/runtime.h"

namespace {

std::string g_artifact_prefix;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  bool help = false;
  for (int i = 1; i < *argc; ++i) {
    const char* arg = (*argv)[i];
    if (std::strncmp(arg, "-artifact_prefix=", 17) == 0) g_artifact_prefix = arg + 17;
    if (std::strncmp(arg, "-help=", 6) == 0) help = std::strcmp(arg + 6, "0") != 0;
  }
  if (help) {
    // libFuzzer prints its own flags after this returns, and exits.
    std::fprintf(stderr, "mapfuzz options (environment variables):\n%s\n", mapfuzz::options_help().c_str());
    return 0;
  }
  // A bad MAPFUZZ_* value is a usage error: the harness prints it and exits
  // with code 2 here, before libFuzzer runs any input, rather than fuzz with
  // a mode the user did not ask for. OSS-Fuzz counts any exit() of a fuzz
  // target as a crash; it sets no MAPFUZZ_* variable, so this cannot fire
  // there.
  mapfuzz::Options::from_environment();
  mapfuzz::runtime::executor();  // the sandbox exists before the first input
  std::fprintf(stderr, "mapfuzz fault modes: %s\n", mapfuzz::runtime::fault_modes().c_str());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mapfuzz;
  static bool hooked = false;
  if (!hooked) {
    // After libFuzzer installed its own handlers, so that ours chain to them.
    runtime::install_crash_hooks(/*under_libfuzzer=*/true);
    hooked = true;
  }
  const Program program = decode_binary(data, size);
  ReportContext context;
  context.mode = "fuzz";
  context.seed = "libFuzzer input of " + std::to_string(size) + " bytes (its crash-<sha1> file replays it)";
  context.artifact_prefix = g_artifact_prefix;
  context.save_on_crash = true;
  runtime::set_current(&program, &context);
  const Finding finding = runtime::executor().run(program);
  if (finding) {
    runtime::report_finding(finding, context);
    std::abort();
  }
  runtime::set_current(nullptr, nullptr);
  return 0;
}
