// The one error type of mapfuzz, from the ground floor up: an errno, the
// call that produced it, and whether the fault layer injected it. errno
// becomes a Status in one place, the from_* functions below (status.cc);
// errno values are named in one table (errno_name, errno_from_name).
//
// Cheap on the fuzzing hot path: 16 bytes, trivially copyable, never
// allocates (describe() builds a string, for reports only). Depends on the
// C++ standard library and libc only (builds with OSS-Fuzz's libc++).
//
// Injected or real: from_errno() and from_code() ask the fault layer. The
// interposer keeps, per thread, one mark (faults/injection_mark.h): the
// errno an armed fault failed the last failed interposed sandbox call with,
// or nothing when that call failed for real. injected() is true iff the
// mark holds this Status's code; building such a Status claims the mark, so
// one injected failure makes at most one injected Status.
//
// That is right when the Status is built on the thread that made the
// failed call, from that call's errno (or returned error number), before
// another interposed sandbox call fails:
//   if (::ftruncate(fd, n) != 0) return Status::from_errno("ftruncate");
// also when a library fails inside, runs calls that succeed (a close, its
// own bookkeeping: errno is left alone) and its caller builds the Status
// from errno afterwards. It cannot know, and answers:
//  - false for an injected failure when the Status is built on another
//    thread; when another interposed sandbox call failed for real in
//    between (a library saves errno, its cleanup's fsync fails, it restores
//    errno and builds its Status later); when the error travelled as a
//    library's own code and was mapped back to a different errno; when a
//    Status was already built from this failure (the second one says
//    false); and for a Status built with the constructor below (the
//    adapters' translations of library error codes do that).
//  - true for a real failure that the interposer did not see (a file
//    outside the sandbox, glibc's internal calls, a direct system call)
//    whose errno equals that of an earlier injected failure on the same
//    thread that no Status claimed, in the same executor step. set_tag(),
//    activate(), deactivate() and a Bypass forget the mark, so it never
//    outlives the step (the executor sets the tag before each call).
// The fault layer's own record is exact: CallRecord::injected in the call
// log (faults/interpose.h).
#pragma once

#include <cerrno>
#include <string>

namespace mapfuzz {

class [[nodiscard]] Status {
 public:
  // Success.
  constexpr Status() = default;
  // Failure with errno `code` (must be > 0) raised by `call` (a string
  // literal such as "ftruncate", or a string that outlives the Status; may
  // be null). Never injected: for errors the caller decides itself (bounds,
  // "not open") or translates from a library's own error codes.
  constexpr Status(int code, const char* call) : code_(code), call_(call) {}

  // After a call that failed and set errno (-1, MAP_FAILED, ...): errno
  // (EIO if errno is 0), injected() as the fault layer says (above).
  static Status from_errno(const char* call);
  // After a call that failed and returned its error number instead of
  // setting errno (posix_fallocate, pthread_*): `code` (EIO if <= 0),
  // injected() as the fault layer says (above).
  static Status from_code(int code, const char* call);
  // After a call that failed and set errno, where no armed fault can have
  // failed it: a direct system call (faults/raw_syscalls.h), or one the
  // interposer does not intercept (mount, unshare, sigaction, capset).
  // errno (EIO if 0); never injected, and the mark is left alone. Reads
  // only errno: async-signal-safe.
  static Status from_unfaulted_errno(const char* call);

  constexpr bool ok() const { return code_ == 0; }
  constexpr explicit operator bool() const { return ok(); }
  constexpr int code() const { return code_; }          // 0 on success
  constexpr const char* call() const { return call_; }  // may be null
  // True iff an armed fault of the interposer made the call fail (see
  // above for what from_errno() can know). False on success.
  constexpr bool injected() const { return injected_; }

  // "ok" or "ENOSPC from posix_fallocate". Says nothing of injected():
  // replay output is compared byte for byte.
  std::string describe() const;

 private:
  constexpr Status(int code, const char* call, bool injected) : code_(code), injected_(injected), call_(call) {}

  int code_ = 0;
  bool injected_ = false;
  const char* call_ = nullptr;
};

// "ENOSPC", "EACCES", ...; "E<number>" for unknown values, "OK" for 0.
const char* errno_name(int code);
// Inverse of errno_name(); returns 0 if `name` is not a known errno name.
int errno_from_name(const std::string& name);

}  // namespace mapfuzz
