// The set of open sandbox fds, for the interpose*.cc files only: a bitset that
// every interposed fd call reads without a lock.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace mapfuzz::faults::detail {

class FdTracker {
 public:
  // fds at or above this are never tracked (their calls pass untouched).
  static constexpr int kMaxFd = 65536;

  constexpr FdTracker() = default;

  // Returns true iff `fd` is tracked. Lock-free; safe from any thread.
  bool contains(int fd) const {
    if (fd < 0 || fd >= kMaxFd) return false;
    return (words_[word(fd)].load(std::memory_order_relaxed) & bit(fd)) != 0;
  }

  // Tracks `fd`. Returns false (and tracks nothing) if fd is out of range.
  bool insert(int fd) {
    if (fd < 0 || fd >= kMaxFd) return false;
    words_[word(fd)].fetch_or(bit(fd), std::memory_order_relaxed);
    return true;
  }

  void erase(int fd) {
    if (fd < 0 || fd >= kMaxFd) return;
    words_[word(fd)].fetch_and(~bit(fd), std::memory_order_relaxed);
  }

  // Number of tracked fds. Not atomic with respect to concurrent changes.
  size_t size() const {
    size_t n = 0;
    for (const auto& w : words_) n += std::popcount(w.load(std::memory_order_relaxed));
    return n;
  }

  // Calls fn(fd) for every tracked fd.
  template <typename Fn>
  void for_each(Fn fn) const {
    for (size_t w = 0; w < kMaxFd / 64; ++w) {
      uint64_t bits = words_[w].load(std::memory_order_relaxed);
      while (bits) {
        const int b = std::countr_zero(bits);
        fn(static_cast<int>(w * 64 + static_cast<size_t>(b)));
        bits &= bits - 1;
      }
    }
  }

  void clear() {
    for (auto& w : words_) w.store(0, std::memory_order_relaxed);
  }

 private:
  static constexpr size_t word(int fd) { return static_cast<size_t>(fd) / 64; }
  static constexpr uint64_t bit(int fd) { return uint64_t{1} << (static_cast<unsigned>(fd) % 64); }

  std::atomic<uint64_t> words_[kMaxFd / 64] = {};
};

}  // namespace mapfuzz::faults::detail
