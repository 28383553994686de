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
      return true;
    case OpKind::kCount:
      break;
  }
  return false;
}

void Model::reset() {
  bytes_.clear();
  dirty_.clear();
  exists_ = open_ = false;
}

Expectation Model::expect(const Op& op, const Contract& contract) const {
  Expectation e;
  e.size_after = size();
  switch (op.kind) {
    case OpKind::kOpen:
    case OpKind::kReopen: {
      const bool create = op.kind == OpKind::kOpen && op.create;
      e.size_after = create ? op.size : size();
      e.must_fail = e.size_after == 0 && !contract.opens_empty_file;
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
    case OpKind::kCount:
      break;
  }
  return e;
}

void Model::apply_success(const Op& op, const Contract& contract) {
  switch (op.kind) {
    case OpKind::kOpen:
      if (op.create) {
        bytes_.assign(op.size, 0);
        dirty_.clear();
      }
      exists_ = open_ = true;
      break;
    case OpKind::kReopen:
      open_ = true;
      break;
    case OpKind::kResize:
      bytes_.resize(op.size, 0);
      dirty_.erase(dirty_.lower_bound((op.size + kPageSize - 1) / kPageSize), dirty_.end());
      break;
    case OpKind::kWrite: {
      const uint64_t end = op.offset + op.length;
      if (end > bytes_.size()) bytes_.resize(end, 0);
      fill_pattern(op.seed, op.offset, bytes_.data() + op.offset, op.length);
      mark_dirty(op.offset, op.length);
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
    case OpKind::kCount:
      break;
  }
}

void Model::apply_failed_open() { open_ = false; }

void Model::apply_close() { open_ = false; }

void Model::adopt_file(bool exists, const std::vector<uint8_t>& bytes) {
  exists_ = exists;
  bytes_.assign(bytes.begin(), bytes.end());
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
