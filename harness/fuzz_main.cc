// The libFuzzer entry points shared by every fuzz_<target> executable: decode
// the input into a program, run it, report a finding and abort so that
// libFuzzer saves the input as a crash file. AFL++'s libFuzzer-compatible
// driver (libAFLDriver.a, OSS-Fuzz's FUZZING_ENGINE=afl) calls the same two
// functions; it passes no libFuzzer flags, so -artifact_prefix= never shows.
//
// Exit status (harness/exit_codes.h): under libFuzzer a harness finding
// (abort), a crash, a sanitizer's report, a leak and a timeout all exit with
// ExitCode::kFinding (1): LLVMFuzzerInitialize adds -error_exitcode=1 and
// -timeout_exitcode=1 unless the command line sets them (libFuzzer's own
// defaults, 77 and 70, differ from a sanitizer's 1); in fork mode the
// timeout keeps 70, or the parent would count every finding as a timeout
// (and, ignoring timeouts, not stop at it). A bad MAPFUZZ_* value exits with
// kUsage (2).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "harness/binary_codec.h"
#include "harness/exit_codes.h"
#include "harness/input_balance.h"
#include "harness/options.h"
#include "harness/runtime.h"

namespace {

std::string g_artifact_prefix;

// Blocks that pay for the library instances hazards abandon (harness/
// input_balance.h): about 10 per such run.
constexpr size_t kBalanceReserve = 1 << 16;

#ifdef __AFL_COMPILER
// Built by afl-clang-fast for AFL++'s driver. It installs no sanitizer death
// callback (the harness's may go in), and afl-fuzz keeps every crashing input
// itself while no -artifact_prefix says where a text program could go: none
// is saved (the report prints the program).
constexpr bool kUnderLibFuzzer = false;
constexpr const char* kInputKind = "AFL++ input of ";
constexpr const char* kInputReplay = " bytes (afl-fuzz's crashes/id:* file replays it: fuzz_<target> FILE)";
#else
constexpr bool kUnderLibFuzzer = true;
constexpr const char* kInputKind = "libFuzzer input of ";
constexpr const char* kInputReplay = " bytes (its crash-<sha1> file replays it)";
#endif

// libFuzzer's flags that give the exit-code table's kFinding, added to the
// command line unless it sets them.
constexpr const char* kExitCodeFlags[] = {"-error_exitcode=", "-timeout_exitcode="};

// Appends each of kExitCodeFlags with the value 1 to *argv unless it is
// there. libFuzzer parses its flags after LLVMFuzzerInitialize returns, from
// *argc/*argv. The new array lives until exit.
// True if libFuzzer runs its inputs in child processes (-fork=N, -jobs=N,
// -workers=N with N > 0): the parent tells a child's crash from its timeout
// by their exit codes, so the timeout keeps libFuzzer's own code there.
bool runs_children(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    for (const char* flag : {"-fork=", "-jobs=", "-workers="}) {
      const size_t n = std::strlen(flag);
      if (std::strncmp(argv[i], flag, n) == 0 && std::atoi(argv[i] + n) > 0) return true;
    }
  }
  return false;
}

void add_exit_code_flags(int* argc, char*** argv) {
  static std::vector<std::string> added;
  static std::vector<char*> args;
  const bool children = runs_children(*argc, *argv);
  for (const char* flag : kExitCodeFlags) {
    if (children && std::strcmp(flag, "-timeout_exitcode=") == 0) continue;
    bool given = false;
    for (int i = 1; i < *argc; ++i) given = given || std::strncmp((*argv)[i], flag, std::strlen(flag)) == 0;
    if (!given) added.push_back(std::string(flag) + std::to_string(mapfuzz::exit_status(mapfuzz::ExitCode::kFinding)));
  }
  if (added.empty()) return;
  args.assign(*argv, *argv + *argc);
  for (std::string& a : added) args.push_back(a.data());
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size()) - 1;
  *argv = args.data();
}

}  // namespace

// Set in coverage builds (scripts/coverage, clang's -fprofile-instr-generate):
// the profile is written before abort() ends a run with a finding, so the
// corpus's inputs up to it still count. Null in every other build.
extern "C" int __llvm_profile_write_file(void) __attribute__((weak));

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  bool help = false;
  for (int i = 1; i < *argc; ++i) {
    const char* arg = (*argv)[i];
    if (std::strncmp(arg, "-artifact_prefix=", 17) == 0) g_artifact_prefix = arg + 17;
    if (std::strncmp(arg, "-help=", 6) == 0) help = std::strcmp(arg + 6, "0") != 0;
  }
  if (help) {
    // libFuzzer prints its own flags after this returns, and exits.
    std::fprintf(stderr, "mapfuzz options (environment variables):\n%s\n%s(a finding, a crash, a leak and a timeout exit 1: "
                 "-error_exitcode=1 -timeout_exitcode=1 are added unless given)\n\n",
                 mapfuzz::options_help().c_str(), mapfuzz::kExitCodesHelp);
    return 0;
  }
  // A bad MAPFUZZ_* value is a usage error: the harness prints it and exits
  // with code 2 here, before libFuzzer runs any input, rather than fuzz with
  // a mode the user did not ask for. OSS-Fuzz counts any exit() of a fuzz
  // target as a crash; it sets no MAPFUZZ_* variable, so this cannot fire
  // there.
  mapfuzz::Options::from_environment();
  if (kUnderLibFuzzer) add_exit_code_flags(argc, argv);
  mapfuzz::runtime::executor();  // the sandbox exists before the first input
  mapfuzz::input_balance::install(kBalanceReserve);
  std::fprintf(stderr, "mapfuzz fault modes: %s\n", mapfuzz::runtime::fault_modes().c_str());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mapfuzz;
  static bool hooked = false;
  if (!hooked) {
    // After libFuzzer installed its own handlers, so that ours chain to them.
    runtime::install_crash_hooks(kUnderLibFuzzer);
    hooked = true;
  }
  input_balance::begin_input();
  const Program program = decode_binary(data, size);
  ReportContext context;
  context.mode = "fuzz";
  context.seed = kInputKind + std::to_string(size) + kInputReplay;
  context.artifact_prefix = g_artifact_prefix;
  context.save_on_crash = kUnderLibFuzzer;
  runtime::set_current(&program, &context);
  const Finding finding = runtime::executor().run(program);
  if (finding) {
    runtime::report_finding(finding, context);
    if (__llvm_profile_write_file) __llvm_profile_write_file();
    std::abort();
  }
  runtime::set_current(nullptr, nullptr);
  Executor& executor = runtime::executor();
  const bool abandoned = executor.ended_by_hazard();
  executor.release();
  (void)input_balance::end_input(abandoned);
  return 0;
}
