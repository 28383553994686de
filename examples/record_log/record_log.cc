// record_log: a small command-line tool built on the reference mapping
// library (targets/reference/mapped_file.h), the kind of program `mapfuzz
// run` tests without an adapter. It appends numbered 512-byte records to a
// file through the mapping, growing the file a page at a time and syncing
// each full page; `verify` checks a file it wrote.
//   record_log write FILE N    exit 0: all N written and synced; 1: an error (printed)
//   record_log verify FILE N   exit 0: the file holds the N records; 1: it does not
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "targets/reference/mapped_file.h"

namespace {

constexpr uint64_t kRecord = 512;
constexpr uint64_t kPage = 4096;

std::vector<uint8_t> record(uint64_t i) {
  std::vector<uint8_t> r(kRecord, static_cast<uint8_t>('a' + i % 26));
  std::snprintf(reinterpret_cast<char*>(r.data()), 32, "record %llu", static_cast<unsigned long long>(i));
  return r;
}

int fail(const char* what, const mapfuzz::Status& s) {
  std::fprintf(stderr, "record_log: %s: %s\n", what, s.describe().c_str());
  return 1;
}

int write_log(const std::string& path, uint64_t n) {
  mapfuzz::reference::MappedFile file;
  if (auto s = file.open(path, true, 0); !s.ok()) return fail("open", s);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t end = (i + 1) * kRecord;
    if (end > file.size()) {
      if (auto s = file.resize((end + kPage - 1) / kPage * kPage); !s.ok()) return fail("resize", s);
    }
    const std::vector<uint8_t> r = record(i);
    if (auto s = file.write(i * kRecord, r); !s.ok()) return fail("write", s);
    if (end % kPage == 0) {
      if (auto s = file.sync(end - kPage, kPage); !s.ok()) return fail("sync", s);
    }
  }
  if (auto s = file.sync(0, 0); !s.ok()) return fail("sync", s);
  if (auto s = file.close(); !s.ok()) return fail("close", s);
  std::printf("record_log: wrote %llu records\n", static_cast<unsigned long long>(n));
  return 0;
}

int verify_log(const std::string& path, uint64_t n) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::perror("record_log: verify"), 1;
  std::vector<uint8_t> got(kRecord);
  for (uint64_t i = 0; i < n; ++i) {
    if (::pread(fd, got.data(), kRecord, static_cast<off_t>(i * kRecord)) != static_cast<ssize_t>(kRecord) ||
        got != record(i)) {
      std::fprintf(stderr, "record_log: record %llu is wrong\n", static_cast<unsigned long long>(i));
      ::close(fd);
      return 1;
    }
  }
  ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::strcmp(argv[1], "write") != 0 && std::strcmp(argv[1], "verify") != 0)) {
    std::fprintf(stderr, "usage: record_log write|verify FILE N\n");
    return 2;
  }
  const uint64_t n = std::strtoull(argv[3], nullptr, 10);
  return std::strcmp(argv[1], "write") == 0 ? write_log(argv[2], n) : verify_log(argv[2], n);
}
