// What another process does to the sandbox file: one plain value, part of a
// program like a fault. faults/ performs it (outside_process.h); the harness
// model follows it.
#pragma once

#include <cstdint>

namespace mapfuzz::faults {

enum class OutsideKind : uint8_t {
  kShrink,     // ftruncate to `length` (smaller)
  kRegrow,     // ftruncate to `length` (back up, after a shrink)
  kExtend,     // ftruncate to `length` (beyond the size the library knows)
  kPunchHole,  // fallocate(PUNCH_HOLE|KEEP_SIZE) [offset, offset+length)
  kPwrite,     // pwrite `length` pattern bytes (seed) at `offset`
  kChmod,      // chmod to `mode`
  kUnlink,     // unlink the path (the library's fd and mapping live on)
  kReplace,    // a new file of `length` zero bytes renamed over the path
  // Locks another program holds (a second process sharing the file, a
  // writer's lock file left behind): `lock_api`, `lock_mode`, `file`,
  // [offset, offset+length) (length 0: to the end of the file, and always
  // the whole file for flock). The outside keeps them until kUnlock or the
  // end of the run.
  kLock,       // take the lock without waiting (fails with EAGAIN/EACCES/EWOULDBLOCK on contention)
  kUnlock,     // let go of every lock of `lock_api` it holds on `file`
  // Conditions of the disk rather than acts on the file; the harness, not
  // the outside process, brings them about (harness/disk_conditions.h).
  kDiskFull,   // the sandbox filesystem keeps only `length` bytes free from now on
  kSizeLimit,  // RLIMIT_FSIZE of `length` bytes for the rest of the run (real EFBIG)
  kCount
};

// The three lock families of Linux. Record locks (fcntl, OFD) conflict
// with each other, across processes and across open file descriptions for
// OFD; flock locks conflict only with flock locks. fcntl locks of one
// process never conflict with each other: the in-process outside (no second
// process) takes OFD locks for them (outside_process.h).
enum class LockApi : uint8_t { kFcntl, kOfd, kFlock, kCount };
enum class LockMode : uint8_t { kShared, kExclusive, kCount };
// The file an event acts on: the sandbox file itself, or a file a library
// keeps beside it (its path plus a suffix): LMDB's "-lock", SQLite's
// "-journal", "-wal" and "-shm". Only lock events take another file.
enum class EventFile : uint8_t { kData, kLock, kJournal, kWal, kShm, kCount };

struct OutsideEvent {
  OutsideKind kind = OutsideKind::kShrink;
  uint64_t offset = 0;  // kPunchHole, kPwrite
  uint64_t length = 0;  // the new size (kShrink, kRegrow, kExtend, kReplace), the range length, or the limit
  uint8_t seed = 0;     // kPwrite
  uint32_t mode = 0;    // kChmod
  LockApi lock_api = LockApi::kFcntl;     // kLock, kUnlock
  LockMode lock_mode = LockMode::kShared;  // kLock
  EventFile file = EventFile::kData;       // kLock, kUnlock
};

// Which file: device and inode (as fstat gives them).
struct FileId {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool operator==(const FileId&) const = default;
};

inline bool is_lock_event(OutsideKind kind) { return kind == OutsideKind::kLock || kind == OutsideKind::kUnlock; }

// True iff locks of families a and b can conflict (record with record,
// flock with flock).
inline bool lock_families_meet(LockApi a, LockApi b) { return (a == LockApi::kFlock) == (b == LockApi::kFlock); }

// "fcntl", "ofd", "flock"; "shared", "exclusive"; "data", "lock",
// "journal", "wal", "shm". The from_name functions return false for an
// unknown name.
const char* lock_api_name(LockApi api);
bool lock_api_from_name(const char* name, LockApi* out);
const char* lock_mode_name(LockMode mode);
bool lock_mode_from_name(const char* name, LockMode* out);
const char* event_file_name(EventFile file);
bool event_file_from_name(const char* name, EventFile* out);
// "", "-lock", "-journal", "-wal", "-shm": appended to the sandbox path.
const char* event_file_suffix(EventFile file);

// kDiskFull and kSizeLimit: set by the harness, not performed on the file.
inline bool is_disk_condition(OutsideKind kind) {
  return kind == OutsideKind::kDiskFull || kind == OutsideKind::kSizeLimit;
}

// "shrink", "regrow", ...; parse returns false for an unknown name.
const char* outside_kind_name(OutsideKind kind);
bool outside_kind_from_name(const char* name, OutsideKind* out);

}  // namespace mapfuzz::faults
