// The one error type of mapfuzz: an errno, the call that produced it, and
// whether the fault layer injected it. errno is translated in exactly one
// place, Status::from_errno().
#pragma once

#include <cerrno>
#include <string>

namespace mapfuzz {

class [[nodiscard]] Status {
 public:
  // Success.
  constexpr Status() = default;
  // Failure with errno `code` (must be > 0) raised by `call` (a string literal
  // such as "ftruncate"; may be null).
  constexpr Status(int code, const char* call) : code_(code), call_(call) {}

  // Captures the current errno after a failed libc call. The only place where
  // errno is turned into a Status.
  static Status from_errno(const char* call) { return Status(errno ? errno : EIO, call); }

  constexpr bool ok() const { return code_ == 0; }
  constexpr explicit operator bool() const { return ok(); }
  constexpr int code() const { return code_; }          // 0 on success
  constexpr const char* call() const { return call_; }  // may be null

  // "ok" or "ENOSPC from posix_fallocate".
  std::string describe() const;

 private:
  int code_ = 0;
  const char* call_ = nullptr;
};

// "ENOSPC", "EACCES", ...; "E<number>" for unknown values, "OK" for 0.
const char* errno_name(int code);
// Inverse of errno_name(); returns 0 if `name` is not a known errno name.
int errno_from_name(const std::string& name);

}  // namespace mapfuzz
