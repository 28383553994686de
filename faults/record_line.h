// A fixed-size line of text built without allocation or stdio, for the
// preload library's records (run_protocol.h): usable in signal handlers and
// under the fault layer's lock. Too long a line is cut, never overflowed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "faults/raw_syscalls.h"

namespace mapfuzz::faults::detail {

class RecordLine {
 public:
  RecordLine& text(const char* s) {
    while (s != nullptr && *s != '\0' && n_ < kCap) buf_[n_++] = *s++;
    return *this;
  }
  RecordLine& text(const char* s, size_t len) {
    for (size_t i = 0; i < len && n_ < kCap; ++i) buf_[n_++] = s[i];
    return *this;
  }
  RecordLine& space() { return text(" "); }
  RecordLine& number(uint64_t v) {
    char digits[24];
    size_t k = 0;
    do {
      digits[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (k > 0 && n_ < kCap) buf_[n_++] = digits[--k];
    return *this;
  }
  RecordLine& signed_number(int64_t v) {
    if (v < 0) {
      text("-");
      return number(static_cast<uint64_t>(-(v + 1)) + 1);
    }
    return number(static_cast<uint64_t>(v));
  }
  RecordLine& hex(uint64_t v) {
    text("0x");
    char digits[16];
    size_t k = 0;
    do {
      digits[k++] = "0123456789abcdef"[v & 0xf];
      v >>= 4;
    } while (v != 0);
    while (k > 0 && n_ < kCap) buf_[n_++] = digits[--k];
    return *this;
  }
  // "/proc/self/fd/<fd>" into `out`.
  static void fd_link(int fd, char (&out)[40]) {
    std::memcpy(out, "/proc/self/fd/", 14);
    RecordLine num;
    num.number(static_cast<uint64_t>(fd));
    std::memcpy(out + 14, num.buf_, num.n_);
    out[14 + num.n_] = '\0';
  }

  // The path of `fd` (from /proc/self/fd), or "-" if unknown.
  RecordLine& fd_path(int fd) {
    if (fd < 0) return text("-");
    char link[40];
    fd_link(fd, link);
    const size_t room = kCap - n_;
    const long len = sys::readlink(link, buf_ + n_, room);
    if (len <= 0) return text("-");
    n_ += static_cast<size_t>(len);
    return *this;
  }
  // Writes the line and a newline to `fd` with one write(2).
  void emit(int fd) {
    if (fd < 0) return;
    buf_[n_] = '\n';
    sys::write(fd, buf_, n_ + 1);
  }

 private:
  static constexpr size_t kCap = 4600;
  char buf_[kCap + 1];
  size_t n_ = 0;
};

}  // namespace mapfuzz::faults::detail
