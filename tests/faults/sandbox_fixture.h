// A Boost.Test fixture for the interposer tests: a fresh temporary root
// holding "sandbox" (activated as the sandbox) and "outside" (not), both
// removed afterwards.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "faults/interpose.h"

namespace mapfuzz::faults {

struct SandboxFixture {
  SandboxFixture() {
    const char* tmp = getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/mapfuzz-test-XXXXXX";
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    root = pattern;
    dir = root + "/sandbox";
    outside = root + "/outside";
    BOOST_REQUIRE(mkdir(dir.c_str(), 0700) == 0);
    BOOST_REQUIRE(mkdir(outside.c_str(), 0700) == 0);
    activate(dir.c_str());
  }
  ~SandboxFixture() {
    deactivate();
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }

  std::string in(const char* name) const { return dir + "/" + name; }
  std::string out(const char* name) const { return outside + "/" + name; }

  static std::vector<CallRecord> records_of(Call call) {
    std::vector<CallRecord> r;
    for (const CallRecord& c : call_log()) {
      if (c.call == call) r.push_back(c);
    }
    return r;
  }

  static off_t size_of(int fd) {
    struct stat st {};
    return fstat(fd, &st) == 0 ? st.st_size : -1;
  }

  std::string root, dir, outside;
};

}  // namespace mapfuzz::faults
