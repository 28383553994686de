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
Status perform_outside_event(const char* path, const OutsideEvent& event, FillFn fill, uint8_t* scratch,
                             size_t scratch_len);

}  // namespace mapfuzz::faults
