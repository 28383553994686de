// The seam: every file and mapping call of the library under test passes
// through mapfuzz's definitions of open/ftruncate/mmap/... in the executable
// (they override libc for the executable and for shared libraries it loads,
// and chain to ASan's interceptors where ASan has them).
//
// Unarmed (no sandbox active) a call costs one relaxed load and forwards.
// With a sandbox active, calls on sandbox files — paths under the sandbox
// directory, fds opened from them, mappings of those fds — are tracked,
// logged and may be failed by armed faults. Calls on anything else (the
// fuzzer's corpus, artifacts, logs, the harness's own files) are forwarded
// untouched, always.
//
// Besides the calls named in fault_spec.h's Call list:
//  - dup, dup2, dup3 and fcntl(F_DUPFD, F_DUPFD_CLOEXEC) of a sandbox fd
//    make a sandbox fd; dup2/dup3 onto a sandbox fd's number close it (no
//    close call is logged or faulted for that). Copies are not logged.
//  - fopen, fopen64, freopen and freopen64 of a sandbox path count as open
//    (its fd is tracked), fclose of a stream on a sandbox fd as close
//    (interpose_stdio.cc); the stream's own reads and writes are glibc's
//    internal calls and pass untouched.
//  - truncate(path) and truncate64 of a sandbox path count as ftruncate
//    (Call::kFtruncate, fd -1): one fault schedule covers both ways of
//    resizing, and the binary corpus's Call numbering stays as it is.
//  - writev, pwritev, pwritev2 and their 64 names count as write
//    (Call::kWrite, length the sum of the buffers); an injected fault fails
//    the whole call (-1 with the errno), never a short write.
//  - fcntl and fcntl64 with F_SETLK, F_SETLKW, F_GETLK, F_OFD_SETLK,
//    F_OFD_SETLKW or F_OFD_GETLK, flock, lockf and lockf64 on a sandbox fd
//    are lock calls (Call::kLock; see "File locks" below). Every other
//    fcntl command, and any lock call on another fd, forwards untouched.
//
// Injected or real, for Status: when an armed fault fails a call, the
// calling thread's injection mark (injection_mark.h) is set to its errno;
// when a sandbox call fails for real (logged with result_errno != 0), it is
// cleared. Status::from_errno() and from_code() claim it (status.h says
// what they can and cannot know). activate(), deactivate(), set_tag() and
// a new Bypass clear the calling thread's mark.
//
// Not thread-safe against concurrent control calls; the interposed calls
// themselves take a lock while a sandbox is active.
#pragma once

#include <limits.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "faults/fault_spec.h"
#include "faults/outside_event.h"

