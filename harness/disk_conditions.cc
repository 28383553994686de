#include "harness/disk_conditions.h"

#include <errno.h>

namespace mapfuzz {

Status DiskConditions::mount(const std::string& dir, uint64_t capacity) {
  const Status status = tmpfs_.mount(dir, capacity);
  capacity_ = capacity;
  unavailable_ = tmpfs_.why_not();
  return status;
}

Status DiskConditions::apply(const faults::OutsideEvent& event, uint32_t step) {
  using faults::OutsideKind;
  if (event.kind == OutsideKind::kDiskFull) {
    if (!tmpfs_.mounted()) return Status(EINVAL, "disk condition");
    if (Status set = tmpfs_.set_free(event.length); !set.ok()) return set;
    full_since_ = step;
    free_bytes_ = event.length;
    return {};
  }
  if (event.kind == OutsideKind::kSizeLimit) {
    // Tried once (and undone at once) so that a limit that cannot be set
    // fails this event, not silently every later call.
    if (const Status limited = faults::FileSizeLimit(event.length).status(); !limited.ok()) return limited;
    limit_since_ = step;
    limit_bytes_ = event.length;
    return {};
  }
  return Status(EINVAL, "disk condition");
}

DiskConditions::LibraryCall::LibraryCall(const DiskConditions* disk) {
  if (!disk || !disk->limited()) return;
  limit_.emplace(disk->limit_bytes_);
  if (!limit_->status().ok()) limit_.reset();
}

DiskConditions::Healthy::Healthy(DiskConditions* disk) : disk_(disk) {
  if (!disk_) return;
  refill_ = disk_->full_since_ >= 0 && disk_->tmpfs_.set_free(disk_->capacity_).ok();
}

DiskConditions::Healthy::~Healthy() {
  if (refill_) (void)disk_->tmpfs_.set_free(disk_->free_bytes_);
}

void DiskConditions::reset() {
  limit_since_ = -1;
  if (full_since_ >= 0) (void)tmpfs_.set_free(capacity_);
  full_since_ = -1;
}

void DiskConditions::ensure_room() {
  // A child forked for one sequence (property tests) may have died with the
  // disk full: this process's own state does not know it.
  if (tmpfs_.mounted() && tmpfs_.free_bytes() < capacity_) (void)tmpfs_.set_free(capacity_);
}

std::string DiskConditions::full_cause() const {
  if (full_since_ < 0) return "";
  return "disk full since step " + std::to_string(full_since_) + " (" + std::to_string(free_bytes_) +
         " bytes left free)";
}

std::string DiskConditions::describe() const {
  std::string out = full_cause();
  if (limited()) {
    if (!out.empty()) out += ", ";
    out += "file size limit (RLIMIT_FSIZE) of " + std::to_string(limit_bytes_) + " bytes since step " +
           std::to_string(limit_since_);
  }
  return out;
}

}  // namespace mapfuzz
