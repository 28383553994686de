// The exit codes of every mapfuzz executable and script: one table, the same
// for replay, check, enumerate, the fuzz targets (harness findings and
// sanitizer deaths alike), the property tests and scripts/. The Python side
// mirrors it in scripts/lib/mapfuzz_tools/exit_codes.py (a test checks they
// agree).
#pragma once

namespace mapfuzz {

enum class ExitCode : int {
  kClean = 0,         // ran to the end; no finding
  kFinding = 1,       // a finding: the harness's oracle, a crash or a sanitizer report
  kUsage = 2,         // bad command line, bad MAPFUZZ_* value, or an input that is not a program
  kInconclusive = 3,  // no finding, but a fault mode a program needs was unavailable (e.g. disk-full
                      // without mount privileges), so some of its steps were skipped
};

// The value to return from main() or pass to exit().
constexpr int exit_status(ExitCode code) { return static_cast<int>(code); }

// The code of several runs together: a finding outranks an inconclusive run,
// which outranks a clean one. (A usage error stops a command before it runs
// anything, so it is never combined.)
constexpr ExitCode combine(ExitCode a, ExitCode b) {
  auto rank = [](ExitCode c) { return c == ExitCode::kFinding ? 2 : c == ExitCode::kInconclusive ? 1 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

// The table as every --help prints it (ends with a newline).
inline constexpr const char kExitCodesHelp[] =
    "exit status: 0 no finding; 1 a finding (a report, a crash or a sanitizer's report);\n"
    "  2 usage error or bad input (an argument, a MAPFUZZ_* value, a file that is not a program);\n"
    "  3 inconclusive: no finding, but a fault mode a program needs was unavailable here\n"
    "  (its steps were skipped, e.g. disk-full without mount privileges)\n";

}  // namespace mapfuzz
