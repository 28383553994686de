// Performing one OutsideEvent on a file: what "another process" does, made
// of direct system calls (faults/raw_syscalls.h) through a fresh fd of its
// own, so the interposer never sees it and no armed fault can fail it. The
// same function runs in the helper process and in-process, which is why
// both modes of outside_process.h give the same file outcome.
#pragma once

#include <cstddef>
#include <cstdint>

#include "faults/outside_event.h"
#include "faults/status.h"

namespace mapfuzz::faults {

// Fills out[0, n) with the bytes a write with `seed` puts at file offsets
// offset, offset+1, ... (the harness passes mapfuzz::fill_pattern; faults/
// need not know the pattern). Called in the helper process too: it must not
// allocate or lock (it is called once before the helper is forked, so a
// lazily built table is built by then).
using FillFn = void (*)(uint8_t seed, uint64_t offset, uint8_t* out, uint64_t n);

// The fds through which an outside holds its locks (kLock): one per lock
// API and file, opened (O_RDWR) at its first lock and kept until
// release_locks(): closing any fd of a file drops every fcntl lock the
// process holds on it, so kUnlock unlocks and never closes. One LockFds is
// one lock owner: an OFD or flock lock taken again through it converts the
// held one, as the kernel does for a second lock of the same owner.
struct LockFds {
  int fd[static_cast<int>(LockApi::kCount)][static_cast<int>(EventFile::kCount)];
  // Take fcntl locks as OFD locks: the in-process outside, whose fcntl
  // locks would belong to the library's own process and never conflict.
  bool fcntl_as_ofd = false;
  LockFds() {
    for (auto& row : fd) {
      for (int& f : row) f = -1;
    }
  }
};
// Closes every fd of `locks`: the outside holds no lock afterwards.
// Async-signal-safe.
void release_locks(LockFds* locks);

// Returns true iff `path` is an absolute path strictly inside directory
// `dir` (absolute, no trailing slash): `dir` + "/" + at least one more
// component, and no "." or ".." component anywhere and no "//". Lexical: a
// symlink inside `dir` pointing out is not detected here (see below).
bool path_inside(const char* dir, const char* path);

// Performs `event` on the file at `path`:
//   kShrink, kRegrow, kExtend  open O_WRONLY, ftruncate(length)
//   kPunchHole                 fallocate(PUNCH_HOLE|KEEP_SIZE, offset, length); length 0 does nothing
//   kPwrite                    pwrite `length` bytes fill(seed, offset..) at `offset`, in chunks of
//                              scratch_len bytes; short writes are continued
//   kChmod                     chmod(path, mode & 07777)
//   kUnlink                    unlink(path)
//   kLock                      open "<path><file suffix>" O_RDWR (not created: ENOENT if it does not exist)
//                              once per API and file, then fcntl(F_SETLK or F_OFD_SETLK, F_RDLCK/F_WRLCK,
//                              offset, length) or flock(LOCK_SH/LOCK_EX | LOCK_NB); never waits (EAGAIN,
//                              EACCES or EWOULDBLOCK from "fcntl"/"flock" on contention)
//   kUnlock                    F_UNLCK of the whole file, or LOCK_UN, on that fd (nothing held: nothing done)
//   kReplace                   create (or truncate) "<path>.mapfuzz-replace" with the old file's permission
//                              bits (0644 if there is no old file), ftruncate it to `length` (zero
//                              bytes, sparse), rename it over `path`
// A final symlink is never followed (open with O_NOFOLLOW; chmod refuses a
// symlink with ELOOP). Returns ok on success. On failure returns the errno
// and name of the first call that failed ("open", "ftruncate", "fallocate",
// "pwrite" (EIO if it wrote nothing), "lstat", "chmod" (ELOOP for a
// symlink), "fchmod", "unlink", "rename"; ENAMETOOLONG from "open" when the
// replacement's name is too long), never injected(); what already happened
// stays (a pwrite that fails half way leaves the chunks before it written;
// a failed replace removes its new file). EINVAL from "outside event" for
// kPwrite without `fill` or scratch, or a kind it does not perform.
// Async-signal-safe given an async-signal-safe `fill`; thread-compatible.
// `locks` holds the lock fds of kLock/kUnlock (null: EINVAL for them).
// After a successful kLock, *locked (if not null) is the file it locked.
Status perform_outside_event(const char* path, const OutsideEvent& event, FillFn fill, uint8_t* scratch,
                             size_t scratch_len, LockFds* locks, FileId* locked = nullptr);

}  // namespace mapfuzz::faults
