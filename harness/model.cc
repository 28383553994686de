#include "harness/model.h"

#include <algorithm>

namespace mapfuzz {
namespace {

bool in_bounds(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

}  // namespace

bool modifies_file(OpKind kind) {
  return kind == OpKind::kOpen || kind == OpKind::kReopen || kind == OpKind::kResize ||
         kind == OpKind::kWrite || kind == OpKind::kClose || kind == OpKind::kSync;
}

bool calls_library(OpKind kind) { return kind != OpKind::kFault && kind != OpKind::kOutside; }

bool Model::applicable(const Op& op) const {
  switch (op.kind) {
    case OpKind::kOpen:
      return !open_ && (op.create || exists());
    case OpKind::kReopen:
      return exists();
    case OpKind::kResize:
    case OpKind::kWrite:
    case OpKind::kRead:
    case OpKind::kSync:
    case OpKind::kClose:
      return open_;
    case OpKind::kFault:
    case OpKind::kOutside:
      return true;
    case OpKind::kCount:
      break;
  }
  return false;
}

void Model::reset() {
  lib_.remove();
  other_.remove();
  dirty_.clear();
  lib_size_ = 0;
  mode_ = 0644;
  path_is_lib_ = true;
  open_ = false;
  locks_.clear();
}

Expectation Model::expect(const Op& op, const Contract& contract) const {
  Expectation e;
  e.size_after = size();
  switch (op.kind) {
    case OpKind::kOpen:
    case OpKind::kReopen: {
      const bool create = op.kind == OpKind::kOpen && op.create;
      e.size_after = create ? op.size : path_file().size();
      e.must_fail = e.size_after == 0 && !contract.opens_empty_file;
      // Opening an existing read-only file for writing (the harness drops
      // root's override for it) fails with EACCES.
      if (exists() && (mode_ & 0200) == 0) e.must_fail = true;
      if (e.must_fail) e.size_after = 0;
      break;
    }
    case OpKind::kResize:
      e.size_after = op.size;
      e.must_fail = op.size == 0 && !contract.resizes_to_zero;
      if (e.must_fail) e.size_after = size();
      break;
    case OpKind::kWrite:
      if (!in_bounds(op.offset, op.length, size())) {
        if (contract.write_past_end == PastEnd::kGrows && op.offset <= UINT64_MAX - op.length) {
          e.size_after = op.offset + op.length;
        } else {
          e.must_fail = true;
        }
      }
      break;
    case OpKind::kRead:
      if (in_bounds(op.offset, op.length, size())) {
        e.read_length = op.length;
      } else if (contract.read_past_end == PastEnd::kShort) {
        e.read_length = op.offset < size() ? size() - op.offset : 0;
      } else {
        e.must_fail = true;
      }
      break;
    case OpKind::kClose:
      e.size_after = 0;
      break;
    case OpKind::kSync:
    case OpKind::kFault:
    case OpKind::kOutside:
    case OpKind::kCount:
      break;
  }
  return e;
}

void Model::follow(const Op& op, const Outcome& o, const Contract& contract) {
  switch (op.kind) {
    case OpKind::kOpen:
    case OpKind::kReopen:
      follow_open(op, o);
      break;
    case OpKind::kResize:
      if (!o.ok) break;
      lib_.resize(op.size);
      lib_size_ = op.size;
      trim_dirty(op.size);
      break;
    case OpKind::kWrite:
      if (o.ok) follow_write(op);
      break;
    case OpKind::kRead:
      if (o.ok) lib_.learn_range(op.offset, o.read);
      break;
    case OpKind::kSync:
      if (o.ok) follow_sync(op, contract);
      break;
    case OpKind::kClose:
      open_ = false;
      break;
    case OpKind::kOutside:
      if (!op.after_mmap) follow_event(op.outside, o.ok, o.locked);
      break;
    case OpKind::kFault:
    case OpKind::kCount:
      break;
  }
  if (o.locks_released) locks_.clear();
  if (o.in_call) {
    if (o.in_call_ok) follow_event(*o.in_call, true, o.locked);
    // The library may have looked at the file after the event (fstat).
    if (o.ok && open_) lib_size_ = o.size_after;
  }
  if (o.unsettled && calls_library(op.kind)) {
    lib_.note_writes_past_eof();
    if (modifies_file(op.kind) || o.in_call) {
      lib_.forget_all();
      if (!path_is_lib_) other_.forget_all();  // it may have acted on the path too (a reopen)
    }
  }
}

void Model::follow_open(const Op& op, const Outcome& o) {
  const bool create = op.kind == OpKind::kOpen && op.create;
  if (!path_is_lib_ && (o.ok || create)) {  // the library now opens (or makes) the file at the path
    lib_ = other_;
    path_is_lib_ = true;
    locks_.library_opened_path_file();
  }
  if (!o.ok) {
    open_ = false;
    if (create) {
      dirty_.clear();
      lib_.allow_failed_create(op.size);
    }
    return;
  }
  if (create) {
    if (!lib_.exists()) mode_ = 0644;
    lib_.create(op.size);
  }
  dirty_.clear();
  lib_size_ = lib_.size_known() ? lib_.size() : o.size_after;
  open_ = true;
}

void Model::follow_write(const Op& op) {
  const uint64_t end = op.offset + op.length;
  if (end > lib_size_) {  // a write that grows the file (PastEnd::kGrows)
    lib_size_ = end;
    lib_.resize(end);
  }
  if (!lib_.size_known()) {  // the file's end is unknown: so is what landed
    lib_.forget(op.offset, end);
    mark_dirty(op.offset, op.length);
    return;
  }
  // Bytes beyond the file's end (shrunk by another process) are lost to the
  // file; inside its EOF page the page cache keeps them.
  const uint64_t size = lib_.size();
  const uint64_t kept = end <= size ? op.length : size > op.offset ? size - op.offset : 0;
  lib_.write_pattern(op.seed, op.offset, kept);
  if (kept < op.length && size % kPageSize != 0) lib_.note_writes_past_eof();
  mark_dirty(op.offset, kept);
}

void Model::follow_sync(const Op& op, const Contract& contract) {
  if (op.length == 0 || !contract.syncs_ranges) {
    dirty_.clear();
    return;
  }
  const uint64_t first = op.offset / kPageSize;
  const uint64_t end = op.offset > UINT64_MAX - op.length ? UINT64_MAX : op.offset + op.length;
  const uint64_t last = (end - 1) / kPageSize;
  dirty_.erase(dirty_.lower_bound(first), dirty_.upper_bound(last));
}

void Model::follow_event(const faults::OutsideEvent& e, bool ok, faults::FileId locked) {
  using faults::OutsideKind;
  FileImage& file = path_image();
  if (!ok) {  // it may have done part of its work (a pwrite on a full disk); a lock did nothing
    if (!faults::is_disk_condition(e.kind) && !faults::is_lock_event(e.kind) && file.may_exist()) file.forget_all();
    return;
  }
  switch (e.kind) {
    case OutsideKind::kShrink:
    case OutsideKind::kRegrow:
    case OutsideKind::kExtend:
      file.resize(e.length);
      if (path_is_lib_) trim_dirty(e.length);
      break;
    case OutsideKind::kPunchHole:
      file.zero(e.offset, e.length);
      break;
    case OutsideKind::kPwrite:
      file.write_pattern(e.seed, e.offset, e.length);
      break;
    case OutsideKind::kChmod:
      mode_ = e.mode;
      break;
    case OutsideKind::kLock:
      locks_.take(e, path_is_lib_, locked);
      break;
    case OutsideKind::kUnlock:
      locks_.release(e.lock_api, e.file);
      break;
    case OutsideKind::kUnlink:
      locks_.detach_data_file();
      path_is_lib_ = false;
      other_.remove();
      mode_ = 0644;  // a file made at the path later gets the default mode
      break;
    case OutsideKind::kReplace:
      locks_.detach_data_file();
      path_is_lib_ = false;
      other_.create(e.length);
      break;
    case OutsideKind::kDiskFull:  // the file holds what it held
    case OutsideKind::kSizeLimit:
    case OutsideKind::kCount:
      break;
  }
}

void Model::learn_file(bool exists, std::span<const uint8_t> bytes) { path_image().learn(exists, bytes); }

void Model::mark_dirty(uint64_t offset, uint64_t length) {
  if (length == 0) return;
  for (uint64_t page = offset / kPageSize; page <= (offset + length - 1) / kPageSize; ++page) {
    dirty_.insert(page);
  }
}

void Model::trim_dirty(uint64_t size) {
  dirty_.erase(dirty_.lower_bound((size + kPageSize - 1) / kPageSize), dirty_.end());
}

}  // namespace mapfuzz
