// Names of the operation kinds and the equality of operations.
#include "harness/op.h"

#include <cstring>

namespace mapfuzz {

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kOpen: return "open";
    case OpKind::kResize: return "resize";
    case OpKind::kWrite: return "write";
    case OpKind::kRead: return "read";
    case OpKind::kSync: return "sync";
    case OpKind::kClose: return "close";
    case OpKind::kReopen: return "reopen";
    case OpKind::kFault: return "fault";
    case OpKind::kOutside: return "outside";
    case OpKind::kCount: break;
  }
  return "unknown";
}

// Only the fields that the kind uses take part, so that an op survives the
// binary and text round trips (which drop the others) as an equal op.
bool Op::operator==(const Op& other) const {
  if (kind != other.kind || thread != other.thread || concurrent != other.concurrent) return false;
  switch (kind) {
    case OpKind::kOpen:
      return create == other.create && (!create || size == other.size);
    case OpKind::kResize:
      return size == other.size;
    case OpKind::kWrite:
      return offset == other.offset && length == other.length && seed == other.seed;
    case OpKind::kRead:
    case OpKind::kSync:
      return offset == other.offset && length == other.length;
    case OpKind::kFault:
      return fault.call == other.fault.call && fault.nth == other.fault.nth &&
             fault.err == other.fault.err && fault.persistent == other.fault.persistent;
    case OpKind::kOutside: {
      const auto& a = outside;
      const auto& b = other.outside;
      if (a.kind != b.kind || after_mmap != other.after_mmap) return false;
      switch (a.kind) {
        case faults::OutsideKind::kPwrite: return a.offset == b.offset && a.length == b.length && a.seed == b.seed;
        case faults::OutsideKind::kPunchHole: return a.offset == b.offset && a.length == b.length;
        case faults::OutsideKind::kChmod: return a.mode == b.mode;
        case faults::OutsideKind::kUnlink: return true;
        case faults::OutsideKind::kLock:
          return a.lock_api == b.lock_api && a.lock_mode == b.lock_mode && a.file == b.file &&
                 a.offset == b.offset && a.length == b.length;
        case faults::OutsideKind::kUnlock: return a.lock_api == b.lock_api && a.file == b.file;
        default: return a.length == b.length;
      }
    }
    case OpKind::kClose:
    case OpKind::kReopen:
    case OpKind::kCount:
      return true;
  }
  return true;
}

}  // namespace mapfuzz

namespace mapfuzz {

namespace {

// Twice the period, so any run of up to kPatternPeriod bytes is contiguous.
const uint8_t* pattern_table() {
  static const auto* table = [] {
    auto* t = new uint8_t[2 * kPatternPeriod];
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (uint64_t i = 0; i < kPatternPeriod; ++i) {
      h ^= h << 13;
      h ^= h >> 7;
      h ^= h << 17;
      const uint8_t b = static_cast<uint8_t>(h >> 24);
      t[i] = t[i + kPatternPeriod] = b ? b : 0x5A;
    }
    return t;
  }();
  return table;
}

uint64_t pattern_index(uint8_t seed, uint64_t offset) {
  return (offset % kPatternPeriod + seed * 4099ull) % kPatternPeriod;
}

}  // namespace

uint8_t pattern_byte(uint8_t seed, uint64_t offset) { return pattern_table()[pattern_index(seed, offset)]; }

void fill_pattern(uint8_t seed, uint64_t offset, uint8_t* out, uint64_t length) {
  const uint8_t* table = pattern_table();
  uint64_t start = pattern_index(seed, offset);
  while (length > 0) {
    const uint64_t n = length < kPatternPeriod ? length : kPatternPeriod;
    std::memcpy(out, table + start, n);
    out += n;
    length -= n;
    start = (start + n) % kPatternPeriod;
  }
}

}  // namespace mapfuzz
