// A fault is one plain value: which call, which errno, the Nth call, once or
// from then on. Programs embed these values; the fault layer arms them.
#pragma once

#include <cstddef>
#include <cerrno>
#include <cstdint>

namespace mapfuzz::faults {

// The interposed calls, grouped by what they do. `64` variants and the
// fortified `__open_2` count as the call they alias; truncate and the
// vectored writes as the fd call they resemble. The binary corpus encodes
// these numbers: append new ones before kCount, never reorder.
enum class Call : uint8_t {
  kOpen,       // open, open64, openat, openat64, __open_2, __open64_2, creat; fopen, fopen64, freopen, freopen64
  kFtruncate,  // ftruncate, ftruncate64, truncate, truncate64 (of a sandbox path)
  kFallocate,  // fallocate, fallocate64, posix_fallocate, posix_fallocate64
  kMmap,       // mmap, mmap64
  kMunmap,
  kMremap,
  kMsync,
  kMadvise,
  kFsync,  // fsync, fdatasync
  kWrite,  // write, pwrite, pwrite64, writev, pwritev, pwritev64, pwritev2, pwritev64v2
  kClose,      // close; fclose of a stream on a sandbox fd
  kLock,  // fcntl/fcntl64 F_SETLK, F_SETLKW, F_GETLK and the F_OFD_ ones; flock; lockf, lockf64
  kCount
};

// "ftruncate", "mmap", ...
const char* call_name(Call call);
// Inverse of call_name(); returns false if `name` is unknown.
bool call_from_name(const char* name, Call* out);

// The errnos real Linux systems return from `call` (from the man pages and
// the kernel), most common first: the values a fault schedule should pick
// from. Sets *count to their number and returns a static array that lives
// for the program; for Call::kCount (or anything out of range) sets *count
// to 0 and returns nullptr. Thread-safe.
const int* realistic_errnos(Call call, size_t* count);

struct FaultSpec {
  Call call = Call::kOpen;
  uint16_t nth = 1;         // fire on the nth matching call after arming (1-based)
  int err = 0;              // errno the call fails with
  bool persistent = false;  // false: fire once; true: every call from the nth on
};

// False for a persistent EINTR or EAGAIN: real systems return them
// transiently, and a library that rightly retries them would loop for ever.
// Such a fault is never armed (the executor skips it, enumeration never
// schedules it).
inline bool ends_retries(const FaultSpec& f) {
  return !(f.persistent && (f.err == EINTR || f.err == EAGAIN));
}

}  // namespace mapfuzz::faults
