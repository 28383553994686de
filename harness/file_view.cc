#include "harness/file_view.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "faults/interpose.h"

namespace mapfuzz::file_view {

bool read_back(const std::string& path, std::vector<uint8_t>* bytes) {
  const int fd = faults::real_open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    bytes->clear();
    return false;
  }
  struct stat st;
  const uint64_t expect = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  bytes->resize(expect + 1);
  uint64_t total = 0;
  for (;;) {
    if (bytes->size() == total) bytes->resize(total + 65536);
    const long n = faults::real_pread(fd, bytes->data() + total, bytes->size() - total, static_cast<int64_t>(total));
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
  }
  faults::real_close(fd);
  bytes->resize(total);
  return true;
}

uint64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
}

}  // namespace mapfuzz::file_view
