// What a mapping library documents about itself. The oracle reads the
// contract; it never hard-codes one library's habits.
#pragma once

#include <cstdint>

#include "faults/outside_event.h"
#include "harness/op.h"

namespace mapfuzz {

// What happens to a write or read that reaches past the current end of file.
enum class PastEnd : uint8_t {
  kFails,  // the call fails and changes nothing
  kGrows,  // (write only) the file grows to offset+length, the gap reads as zeros
  kShort,  // (read only) the call succeeds and returns the bytes before the end
};

// What a library promises about locks another process holds.
enum class LockPromise : uint8_t {
  kNone,    // nothing: it takes no lock another program could see, or makes no promise
  kErrors,  // it takes its lock (LockScope) before changing the file; on contention the call
            // fails and changes nothing
  kWaits,   // it takes its lock before changing the file and waits until the holder lets go
};

// The lock a library takes, exclusively, before it changes the file (a
// write, a resize, an open that creates): family, file, byte range.
struct LockScope {
  LockPromise promise = LockPromise::kNone;
  faults::LockApi api = faults::LockApi::kFcntl;  // kFcntl and kOfd are one family: either fits both
  faults::EventFile file = faults::EventFile::kData;
  uint64_t offset = 0;
  uint64_t length = 0;  // 0: to the end of the file and beyond
};

struct Contract {
  PastEnd write_past_end = PastEnd::kFails;
  PastEnd read_past_end = PastEnd::kFails;
  // An existing empty file can be opened (and then grown). If false, opening
  // an empty file must fail.
  bool opens_empty_file = true;
  // resize(0) succeeds. If false it must fail and change nothing.
  bool resizes_to_zero = true;
  // sync(offset, length) makes at least that range durable; if false the
  // library only offers whole-file sync and the harness syncs everything.
  bool syncs_ranges = true;
  // The library offers a sync at all. If false, sync() is a no-op and the
  // oracle does not ask for msync/fsync backing (documented limitation).
  bool has_sync = true;
  // The library claims to survive another process truncating the file under
  // a live mapping (no SIGBUS reaches the caller).
  bool survives_outside_truncation = false;
  // The library allocates the blocks of the file when it grows it
  // (posix_fallocate, or writing them), so a full disk shows up as ENOSPC
  // from its resize or write, never as SIGBUS when the memory is first
  // touched. If false, that SIGBUS is the documented hazard (counted).
  bool allocates_on_growth = true;
  // Largest file size the library supports; 0 means "the harness limit".
  uint64_t max_size = 0;
  // The file on disk holds exactly the bytes written (a mapped file). False
  // for libraries with a format of their own (LMDB, SQLite, ...): the oracle
  // then checks contents through the library — the open instance after a
  // failed call, a fresh instance (open existing, read all, close) at the end
  // of the run — instead of reading the file with pread.
  bool file_is_raw = true;
  // Its locks. Under kErrors or kWaits, a change of the file that succeeds
  // while another process holds a lock conflicting with `locks` is a
  // finding (lock-ignored). Whatever the promise, a failure is excused when
  // one of its lock calls met a lock the outside holds (contention), and a
  // lock wait never hangs a run: the outside lets go, except under kErrors
  // (then the wait is a hang finding).
  LockScope locks;
  // Calls may come from any thread, one at a time (Op::thread). False for a
  // library bound to the thread that set it up (an embedded interpreter's
  // thread state): every op then runs on the harness's own thread.
  bool any_thread = true;
  // The library is thread-safe for these ops (a bit per OpKind, see
  // concurrent_bit): they may run at the same time on one open instance,
  // each as if alone in some order. 0: not thread-safe; the ops of a
  // concurrent group then run one at a time.
  uint32_t concurrent_ops = 0;
};

constexpr uint32_t concurrent_bit(OpKind kind) { return uint32_t{1} << static_cast<unsigned>(kind); }

}  // namespace mapfuzz
