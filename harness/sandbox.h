// A run's private directory: created fresh under $TMPDIR (or /dev/shm when
// present and $TMPDIR is unset), removed with everything in it when the
// Sandbox is destroyed, and reaped by the next run if the process was killed.
#pragma once

#include <string>

namespace mapfuzz {

class Sandbox {
 public:
  // Creates "<base>/mapfuzz-<pid>-XXXXXX". Also removes leftover
  // mapfuzz-<pid>-* directories of processes that no longer exist. On failure
  // (unwritable base) prints the reason and the base to stderr and exits(2)
  // outside a fuzzer; `error` (if non-null) receives it and dir() is empty.
  explicit Sandbox(std::string* error = nullptr);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::string& dir() const { return dir_; }
  // Removes everything inside dir() (not dir() itself).
  void clear() const;

  // The base directory chosen: $TMPDIR, else /dev/shm if it is a writable
  // directory, else /tmp.
  static std::string base_dir();

 private:
  std::string dir_;
};

}  // namespace mapfuzz
