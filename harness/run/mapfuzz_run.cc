// mapfuzz-run: any dynamically linked program under mmap faults (run_main.h).
#include <string>
#include <vector>

#include "harness/run/run_main.h"

int main(int argc, char** argv) { return mapfuzz::run::run_main(std::vector<std::string>(argv + 1, argv + argc)); }
