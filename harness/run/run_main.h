// `mapfuzz run [options] -- PROGRAM [ARGS...]`: the whole command, for
// mapfuzz-run's main() and the `run` command of every mapfuzz-<target>.
#pragma once

#include <string>
#include <vector>

namespace mapfuzz::run {

// Runs the command (args without the program name and without "run").
// Returns the exit status (harness/exit_codes.h): 0 no run's verdict is in
// --fail-on; 1 one is; 2 bad options, a program that cannot be started, or
// no preload library; 3 inconclusive (--disk-free without mount privileges).
int run_main(const std::vector<std::string>& args);

}  // namespace mapfuzz::run
