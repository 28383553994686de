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
  kCount
};

struct OutsideEvent {
  OutsideKind kind = OutsideKind::kShrink;
  uint64_t offset = 0;  // kPunchHole, kPwrite
  uint64_t length = 0;  // the new size (kShrink, kRegrow, kExtend, kReplace), or the range length
  uint8_t seed = 0;     // kPwrite
  uint32_t mode = 0;    // kChmod
};

// "shrink", "regrow", ...; parse returns false for an unknown name.
const char* outside_kind_name(OutsideKind kind);
bool outside_kind_from_name(const char* name, OutsideKind* out);

}  // namespace mapfuzz::faults
