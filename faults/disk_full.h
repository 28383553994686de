// Real "disk full" and "file too large":
//  - LimitedTmpfs mounts a size-limited tmpfs over the sandbox directory in
//    a mount namespace private to this process, so ENOSPC from
//    posix_fallocate/write and SIGBUS on the first touch of a hole page
//    happen for real, at a moment of the harness's choosing (fill_now(),
//    ~1.5 us). The mount lives only in this process's namespace: it
//    vanishes with the process, even after SIGKILL, and is never visible to
//    the rest of the machine.
//  - FileSizeLimit sets RLIMIT_FSIZE for real EFBIG.
#pragma once

#include <sys/resource.h>
#include <signal.h>

#include <cstdint>
#include <string>

#include "faults/status.h"

namespace mapfuzz::faults {

class LimitedTmpfs {
 public:
  LimitedTmpfs() = default;
  // unmount().
  ~LimitedTmpfs();
  LimitedTmpfs(const LimitedTmpfs&) = delete;
  LimitedTmpfs& operator=(const LimitedTmpfs&) = delete;

  // Mounts a tmpfs (mode 0700) with room for `capacity` bytes (rounded up
  // to pages) on the existing directory `dir`, hiding what `dir` held. The
  // first call in a process moves the process into a private mount
  // namespace: unshare(CLONE_NEWNS) as root (with CAP_SYS_ADMIN), else
  // unshare(CLONE_NEWUSER | CLONE_NEWNS) with the same uid and gid mapped;
  // then makes "/" MS_REC|MS_PRIVATE. This is irrevocable and only works
  // while the process is single-threaded: call it from main() or
  // LLVMFuzzerInitialize, before any thread starts, and before starting
  // the outside process (which must share the namespace to see the mount).
  // Returns ok when mounted; then skipped() is false and why_not() "".
  // On failure nothing is mounted (the namespace may have changed) and it
  // returns the errno and name of the call that failed: "unshare" (EINVAL
  // also when threads already run), "uid_map", "gid_map", "mount" (the
  // tmpfs, or making "/" private), "open" or "fallocate" (the reserve
  // page), or EBUSY from "mount" if already mounted. Then skipped() says
  // whether it failed for want of privileges (neither a mount namespace as
  // root nor a user namespace is allowed here: the mode is unavailable,
  // not broken), and why_not() says what happened in words.
  Status mount(const std::string& dir, uint64_t capacity);
  // True iff the last mount() failed for want of mount privileges.
  bool skipped() const { return skipped_; }
  // After a failed mount(): "needs mount privileges: ..." when skipped(),
  // else what failed, with strerror (the fault-modes banner shows it); ""
  // before any mount() and after a successful one.
  const std::string& why_not() const { return why_not_; }

  // Makes the filesystem full now: no block is left for any file (remount
  // with size = current usage). Returns ok, or the failed call's Status
  // (EINVAL from "mount" if not mounted); on failure the size is unchanged.
  Status fill_now();
  // Leaves exactly `bytes` (rounded up to pages) free from now on. Returns
  // ok, or the failed call's Status ("statfs", "mount"; EINVAL from "mount"
  // if not mounted); on failure the size is unchanged.
  Status set_free(uint64_t bytes);
  // Bytes in use by files, and bytes free. 0 if not mounted.
  uint64_t used_bytes() const;
  uint64_t free_bytes() const;

  // Detaches the mount (lazily: open fds and mappings keep working) and
  // forgets it; the process stays in its private namespace. No-op if not
  // mounted. The files on the tmpfs are gone with it.
  void unmount();

  bool mounted() const { return mounted_; }
  const std::string& dir() const { return dir_; }
  // "mount namespace" or "user namespace": how the mount was allowed.
  static const char* how();

 private:
  Status remount(uint64_t size_bytes);
  Status fail(Status status, bool skipped, std::string why);

  std::string dir_;
  bool mounted_ = false;
  bool skipped_ = false;
  std::string why_not_;
  int reserve_fd_ = -1;  // an unnamed file holding one page, so usage is never 0 (size=0 means unlimited)
};

// RAII: real EFBIG. While alive, the process's soft RLIMIT_FSIZE is
// min(max_bytes, hard limit) and SIGXFSZ is ignored (its default action
// kills the process), so growing a file past the limit fails with EFBIG (a
// large write is short first). Process-wide: it also limits the harness's
// own writes (stdout to a file, artifacts, corpus) and in-process outside
// events, so keep it only around a call into the library (the harness does:
// DiskConditions::LibraryCall); the outside process is not limited. Restores the old
// limit and SIGXFSZ action on destruction. Not thread-safe.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(uint64_t max_bytes);
  ~FileSizeLimit();
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

  // Returns ok iff the limit is in effect; else the Status of the call that
  // failed ("getrlimit", "sigaction", "setrlimit"), and nothing changed.
  const Status& status() const { return status_; }
  // Raises the soft limit to the hard one at once, whatever object set it:
  // for a crash handler about to write its reports. Async-signal-safe.
  static void lift_now();

 private:
  struct rlimit old_limit_ {};
  struct sigaction old_action_ {};
  Status status_;
};

}  // namespace mapfuzz::faults
