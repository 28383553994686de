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
  // Conditions of the disk rather than acts on the file; the harness, not
  // the outside process, brings them about (harness/disk_conditions.h).
  kDiskFull,   // the sandbox filesystem keeps only `length` bytes free from now on
  kSizeLimit,  // RLIMIT_FSIZE of `length` bytes for the rest of the run (real EFBIG)
  kCount
};

struct OutsideEvent {
  OutsideKind kind = OutsideKind::kShrink;
  uint64_t offset = 0;  // kPunchHole, kPwrite
  uint64_t length = 0;  // the new size (kShrink, kRegrow, kExtend, kReplace), the range length, or the limit
  uint8_t seed = 0;     // kPwrite
  uint32_t mode = 0;    // kChmod
};

// kDiskFull and kSizeLimit: set by the harness, not performed on the file.
inline bool is_disk_condition(OutsideKind kind) {
  return kind == OutsideKind::kDiskFull || kind == OutsideKind::kSizeLimit;
}

// "shrink", "regrow", ...; parse returns false for an unknown name.
const char* outside_kind_name(OutsideKind kind);
bool outside_kind_from_name(const char* name, OutsideKind* out);

}  // namespace mapfuzz::faults
