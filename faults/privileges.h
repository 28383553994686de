// Real EACCES even as root: root ignores permission bits because of
// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH. Dropping those two from the
// effective set (capset, ~0.6 us; cheaper than seteuid(65534) and back,
// ~1.1 us, and the uid stays the files' owner, so the owner's permission
// bits decide) makes open() of a 0444 file for writing fail with EACCES, as
// it does for an ordinary user. They stay in the permitted set, so they can
// be raised again. Fds already open are unaffected.
#pragma once

#include <cstdint>

#include "faults/status.h"

namespace mapfuzz::faults {

// RAII: while alive, the calling thread (capabilities are per thread, not
// per process) lacks CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH in its
// effective set; the destructor restores the effective set found at
// construction. Does nothing (dropped() false, status() ok) when the thread
// has neither in its effective set: permission bits already apply. Threads
// started while it lives inherit the dropped set. Not for use across
// threads; nesting is fine.
class DroppedPrivileges {
 public:
  DroppedPrivileges();
  ~DroppedPrivileges();
  DroppedPrivileges(const DroppedPrivileges&) = delete;
  DroppedPrivileges& operator=(const DroppedPrivileges&) = delete;

  // Returns true iff capabilities were dropped (and will be restored).
  bool dropped() const { return dropped_; }
  // ok, or the Status of the "capget" or "capset" that failed (then nothing
  // changed and dropped() is false).
  const Status& status() const { return status_; }

 private:
  uint32_t saved_[6] = {};  // the capability sets found (effective, permitted, inheritable) x 2 words
  bool dropped_ = false;
  Status status_;
};

// Returns true iff the calling thread has CAP_DAC_OVERRIDE in its effective
// set (permission bits do not stop it).
bool overrides_permissions();

}  // namespace mapfuzz::faults
