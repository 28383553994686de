// The C source every exported program carries (harness/export.h): overrides
// of libc's file and mapping calls that inject the program's faults into
// calls on the data file only, performs outside events (now or right after
// the library's next mmap) and disk conditions, and the checks
// (rt_expect_*) that decide the exit code: 0 correct, 1 the bug is present,
// 3 inconclusive. A C++ export includes it verbatim; a Python export builds
// it as a shared library and runs itself again with LD_PRELOAD.
#pragma once

namespace mapfuzz {

// The runtime's C text (static storage).
const char* export_runtime_source();

}  // namespace mapfuzz
