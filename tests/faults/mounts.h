// Whether a mount table (/proc/self/mounts, /proc/<pid>/mounts) lists a
// mount on `dir`: for tests of the private disk-full tmpfs.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace mapfuzz::faults::testing {

inline bool mount_listed(const std::string& mounts_file, const std::string& dir) {
  std::ifstream mounts(mounts_file);
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string source, target;
    fields >> source >> target;
    if (target == dir) return true;
  }
  return false;
}

}  // namespace mapfuzz::faults::testing
