// Reads of the sandbox file as it really is, bypassing the fault layer: what
// the executor observes to check the model and teach it what it did not know.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mapfuzz::file_view {

// Reads the file at one path, again and again during a run, without ever
// closing an fd of it before the run ends: closing any fd of a file drops
// every fcntl lock the process holds on it, so a read by the harness would
// silently take the library's locks away. One fd per file (inode) seen at
// the path; close_all() (or the destructor) closes them once the library is
// gone.
class FileReader {
 public:
  FileReader() = default;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  ~FileReader() { close_all(); }

  // Reads `path` with plain pread into `bytes` (whose capacity is reused).
  // `size_hint` is the size the caller expects: a file of at most that size
  // takes one pread (a short read of a regular file is its end), a larger
  // one more. Returns false (and empties `bytes`) if the file does not
  // exist or cannot be opened.
  bool read_back(const std::string& path, std::vector<uint8_t>* bytes, uint64_t size_hint = 0);
  // Closes every fd it opened.
  void close_all();

 private:
  struct Held {
    int fd;
    uint64_t dev, ino;
  };
  // The fd of the file now at `path` (opened the first time), or -1.
  int fd_for(const std::string& path);
  std::vector<Held> held_;
};

// The size of the file at `path`, or UINT64_MAX if it does not exist.
uint64_t file_size(const std::string& path);

}  // namespace mapfuzz::file_view
