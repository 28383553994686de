#include "harness/file_view.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "faults/interpose.h"

namespace mapfuzz::file_view {

int FileReader::fd_for(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  const auto dev = static_cast<uint64_t>(st.st_dev), ino = static_cast<uint64_t>(st.st_ino);
  for (const Held& h : held_) {
    if (h.dev == dev && h.ino == ino) return h.fd;
  }
  const int fd = faults::real_open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (fd >= 0) held_.push_back(Held{fd, dev, ino});
  return fd;
}

bool FileReader::read_back(const std::string& path, std::vector<uint8_t>* bytes, uint64_t size_hint) {
  const int fd = fd_for(path);
  if (fd < 0) {
    bytes->clear();
    return false;
  }
  bytes->resize(size_hint + 1);  // one byte more: a read that fills it means there is more
  uint64_t total = 0;
  for (;;) {
    const long n = faults::real_pread(fd, bytes->data() + total, bytes->size() - total, static_cast<int64_t>(total));
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
    if (total < bytes->size()) break;  // short: the end of the file
    bytes->resize(total + std::max<uint64_t>(total, 65536));
  }
  bytes->resize(total);
  return true;
}

void FileReader::close_all() {
  for (const Held& h : held_) faults::real_close(h.fd);
  held_.clear();
}

uint64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
}

}  // namespace mapfuzz::file_view
