#include "harness/artifact_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mapfuzz {
namespace {

// While alive, SIGXFSZ is ignored: writing past RLIMIT_FSIZE fails with
// EFBIG instead of ending the process.
class IgnoreFileSizeSignal {
 public:
  IgnoreFileSizeSignal() {
    struct sigaction ignore;
    std::memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    saved_ = ::sigaction(SIGXFSZ, &ignore, &old_) == 0;
  }
  ~IgnoreFileSizeSignal() {
    if (saved_) ::sigaction(SIGXFSZ, &old_, nullptr);
  }
  IgnoreFileSizeSignal(const IgnoreFileSizeSignal&) = delete;
  IgnoreFileSizeSignal& operator=(const IgnoreFileSizeSignal&) = delete;

 private:
  struct sigaction old_ {};
  bool saved_ = false;
};

std::string temporary_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + base + ".tmp-" + std::to_string(::getpid());
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view data) {
  IgnoreFileSizeSignal no_sigxfsz;
  const std::string tmp = temporary_name(path);
  // "x": O_EXCL, never through a stale temporary someone else left.
  FILE* f = std::fopen(tmp.c_str(), "wxe");
  if (!f && errno == EEXIST && ::unlink(tmp.c_str()) == 0) f = std::fopen(tmp.c_str(), "wxe");
  if (!f) return Status::from_unfaulted_errno("open");
  Status status;
  errno = 0;
  if (std::fwrite(data.data(), 1, data.size(), f) != data.size() || std::fflush(f) != 0) {
    status = Status(errno ? errno : EIO, "write");
  }
  if (std::fclose(f) != 0 && status.ok()) status = Status::from_unfaulted_errno("close");
  if (status.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) status = Status::from_unfaulted_errno("rename");
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

std::string write_error(const std::string& path, const Status& status) {
  return "cannot write " + path + ": " + std::strerror(status.code());
}

}  // namespace mapfuzz
