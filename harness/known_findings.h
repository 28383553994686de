// MAPFUZZ_AVOID_KNOWN (comma-separated names, or "all"): lets an adapter steer
// around a library behaviour already confirmed and recorded in
// docs/FINDINGS.md, so a long fuzz run can get past it. Unset, every library
// is driven exactly as documented.
#pragma once

#include <cstdlib>
#include <string>

namespace mapfuzz {

// True iff the known finding `name` is to be avoided. The environment is
// read once per process: this sits on the adapters' per-call paths.
inline bool avoid_known_finding(const char* name) {
  static const std::string list = [] {
    const char* v = std::getenv("MAPFUZZ_AVOID_KNOWN");
    return v ? std::string(",") + v + "," : std::string();
  }();
  return !list.empty() && (list == ",all," || list.find(std::string(",") + name + ",") != std::string::npos);
}

}  // namespace mapfuzz
