// The fcntl lock commands, for the interpose*.cc files only: fcntl's one
// override (interpose_dup.cc) hands them to interpose_lock.cc, which makes
// them lock calls (Call::kLock; interpose.h, "File locks").
#pragma once

#include <fcntl.h>

namespace mapfuzz::faults::detail {

// True iff fcntl `cmd` takes or asks about a lock.
inline bool is_lock_cmd(int cmd) {
  switch (cmd) {
    case F_SETLK:
    case F_SETLKW:
    case F_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
    case F_OFD_GETLK:
      return true;
    default:
      return false;
  }
}

// fcntl(fd, cmd, arg) for a lock command on a sandbox fd while active:
// faulted, logged and never blocking, as interpose.h says. `arg` is the
// caller's struct flock*.
int fcntl_lock_call(int fd, int cmd, void* arg);

}  // namespace mapfuzz::faults::detail
