#include "harness/file_image.h"

#include <algorithm>
#include <cstring>

#include "harness/op.h"

namespace mapfuzz {
namespace {

constexpr uint64_t kNoEnd = UINT64_MAX;

uint64_t page_end(uint64_t offset) { return (offset / kPageSize + 1) * kPageSize; }

}  // namespace

bool FileImage::known(uint64_t offset) const {
  if (exists_ != Tri::kYes || !size_known() || offset >= size_) return false;
  for (const auto& [from, to] : unknown_) {
    if (offset < from) break;
    if (offset < to) return false;
  }
  return true;
}

void FileImage::create(uint64_t size) {
  values_.assign(size, 0);
  unknown_.clear();
  size_ = size;
  alternative_.reset();
  exists_ = Tri::kYes;
  size_known_ = true;
  past_eof_writes_ = false;
}

void FileImage::remove() {
  create(0);
  exists_ = Tri::kNo;
}

void FileImage::resize(uint64_t size) {
  const uint64_t old = size_;
  if (!size_known_) {  // what lay below the new end stays as unknown as it was
    values_.resize(size, 0);
  } else if (size < old) {
    past_eof_writes_ = false;  // the kernel zeroes the new EOF page's tail
    values_.resize(size);
  } else if (size > old) {
    values_.resize(size, 0);
    if (past_eof_writes_ && old % kPageSize != 0) add_unknown(old, std::min(page_end(old), size));
  }
  size_ = size;
  size_known_ = true;
  clip_unknown(size);
}

void FileImage::extend_to(uint64_t end) {
  if (!size_known_) {
    if (values_.size() < end) values_.resize(end, 0);
  } else if (end > size_) {
    resize(end);
  }
}

void FileImage::write(uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty()) return;
  extend_to(offset + data.size());
  std::memcpy(values_.data() + offset, data.data(), data.size());
  remove_unknown(offset, offset + data.size());
}

void FileImage::write_pattern(uint8_t seed, uint64_t offset, uint64_t length) {
  if (length == 0) return;
  extend_to(offset + length);
  fill_pattern(seed, offset, values_.data() + offset, length);
  remove_unknown(offset, offset + length);
}

void FileImage::zero(uint64_t offset, uint64_t length) {
  if (!size_known_ || offset >= size_) return;  // unknown bytes stay unknown
  const uint64_t end = length > size_ - offset ? size_ : offset + length;
  std::fill(values_.begin() + static_cast<ptrdiff_t>(offset), values_.begin() + static_cast<ptrdiff_t>(end), 0);
  remove_unknown(offset, end);
}

void FileImage::forget(uint64_t from, uint64_t to) {
  if (size_known_) to = std::min(to, size_);
  if (from < to) add_unknown(from, to);
}

void FileImage::forget_all() {
  unknown_.assign(1, {0, kNoEnd});
  size_known_ = false;
  exists_ = Tri::kUnknown;
}

void FileImage::allow_failed_create(uint64_t size) { alternative_ = size; }

ImageMismatch FileImage::compare(bool exists, std::span<const uint8_t> bytes) const {
  if (alternative_) {
    if (!exists) return {};
    const bool zeros = std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
    if (zeros && bytes.size() <= *alternative_) return {};
    if (exists_ == Tri::kNo) return {ImageMismatch::What::kUnexpected, 0, 0, 0, 0, bytes.size()};
    return compare_image(bytes);
  }
  if (exists_ == Tri::kUnknown) return exists ? compare_image(bytes) : ImageMismatch{};
  if (!exists) return exists_ == Tri::kYes ? ImageMismatch{ImageMismatch::What::kMissing} : ImageMismatch{};
  if (exists_ == Tri::kNo) return {ImageMismatch::What::kUnexpected, 0, 0, 0, 0, bytes.size()};
  return compare_image(bytes);
}

ImageMismatch FileImage::compare_image(std::span<const uint8_t> bytes) const {
  if (size_known_ && bytes.size() != size_) {
    return {ImageMismatch::What::kSize, 0, 0, 0, size_, bytes.size()};
  }
  const uint64_t n = std::min<uint64_t>(bytes.size(), values_.size());
  if (unknown_.empty() && (n == 0 || std::memcmp(values_.data(), bytes.data(), n) == 0)) return {};
  uint64_t off = 0;
  for (size_t r = 0; off < n; ++r) {
    const uint64_t stop = r < unknown_.size() ? std::min(unknown_[r].first, n) : n;
    if (off < stop && std::memcmp(values_.data() + off, bytes.data() + off, stop - off) != 0) {
      const auto diff = std::mismatch(values_.begin() + static_cast<ptrdiff_t>(off),
                                      values_.begin() + static_cast<ptrdiff_t>(stop), bytes.begin() + off);
      const auto at = static_cast<uint64_t>(diff.first - values_.begin());
      return {ImageMismatch::What::kByte, at, *diff.first, *diff.second, size_, bytes.size()};
    }
    if (r >= unknown_.size()) break;
    off = std::max(off, unknown_[r].second);
  }
  return {};
}

void FileImage::learn(bool exists, std::span<const uint8_t> bytes) {
  if (!exists) {
    remove();
    return;
  }
  if (alternative_ || exists_ != Tri::kYes) {
    // The disjunction (or an unknown existence) collapses to what is there.
    const bool tail = past_eof_writes_;
    create(0);
    values_.assign(bytes.begin(), bytes.end());
    size_ = bytes.size();
    past_eof_writes_ = tail;
    return;
  }
  if (!size_known_) {
    size_ = bytes.size();
    size_known_ = true;
    clip_unknown(size_);
  }
  values_.resize(size_, 0);
  const uint64_t n = std::min<uint64_t>(bytes.size(), size_);
  for (const auto& [from, to] : unknown_) {
    if (from >= n) break;
    std::memcpy(values_.data() + from, bytes.data() + from, std::min(to, n) - from);
  }
  remove_unknown(0, n);
}

void FileImage::learn_range(uint64_t offset, std::span<const uint8_t> data) {
  if (exists_ != Tri::kYes || alternative_ || !size_known_ || offset >= size_ || unknown_.empty()) return;
  const uint64_t end = std::min<uint64_t>(size_, offset + data.size());
  for (const auto& [from, to] : unknown_) {
    if (from >= end) break;
    const uint64_t lo = std::max(from, offset), hi = std::min(to, end);
    if (lo < hi) std::memcpy(values_.data() + lo, data.data() + (lo - offset), hi - lo);
  }
  remove_unknown(offset, end);
}

void FileImage::add_unknown(uint64_t from, uint64_t to) {
  if (from >= to) return;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  out.reserve(unknown_.size() + 1);
  bool placed = false;
  for (const auto& r : unknown_) {
    if (r.second < from) {
      out.push_back(r);
    } else if (r.first > to) {
      if (!placed) out.emplace_back(from, to), placed = true;
      out.push_back(r);
    } else {
      from = std::min(from, r.first);
      to = std::max(to, r.second);
    }
  }
  if (!placed) out.emplace_back(from, to);
  unknown_ = std::move(out);
}

void FileImage::remove_unknown(uint64_t from, uint64_t to) {
  if (unknown_.empty() || from >= to) return;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& r : unknown_) {
    if (r.second <= from || r.first >= to) {
      out.push_back(r);
      continue;
    }
    if (r.first < from) out.emplace_back(r.first, from);
    if (r.second > to) out.emplace_back(to, r.second);
  }
  unknown_ = std::move(out);
}

void FileImage::clip_unknown(uint64_t size) { remove_unknown(size, kNoEnd); }

}  // namespace mapfuzz
