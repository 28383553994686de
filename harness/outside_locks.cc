#include "harness/outside_locks.h"

#include <algorithm>

namespace mapfuzz {
namespace {

// The end of [offset, offset+length), with length 0 meaning "no end".
uint64_t range_end(uint64_t offset, uint64_t length) {
  return length == 0 || offset > UINT64_MAX - length ? UINT64_MAX : offset + length;
}

}  // namespace

std::string HeldLock::describe() const {
  std::string range;
  if (api == faults::LockApi::kFlock) {
    range = "the whole";
  } else if (length == 0) {
    range = "bytes from " + std::to_string(offset) + " on of the";
  } else {
    range = "bytes [" + std::to_string(offset) + ", " + std::to_string(offset + length) + ") of the";
  }
  std::string which = file == faults::EventFile::kData ? "data file"
                                                        : std::string(faults::event_file_name(file)) + " file";
  if (copy == LockedCopy::kGone) which += " (since unlinked or replaced)";
  if (copy == LockedCopy::kOtherFileAtPath) which += " (the file at the path, not the library's)";
  const char* article = api == faults::LockApi::kFlock ? "a " : "an ";
  return article + std::string(faults::lock_api_name(api)) + " " + faults::lock_mode_name(mode) + " lock on " + range +
         " " + which;
}

void OutsideLocks::take(const faults::OutsideEvent& lock, bool library_file_at_path, faults::FileId id) {
  HeldLock h{.api = lock.lock_api, .mode = lock.lock_mode, .file = lock.file, .offset = lock.offset,
             .length = lock.length, .id = id};
  if (h.file == faults::EventFile::kData && !library_file_at_path) h.copy = LockedCopy::kOtherFileAtPath;
  if (h.api == faults::LockApi::kFlock) {
    h.offset = h.length = 0;
    std::erase_if(held_, [&](const HeldLock& x) { return x.api == h.api && x.file == h.file && x.copy == h.copy; });
  }
  held_.push_back(h);
}

void OutsideLocks::release(faults::LockApi api, faults::EventFile file) {
  std::erase_if(held_, [&](const HeldLock& x) { return x.api == api && x.file == file; });
}

void OutsideLocks::detach_data_file() {
  for (HeldLock& h : held_) {
    if (h.file == faults::EventFile::kData) h.copy = LockedCopy::kGone;
  }
}

void OutsideLocks::library_opened_path_file() {
  for (HeldLock& h : held_) {
    if (h.copy == LockedCopy::kOtherFileAtPath) h.copy = LockedCopy::kLibraryFile;
  }
}

bool OutsideLocks::conflicts(const HeldLock& h, faults::LockApi api, faults::EventFile file, uint64_t offset,
                             uint64_t length) {
  if (h.file != file || !faults::lock_families_meet(api, h.api)) return false;
  if (api == faults::LockApi::kFlock) return true;
  return h.offset < range_end(offset, length) && offset < range_end(h.offset, h.length);
}

const HeldLock* OutsideLocks::conflicting(faults::LockApi api, faults::EventFile file, uint64_t offset,
                                          uint64_t length, bool any_copy) const {
  for (const HeldLock& h : held_) {
    if ((h.copy == LockedCopy::kLibraryFile || any_copy) && conflicts(h, api, file, offset, length)) return &h;
  }
  return nullptr;
}

}  // namespace mapfuzz
