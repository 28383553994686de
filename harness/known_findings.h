// MAPFUZZ_AVOID_KNOWN (options.def: comma-separated names, or "all"): lets an
// adapter steer around a library behaviour already confirmed and recorded in
// docs/FINDINGS.md, so a long fuzz run can get past it. Unset, every library
// is driven exactly as documented.
#pragma once

#include "harness/options.h"

namespace mapfuzz {

// True iff the known finding `name` is to be avoided. The options are read
// once per process (Options::from_environment() caches them): this sits on
// the adapters' per-call paths.
inline bool avoid_known_finding(const char* name) { return Options::from_environment().avoids(name); }

}  // namespace mapfuzz