namespace mapfuzz::faults {

// One interposed call on a sandbox file.
struct CallRecord {
  Call call;
  int fd;              // -1 where the call takes no fd (munmap, msync, truncate, ...)
  uint64_t addr;       // mmap result / munmap,msync,madvise,mremap address; 0 otherwise
  uint64_t length;     // bytes (mmap/msync/munmap/...), new size (ftruncate), len (fallocate/write)
  uint64_t file_offset;  // file offset the call covers (mmap offset, msync/munmap mapped offset, write offset, fallocate offset)
  int flags;           // msync flags, mmap prot, open flags, lock flags (kLock*, below); 0 otherwise
  int result_errno;    // 0 on success
  bool injected;       // true iff result_errno came from an armed fault
  uint32_t tag;        // the value of set_tag() when the call happened (the executor's step index)
  bool hung;           // a blocking lock call that would have waited for ever (result_errno EDEADLK)
  // munmap, mremap, msync, madvise: the fd the mapping was made from
  // (possibly closed since); -1 for every other call.
  int mapped_fd;
  // open: the path it was asked for, as given (relative to the cwd or its
  // dirfd). Valid only while the call runs: for call observers
  // (set_call_observer); null in the call log and for every other call.
  const char* path;
};

// --- File locks (Call::kLock).
//
// A lock call on a sandbox fd is logged with fd, file_offset and length the
// range asked for (fcntl: l_start after l_whence is resolved against the
// file position or size, a negative l_len turned into the range before
// l_start; lockf: from the file position; length 0: to the end of the file
// and beyond; flock: 0/0, the whole file) and flags encoding the request:
// the API in the low two bits, then the mode and two bits below.
enum class LockCallApi : uint8_t {
  kFcntl,  // fcntl/fcntl64 F_SETLK, F_SETLKW, F_GETLK: the process's record locks
  kOfd,    // fcntl/fcntl64 F_OFD_SETLK, F_OFD_SETLKW, F_OFD_GETLK: the open file description's
  kFlock,  // flock: the open file description's whole-file lock
  kLockf,  // lockf, lockf64 (record locks, like kFcntl)
};
enum class LockCallMode : uint8_t {
  kShared,     // F_RDLCK, LOCK_SH, lockf F_TEST (glibc asks F_GETLK with F_RDLCK)
  kExclusive,  // F_WRLCK, LOCK_EX, lockf F_LOCK/F_TLOCK
  kUnlock,     // F_UNLCK, LOCK_UN, lockf F_ULOCK
};
inline constexpr int kLockApiMask = 0x3;
inline constexpr int kLockModeShift = 2;  // LockCallMode in bits 2-3
inline constexpr int kLockBlocking = 1 << 4;  // F_SETLKW, F_OFD_SETLKW, flock without LOCK_NB, lockf F_LOCK
inline constexpr int kLockGet = 1 << 5;       // F_GETLK, F_OFD_GETLK, lockf F_TEST: asks, changes nothing

constexpr int lock_flags(LockCallApi api, LockCallMode mode, bool blocking, bool get) {
  return static_cast<int>(api) | static_cast<int>(mode) << kLockModeShift | (blocking ? kLockBlocking : 0) |
         (get ? kLockGet : 0);
}
constexpr LockCallApi lock_api(int flags) { return static_cast<LockCallApi>(flags & kLockApiMask); }
constexpr LockCallMode lock_mode(int flags) { return static_cast<LockCallMode>((flags >> kLockModeShift) & 0x3); }

// What each lock call does on a sandbox fd while a sandbox is active:
//  - An armed fault on Call::kLock fails it before the real call runs: -1
//    with the errno, the injection mark set, nothing locked or unlocked;
//    only a request that takes a lock through an fd holding no lock of
//    that family (record or flock) is counted and may be failed (never an
//    unlock, a get, or a conversion of a held lock), and EINTR or EDEADLK
//    only one that would wait (a fault with either neither counts nor
//    fails a non-blocking request). call_count(Call::kLock) counts those.
//  - A non-blocking request, an unlock or a get (F_GETLK, F_OFD_GETLK,
//    lockf F_TEST) runs as asked and returns what the kernel returns.
//  - A blocking request never waits. Its non-blocking form runs first
//    (F_SETLK, F_OFD_SETLK, LOCK_NB, lockf F_TLOCK); success or an error
//    other than "would block" (EAGAIN, EACCES) is returned as is. If it
//    would block, the lock wait hook (set_lock_wait_hook) is called with
//    the LockWait; if the hook returns true (it released something) the
//    non-blocking form runs once more. If that still would block, or there
//    is no hook, or it returned false, the call returns -1 with errno
//    EDEADLK, nothing locked: its CallRecord has hung set and
//    last_lock_hang() returns the LockWait. Under a Bypass the same happens
//    (a hang is no fault), but nothing is logged and no fault fires.
// The log, faults and hook see only the calls the library makes: calls on
// other fds, nested calls (those the hook makes) and glibc's internal ones
// forward untouched, and then do block.
struct LockWait {
  int fd;
  LockCallApi api;
  LockCallMode mode;            // asked for: kShared or kExclusive
  uint64_t offset, length;  // the range asked for, as in the CallRecord
  // The conflicting lock, from F_GETLK (kFcntl, kLockf) or F_OFD_GETLK
  // (kOfd); holder_known is false for flock (no call reports its holder)
  // or when the lock went away before it could be asked for.
  bool holder_known;
  int holder_pid;           // the holder's l_pid; -1 for an OFD lock
  LockCallMode holder_mode;     // kShared or kExclusive
  uint64_t holder_offset, holder_length;  // length 0: to the end of the file and beyond
  char path[PATH_MAX];      // the fd's path (/proc/self/fd), "" if unknown
};

// Sets the hook a blocking lock call on a sandbox fd calls when it would
// wait: fn(arg, wait) stands for "the holder lets go, or a while passes"
// and returns true iff the call should try once more (then, if it would
// still wait, fn is called again: it decides when to give up). fn runs
// on the calling thread outside every lock of the fault layer; its own
// interposed calls are not tracked, logged or faulted (as
// call_after_next_mmap's fn). Null fn: no hook. Replaces any earlier hook;
// kept by activate(), dropped by deactivate().
void set_lock_wait_hook(bool (*fn)(void* arg, const LockWait& wait), void* arg);

// Returns true iff a blocking lock call hung (returned EDEADLK instead of
// waiting) since activate() or clear_log(), and copies the latest such
// wait to *out (if out is not null). False leaves *out alone.
bool last_lock_hang(LockWait* out);

// Makes `dir` (an absolute path without trailing slash) the sandbox and
// starts tracking; clears log, counters, faults and this thread's injection
// mark. `dir` is copied.
void activate(const char* dir);
// Also counts as inside the sandbox, from the next activate() on: every
// path that matches `glob` (fnmatch(3) without flags, so `*` also matches
// `/`), compared with the absolute, lexically normalised path the call
// names. `glob` must be absolute; at most kMaxScopePatterns are kept.
// activate(nullptr) with patterns scopes the patterns alone. Returns false
// (and keeps nothing) for a relative, too long or surplus pattern.
// clear_scope_patterns() forgets them all. Not thread-safe.
inline constexpr size_t kMaxScopePatterns = 8;
bool add_scope_pattern(const char* glob);
void clear_scope_patterns();

// Stops tracking and disarms every fault; forgets tracked fds and mappings.
void deactivate();
bool active();

// Tags subsequent call records (the executor sets the current step index)
// and clears this thread's injection mark: a Status built in one step never
// claims a fault that fired in an earlier one.
void set_tag(uint32_t tag);
// On this thread only, calls are tagged `tag` instead of set_tag()'s value
// (the step a worker thread runs in a concurrent group); clear with
// clear_thread_tag().
void set_thread_tag(uint32_t tag);
void clear_thread_tag();
// While set (fn not null), fn(arg) runs on the calling thread after every
// sandbox call that changes the file's size or its mappings (ftruncate,
// fallocate, posix_fallocate, mmap of a sandbox fd, munmap, mremap), outside
// every lock of the fault layer, before the call returns to the library: a
// switch point, where the executor hands the turn to another racing thread
// (harness/turns.h). Null fn (the default): nothing runs.
void set_switch_hook(void (*fn)(void* arg), void* arg);

// Arms `fault`: counting starts at the next matching call on a sandbox file.
// Several faults may be armed at once.
void arm(const FaultSpec& fault);
void disarm_all();

// Caps the injected failures per tag (per step of the executor, one library
// call) at `per_tag`: once that many armed faults have fired among the calls
// tagged with the current tag, further matching calls pass through, still
// counted against the armed faults (a once fault whose nth call passes this
// way is spent; a persistent one fires again under the next tag). 0: no cap,
// the default. Kept by activate() and deactivate().
void set_fault_cap(uint32_t per_tag);

// While set (fn not null), each CallRecord goes to fn(arg, record, count)
// instead of the call log, where count is call_count(record.call) at that
// moment (the record's own number among the counted calls of its kind, for
// a counted call). fn runs on the calling thread with the fault layer's
// lock held: it must not call back into the fault layer's control calls;
// its own interposed calls pass through untouched. Kept by activate().
void set_call_observer(void (*fn)(void* arg, const CallRecord& record, uint64_t count), void* arg);

// The calls on sandbox files since activate() or clear_log(). clear_log()
// also forgets the last lock hang (last_lock_hang).
const std::vector<CallRecord>& call_log();
void clear_log();

// Total interposed calls on sandbox files per Call since activate(); the
// enumeration mode uses it to know how many calls a program makes.
uint64_t call_count(Call call);

// Sandbox fds currently open and sandbox mappings currently mapped (mapping
// bytes may be partly unmapped; a mapping counts while any byte remains).
size_t open_sandbox_fds();
// True iff one of the sandbox fds open now refers to the file `id` (its
// device and inode): the library has that very file open.
bool sandbox_fd_on(FileId id);
size_t live_sandbox_mappings();

// Calls fn(arg) once, right after the next successful mmap of a sandbox
// file returns inside the library (before the library touches the memory).
// Calls fn makes are not tracked or faulted. Replaces any pending hook;
// deactivate() and clear_after_mmap() drop it.
void call_after_next_mmap(void (*fn)(void*), void* arg);
void clear_after_mmap();

// Unmaps every tracked sandbox mapping and closes every tracked sandbox fd:
// what an abandoned library instance (after a SIGBUS) still held.
void release_sandbox_resources();

// While a Bypass lives, this thread's interposed calls are not faulted,
// logged or counted (call_count), and do not trigger call_after_next_mmap;
// its construction clears this thread's injection mark, so no Status built
// under it is injected().
// They are still tracked: fds and mappings they open count as open until
// closed (so one left open is a leak), and ones they close stop counting.
// For the oracle's own reads through an instance of the library under
// test. Nests; not thread-safe to share (it is per thread).
class Bypass {
 public:
  Bypass();
  ~Bypass();
  Bypass(const Bypass&) = delete;
  Bypass& operator=(const Bypass&) = delete;

 private:
  bool entered_;
};

// Pass-through to the real libc / ASan functions, bypassing tracking and
// faults: for the harness's own checks (the final pread, outside events).
int real_open(const char* path, int flags, int mode);
int real_close(int fd);
long real_pread(int fd, void* buf, size_t count, int64_t offset);
int real_ftruncate(int fd, int64_t length);

}  // namespace mapfuzz::faults
