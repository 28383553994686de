// The locks another process holds on the sandbox file and the files beside
// it, as the model knows them: what the outside's kLock events took and its
// kUnlock events let go (faults/outside_event.h). A plain value; it makes
// no system call. The oracle asks it whether the library could have locked
// what its contract says it locks (Contract::locks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faults/outside_event.h"

namespace mapfuzz {

// Which file a lock on the data file is on, as the library sees it.
enum class LockedCopy : uint8_t {
  kLibraryFile,     // the file the library has (or last had) open, at the path
  kOtherFileAtPath, // the file at the path while the library's file is elsewhere (unlinked, replaced)
  kGone,            // a file since unlinked or replaced at the path
};

struct HeldLock {
  faults::LockApi api = faults::LockApi::kFcntl;
  faults::LockMode mode = faults::LockMode::kShared;
  faults::EventFile file = faults::EventFile::kData;
  uint64_t offset = 0;
  uint64_t length = 0;    // 0: to the end of the file and beyond (flock: the whole file)
  // Files beside the data file are never replaced: always kLibraryFile.
  LockedCopy copy = LockedCopy::kLibraryFile;
  // The file the outside locked (device and inode), as it reported it.
  faults::FileId id;
  // "an fcntl exclusive lock on bytes [0, 100) of the data file"
  std::string describe() const;
};

class OutsideLocks {
 public:
  // A kLock event succeeded. A second lock of the same API on the same
  // file is the same owner's: for flock it replaces the first (a
  // conversion); record locks are kept side by side (the kernel merges or
  // converts them; for the questions below that changes nothing).
  // `library_file_at_path`: the data file at the path is the library's.
  // `id`: the file the outside locked.
  void take(const faults::OutsideEvent& lock, bool library_file_at_path, faults::FileId id = {});
  // A kUnlock event succeeded: every lock of `api` on `file` is gone.
  void release(faults::LockApi api, faults::EventFile file);
  // The data file at the path was unlinked or replaced: the locks on it
  // stay on a file no longer there.
  void detach_data_file();
  // The library opened the file at the path, which was not its file: the
  // locks on that file are on the library's file now.
  void library_opened_path_file();
  // No lock is held (the end of a run, or a wait the outside gave up).
  void clear() { held_.clear(); }

  bool any() const { return !held_.empty(); }
  const std::vector<HeldLock>& held() const { return held_; }

  // A lock held on `file` that an exclusive lock of family `api` on
  // [offset, offset+length) (length 0: to the end and beyond) conflicts
  // with; null if none. Only locks on the library's file count, unless
  // `any_copy` (then locks on a file since unlinked or replaced, which the
  // library may still have open, and on the file now at the path count
  // too: they can excuse a failure, never prove a bug).
  const HeldLock* conflicting(faults::LockApi api, faults::EventFile file, uint64_t offset, uint64_t length,
                              bool any_copy = false) const;
  // The same over the locks on the library's file for which `confirmed`
  // (a check of the real file, e.g. that the library holds it open) holds.
  template <typename Confirmed>
  const HeldLock* conflicting_confirmed(faults::LockApi api, faults::EventFile file, uint64_t offset,
                                        uint64_t length, Confirmed confirmed) const {
    for (const HeldLock& h : held_) {
      if (h.copy == LockedCopy::kLibraryFile && conflicts(h, api, file, offset, length) && confirmed(h)) return &h;
    }
    return nullptr;
  }

 private:
  static bool conflicts(const HeldLock& h, faults::LockApi api, faults::EventFile file, uint64_t offset,
                        uint64_t length);
  std::vector<HeldLock> held_;
};

}  // namespace mapfuzz
