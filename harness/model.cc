#include "harness/model.h"

#include <algorithm>

namespace mapfuzz {
namespace {

bool in_bounds(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

}  // namespace

bool Model::applicable(const Op& op) const {
  switch (op.kind) {
    case OpKind::kOpen:
      return !open_ && (op.create || exists_);
    case OpKind::kReopen:
      return exists_;
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
  bytes_.clear();
  replaced_.reset();
  dirty_.clear();
  lib_size_ = 0;
  mode_ = 0644;
  exists_ = open_ = tail_written_ = false;
  unknown_.clear();
}

Expectation Model::expect(const Op& op, const Contract& contract) const {
  Expectation e;
  e.size_after = size();
  switch (op.kind) {
    case OpKind::kOpen:
    case OpKind::kReopen: {
      const bool create = op.kind == OpKind::kOpen && op.create;
      e.size_after = create ? op.size : path_bytes().size();
      e.must_fail = e.size_after == 0 && !contract.opens_empty_file;
      // Opening an existing read-only file for writing (the harness drops
      // root's override for it) fails with EACCES.
      if (exists_ && (mode_ & 0200) == 0) e.must_fail = true;
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

void Model::apply_success(const Op& op, const Contract& contract) {
  switch (op.kind) {
    case OpKind::kOpen:
    case OpKind::kReopen:
      if (op.kind == OpKind::kOpen && op.create) {
        if (!exists_) mode_ = 0644;
        replaced_.reset();
        bytes_.assign(op.size, 0);
        dirty_.clear();
        tail_written_ = false;  // O_TRUNC
        unknown_.clear();
      } else if (replaced_) {  // the library now opens the new file
        bytes_ = std::move(*replaced_);
        replaced_.reset();
        dirty_.clear();
        unknown_.clear();
      }
      lib_size_ = bytes_.size();
      exists_ = open_ = true;
      break;
    case OpKind::kResize:
      if (op.size < bytes_.size()) tail_written_ = false;
      for (auto& range : unknown_) range.second = std::min(range.second, op.size);
      lib_size_ = op.size;
      bytes_.resize(op.size, 0);
      dirty_.erase(dirty_.lower_bound((op.size + kPageSize - 1) / kPageSize), dirty_.end());
      break;
    case OpKind::kWrite: {
      const uint64_t end = op.offset + op.length;
      if (end > lib_size_) {  // a write that grows the file (PastEnd::kGrows)
        lib_size_ = end;
        bytes_.resize(end, 0);
      }
      // Bytes beyond the file's end (shrunk by another process) are lost.
      const uint64_t kept = end <= bytes_.size() ? op.length : bytes_.size() > op.offset ? bytes_.size() - op.offset : 0;
      if (kept > 0) fill_pattern(op.seed, op.offset, bytes_.data() + op.offset, kept);
      mark_dirty(op.offset, kept);
      break;
    }
    case OpKind::kSync:
      if (op.length == 0 || !contract.syncs_ranges) {
        dirty_.clear();
      } else {
        const uint64_t first = op.offset / kPageSize;
        const uint64_t end = op.offset > UINT64_MAX - op.length ? UINT64_MAX : op.offset + op.length;
        const uint64_t last = (end - 1) / kPageSize;
        dirty_.erase(dirty_.lower_bound(first), dirty_.upper_bound(last));
      }
      break;
    case OpKind::kClose:
      open_ = false;
      break;
    case OpKind::kRead:
    case OpKind::kFault:
    case OpKind::kOutside:
    case OpKind::kCount:
      break;
  }
}

void Model::apply_outside(const faults::OutsideEvent& e) {
  using faults::OutsideKind;
  std::vector<uint8_t>& file = path_file();
  switch (e.kind) {
    case OutsideKind::kShrink:
    case OutsideKind::kRegrow:
    case OutsideKind::kExtend:
      if (&file == &bytes_ && e.length < file.size()) tail_written_ = false;
      file.resize(e.length, 0);
      if (&file == &bytes_) dirty_.erase(dirty_.lower_bound((e.length + kPageSize - 1) / kPageSize), dirty_.end());
      break;
    case OutsideKind::kPunchHole:
      if (e.offset < file.size()) {
        const uint64_t end = e.length > file.size() - e.offset ? file.size() : e.offset + e.length;
        std::fill(file.begin() + static_cast<ptrdiff_t>(e.offset), file.begin() + static_cast<ptrdiff_t>(end), 0);
      }
      break;
    case OutsideKind::kPwrite:
      if (e.length > 0 && e.offset + e.length > file.size()) file.resize(e.offset + e.length, 0);
      if (e.length > 0) fill_pattern(e.seed, e.offset, file.data() + e.offset, e.length);
      break;
    case OutsideKind::kChmod:
      mode_ = e.mode;
      break;
    case OutsideKind::kUnlink:
      exists_ = false;
      replaced_.reset();
      mode_ = 0644;  // a file made at the path later gets the default mode
      break;
    case OutsideKind::kReplace:
      replaced_.emplace(e.length, 0);
      exists_ = true;
      break;
    case OutsideKind::kDiskFull:  // the file holds what it held
    case OutsideKind::kSizeLimit:
    case OutsideKind::kCount:
      break;
  }
}

void Model::reveal_tail(uint64_t old_size, const std::vector<uint8_t>& tail, const std::vector<uint8_t>& file,
                        uint64_t keep_from, uint64_t keep_to) {
  const uint64_t end = std::min({old_size + tail.size(), static_cast<uint64_t>(bytes_.size()),
                                 static_cast<uint64_t>(file.size()), lib_size_});
  for (uint64_t off = old_size; off < end; ++off) {
    if (off >= keep_from && off < keep_to) continue;
    if (file[off] == tail[off - old_size]) bytes_[off] = file[off];
  }
}

void Model::apply_failed_open() { open_ = false; }

void Model::apply_close() { open_ = false; }

void Model::adopt_file(bool exists, const std::vector<uint8_t>& bytes) {
  exists_ = exists;
  replaced_.reset();
  bytes_.assign(bytes.begin(), bytes.end());
  lib_size_ = bytes_.size();
  dirty_.clear();
  open_ = false;
}

void Model::mark_dirty(uint64_t offset, uint64_t length) {
  if (length == 0) return;
  for (uint64_t page = offset / kPageSize; page <= (offset + length - 1) / kPageSize; ++page) {
    dirty_.insert(page);
  }
}

}  // namespace mapfuzz
