// A fuzz target for artifact_scope_test.sh: every input activates a sandbox
// and arms a persistent ENOSPC on write; a sandbox write must fail and a
// write to stderr must not. An input starting with 'X' then crashes, so
// libFuzzer has to write its crash file with the fault still armed.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "faults/interpose.h"

namespace mf = mapfuzz::faults;

namespace {

std::string g_dir;

[[noreturn]] void fail(const char* what) {
  fprintf(stderr, "ARTIFACT_SCOPE_FAIL: %s (errno %d)\n", what, errno);
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/mapfuzz-scope-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) fail("mkdtemp");
  g_dir = pattern;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mf::activate(g_dir.c_str());
  mf::arm({mf::Call::kWrite, 1, ENOSPC, true});
  const std::string path = g_dir + "/file";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) fail("open in the sandbox");
  if (write(fd, data, size) != -1 || errno != ENOSPC) fail("sandbox write was not faulted");
  static const char kLine[] = "artifact_scope_fuzz: sandbox write failed with ENOSPC as armed\n";
  if (write(STDERR_FILENO, kLine, sizeof kLine - 1) != static_cast<ssize_t>(sizeof kLine - 1)) {
    fail("write to stderr was faulted");
  }
  close(fd);
  if (size > 0 && data[0] == 'X') __builtin_trap();  // the fault is still armed
  mf::deactivate();
  return 0;
}
