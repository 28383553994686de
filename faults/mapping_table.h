// The address ranges mapped from sandbox fds, for interpose.cc only.
// munmap and MAP_FIXED split or remove ranges; mremap moves them. Pieces of
// one original mmap share its id, so live() counts original mappings.
// Not thread-safe: the caller holds the interposer's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mapfuzz::faults::detail {

struct TrackedMapping {
  uint64_t addr;
  uint64_t len;  // page-rounded
  int fd;        // the fd it was mapped from (may be closed since)
  uint64_t file_offset;
  uint32_t id;

  uint64_t end() const { return addr + len; }
  bool overlaps(uint64_t a, uint64_t n) const { return a < end() && addr < a + n; }
  // The file offset that address `a` maps (the mapping's start for a below it).
  uint64_t offset_of(uint64_t a) const { return a <= addr ? file_offset : file_offset + (a - addr); }
};

class MappingTable {
 public:
  void reserve(size_t n) { ranges_.reserve(n); }
  void clear() { ranges_.clear(); }
  // Calls fn(addr, len) for every tracked range.
  template <typename Fn>
  void for_each(Fn fn) const {
    for (const auto& m : ranges_) fn(m.addr, m.len);
  }
  size_t ranges() const { return ranges_.size(); }

  void add(uint64_t addr, uint64_t len, int fd, uint64_t file_offset) {
    ranges_.push_back({addr, len, fd, file_offset, next_id_++});
  }

  // The lowest-addressed range overlapping [a, a+n), or nullptr. The
  // pointer is valid until the next change.
  const TrackedMapping* find_overlap(uint64_t a, uint64_t n) const {
    const TrackedMapping* best = nullptr;
    for (const auto& m : ranges_) {
      if (m.overlaps(a, n) && (best == nullptr || m.addr < best->addr)) best = &m;
    }
    return best;
  }

  // Removes [a, a+n) from every range, splitting ranges it cuts in two.
  void remove_range(uint64_t a, uint64_t n) {
    const uint64_t e = a + n;
    for (size_t i = 0; i < ranges_.size();) {
      TrackedMapping m = ranges_[i];
      if (!m.overlaps(a, n)) {
        ++i;
        continue;
      }
      const bool left = m.addr < a;
      const bool right = e < m.end();
      if (left) ranges_[i] = {m.addr, a - m.addr, m.fd, m.file_offset, m.id};
      if (right) {
        TrackedMapping r{e, m.end() - e, m.fd, m.offset_of(e), m.id};
        if (left) {
          ranges_.push_back(r);
        } else {
          ranges_[i] = r;
        }
      }
      if (!left && !right) {
        ranges_[i] = ranges_.back();
        ranges_.pop_back();
        continue;  // re-examine the range swapped into slot i
      }
      ++i;
    }
  }

  // A successful mremap of [old_addr, old_addr+old_len) to
  // [new_addr, new_addr+new_len): the moved part keeps its fd, file offset
  // and id. old_len 0 (a duplicate of a shared mapping) keeps the old range.
  void move_range(uint64_t old_addr, uint64_t old_len, uint64_t new_addr, uint64_t new_len) {
    const TrackedMapping* m = find_overlap(old_addr, old_len == 0 ? 1 : old_len);
    if (m == nullptr) return;
    const TrackedMapping moved{new_addr, new_len, m->fd, m->offset_of(old_addr), m->id};
    if (old_len != 0) remove_range(old_addr, old_len);
    remove_range(new_addr, new_len);  // MREMAP_FIXED replaces what was there
    ranges_.push_back(moved);
  }

  // Number of original mappings with at least one byte still tracked.
  size_t live() const {
    size_t n = 0;
    for (size_t i = 0; i < ranges_.size(); ++i) {
      bool first = true;
      for (size_t j = 0; j < i && first; ++j) first = ranges_[j].id != ranges_[i].id;
      n += first;
    }
    return n;
  }

 private:
  std::vector<TrackedMapping> ranges_;
  uint32_t next_id_ = 0;
};

}  // namespace mapfuzz::faults::detail
