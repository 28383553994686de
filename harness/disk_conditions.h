// The sandbox's disk as programs change it: `outside diskfull free=N` (a
// size-limited tmpfs over the sandbox, filled to leave N bytes) and
// `outside sizelimit size=N` (RLIMIT_FSIZE). Either lasts until the end of
// the run; the executor treats a failure of the library while one holds like
// an injected fault (the file must stay intact), and a SIGBUS under a full
// disk is attributed to it. The size limit is process-wide, so it is in
// effect only while the library is called (LibraryCall below): the
// harness's own output and artifacts are never cut by it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "faults/disk_full.h"
#include "faults/outside_event.h"
#include "faults/status.h"

namespace mapfuzz {

class DiskConditions {
 public:
  // Mounts a tmpfs with room for `capacity` bytes over `dir` (the sandbox
  // directory), in this process's private mount namespace. Call while the
  // process is single-threaded and before the outside process starts (see
  // faults::LimitedTmpfs::mount). Returns ok, or the Status of the call
  // that failed; then disk-full events are skipped, unavailable_reason()
  // says why in words and mount_skipped() whether it was for want of mount
  // privileges (not a breakage); size limits still work.
  Status mount(const std::string& dir, uint64_t capacity);
  bool can_fill() const { return tmpfs_.mounted(); }
  const std::string& unavailable_reason() const { return unavailable_; }
  bool mount_skipped() const { return tmpfs_.skipped(); }

  // Brings about a kDiskFull or kSizeLimit event at program step `step`
  // (a size limit applies from the next LibraryCall on, replacing any
  // earlier one). Returns ok, or the Status of the call that failed, with
  // nothing changed ("mount" or "statfs" for a disk-full event, "getrlimit",
  // "sigaction" or "setrlimit" for a size limit, which is tried once here;
  // EINVAL from "disk condition" for any other kind, or a disk-full event
  // without the tmpfs). Never injected().
  Status apply(const faults::OutsideEvent& event, uint32_t step);
  // Undoes what apply() set: a roomy disk and no size limit again (at the
  // end of a run, before a report). No system call if nothing was applied.
  void reset();
  // Room on the disk whoever filled it (at the start of a run; one statfs).
  void ensure_room();

  // While a LibraryCall lives, the file size limit a program set (if any)
  // is in effect: RLIMIT_FSIZE lowered and SIGXFSZ ignored
  // (faults::FileSizeLimit); on destruction both are as before. Made around
  // each call into the library under test and nowhere else. `disk` may be
  // null (no conditions). If the limit cannot be set the call runs without
  // it (apply() checked it could be). Not thread-safe; not nested.
  class LibraryCall {
   public:
    explicit LibraryCall(const DiskConditions* disk);
    LibraryCall(const LibraryCall&) = delete;
    LibraryCall& operator=(const LibraryCall&) = delete;

   private:
    std::optional<faults::FileSizeLimit> limit_;
  };

  // While a Healthy lives the disk has room; then it is full again. For the
  // oracle's reads through the library, which must see the file as it is,
  // not fail to open it on a full disk. (The size limit holds only inside a
  // LibraryCall, never around these reads.)
  class Healthy {
   public:
    explicit Healthy(DiskConditions* disk);
    ~Healthy();
    Healthy(const Healthy&) = delete;
    Healthy& operator=(const Healthy&) = delete;

   private:
    DiskConditions* disk_;
    bool refill_ = false;
  };

  // A condition holds that can make the library's calls fail for real.
  bool active() const { return full_since_ >= 0 || limited(); }
  // The disk was filled by the program (a SIGBUS may be its doing).
  bool full() const { return full_since_ >= 0; }
  // The program set a file size limit (RLIMIT_FSIZE during library calls).
  bool limited() const { return limit_since_ >= 0; }
  // What holds, for reports: "disk full since step 3 (0 bytes free)",
  // "file size limit 65536 bytes since step 2", both, or "".
  std::string describe() const;
  // Only the disk-full part of describe(): the cause of a SIGBUS.
  std::string full_cause() const;

 private:
  faults::LimitedTmpfs tmpfs_;
  uint64_t capacity_ = 0;
  std::string unavailable_ = "not mounted";
  int64_t full_since_ = -1;
  uint64_t free_bytes_ = 0;
  int64_t limit_since_ = -1;
  uint64_t limit_bytes_ = 0;
};

}  // namespace mapfuzz
