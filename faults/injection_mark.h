// The interposer's note to Status, per thread: the errno an armed fault
// failed the last failed interposed sandbox call on this thread with, or 0
// when that call failed for real (or none has failed, or the note was
// claimed or forgotten). Status::from_errno() and from_code() claim it
// (faults/status.h says when the answer is right). A header-only
// thread-local, so that the interposer (an object library linked into some
// executables) and Status (in every executable) share it without either
// needing the other at link time.
#pragma once

namespace mapfuzz::faults {
namespace detail {
inline constinit thread_local int t_injected_errno = 0;
}  // namespace detail

// An armed fault failed a sandbox call on this thread with `err` (> 0).
inline void mark_injected(int err) { detail::t_injected_errno = err; }
// A sandbox call on this thread failed for real; also: forget the mark.
inline void clear_injected_mark() { detail::t_injected_errno = 0; }

// Returns true iff the last failed interposed sandbox call on this thread
// was failed by an armed fault with errno `err` and nobody claimed it yet;
// then forgets it. Returns false, leaving the mark, otherwise.
inline bool claim_injected(int err) {
  if (err <= 0 || detail::t_injected_errno != err) return false;
  detail::t_injected_errno = 0;
  return true;
}

}  // namespace mapfuzz::faults
