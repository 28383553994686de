// The binary encoding of programs (see binary_codec.h).
//
// The version byte: bit 1 (kThreadsBit) set means opcodes carry threads
// (below); every other bit is ignored for now (everything reads as version 1).
//
// Record layout after the version byte:
//   opcode   kind = kKindByOpcode[opcode & 0x0F]; bit 4 is a per-kind flag;
//            with kThreadsBit, bits 5-6 are the op's thread (3 reads as 0)
//            and bit 7 marks it concurrent with the op before it:
//              open: 0 = create (a size follows), 1 = existing (nothing follows)
//              sync: 1 = whole file (offset 0, length 0; nothing follows)
//              fault: 1 = persistent, 0 = once
//   open     [size]            resize  size
//   write    offset length seed(u8)
//   read     offset length     sync    offset length
//   close, reopen: nothing
//   fault    call(u8 % Call::kCount) errno-selector nth-selector
//            (the encoder writes the exact number; a call byte >= kCount of
//            an input made before a Call was appended, such as kLock = 11,
//            now decodes to another call)
//
// Each number (size, offset, length) is a selector byte, then its payload:
// the low nibble picks a base (Base below, some with a payload), the high
// nibble a small signed delta added with saturation; the sum is folded into
// the field's limit. kRaw* with delta 0 are exact and used by the encoder.
#include "harness/binary_codec.h"

#include <algorithm>

#include <cerrno>

#include "harness/byte_reader.h"
#include "harness/status.h"

namespace mapfuzz {
namespace {

using faults::Call;

// Writes and reads get more opcodes than the rest.
constexpr OpKind kKindByOpcode[16] = {
    OpKind::kWrite, OpKind::kRead,  OpKind::kOpen,   OpKind::kResize,
    OpKind::kWrite, OpKind::kRead,  OpKind::kSync,   OpKind::kClose,
    OpKind::kWrite, OpKind::kRead,  OpKind::kReopen, OpKind::kResize,
    OpKind::kWrite, OpKind::kFault, OpKind::kSync,   OpKind::kOutside,
};
constexpr uint8_t kFlag = 0x10;
constexpr uint8_t kThreadsBit = 0x02;  // in the version byte
constexpr uint8_t kThreadShift = 5;
constexpr uint8_t kConcurrentBit = 0x80;

// The opcode the encoder writes for `kind`: its first entry in the table,
// with the flag bit if `flag`.
uint8_t canonical_opcode(OpKind kind, bool flag = false) {
  for (uint8_t i = 0; i < 16; ++i) {
    if (kKindByOpcode[i] == kind) return flag ? static_cast<uint8_t>(i | kFlag) : i;
  }
  return 0;
}

enum Base : uint8_t {
  kZero,              // 0
  kPages8,            // u8 follows: that many pages
  kPages16,           // u16 k follows: k % 1025 pages, any page boundary up to 4 MiB
  kNominal,           // the current nominal file size
  kNominalPageFloor,  // the nominal size rounded down to a page: the last page's start
  kRaw8,              // u8 follows
  kRaw16,             // u16 follows
  kRaw32,             // u32 follows
  kRaw64,             // u64 follows
  kNearMax,           // u8 k follows: UINT64_MAX - k
  kHalfRange,         // 2^63
  kLimit,             // the field's limit
  kTwoTo32,           // 2^32
  kPrevEnd,           // offset + length of the previous write/read/sync (wraps)
  kPrevOffset,        // offset of the previous write/read/sync
  kNominalMinus8,     // u8 k follows: nominal size - k
};

constexpr int kDelta[16] = {0, -1, 1, -2, 2, -4, 4, -8, 8, -16, 16, -100, 100, -2048, 2048, -4096};

// base + delta, saturating at 0 and UINT64_MAX: values near 2^64 come from
// their own bases, not from "a little below zero".
uint64_t add_delta(uint64_t base, int delta) {
  if (delta < 0) {
    uint64_t d = static_cast<uint64_t>(-delta);
    return base < d ? 0 : base - d;
  }
  uint64_t d = static_cast<uint64_t>(delta);
  return base > UINT64_MAX - d ? UINT64_MAX : base + d;
}

// Out-of-range values fold into small ones (at most kFoldedMax): big files
// are slow to create and check, so they come only from explicit selectors.
// Values already in range are unchanged (the encoder relies on it).
constexpr uint64_t kFoldedSize = 256u << 10;   // sizes
constexpr uint64_t kFoldedLength = 16u << 10;  // read/write/sync lengths
uint64_t fold(uint64_t v, uint64_t limit, uint64_t folded_max) {
  if (v <= limit || limit == UINT64_MAX) return v;
  return v % (std::min(limit, folded_max) + 1);
}

// errno selector: below kErrnoRaw8 an index into faults::realistic_errnos();
// kErrnoRaw8 / kErrnoRaw16 are followed by the exact code.
constexpr uint8_t kErrnoRaw8 = 0xFE;
constexpr uint8_t kErrnoRaw16 = 0xFF;

// A raw errno with no text form (0, or beyond what errno_name() can name
// reversibly) would not survive the text round trip: it reads as EIO.
int fold_errno(int code) {
  return code > 0 && errno_from_name(errno_name(code)) == code ? code : EIO;
}

// nth selector: below kNthWide 1..8 (half of all bytes: faults on an early
// call matter most); below kNthRaw16 1..127; kNthRaw16 is followed by a u16.
constexpr uint8_t kNthWide = 0x80;
constexpr uint8_t kNthRaw16 = 0xFF;

// chmod modes: a byte indexes kModes, kModeRaw16 is followed by the mode.
constexpr uint32_t kModes[] = {0444, 0644, 0600, 0400, 0200, 0000};
constexpr uint8_t kModeRaw16 = 0xFF;

class Decoder {
 public:
  Decoder(const uint8_t* data, size_t size) : in_(data, size) {}

  Program run() {
    Program program;
    if (in_.empty()) return program;
    threads_ = (in_.u8() & kThreadsBit) != 0;  // the version byte
    while (!in_.empty() && program.ops.size() < kMaxOps) program.ops.push_back(op());
    return program;
  }

 private:
  Op op() {
    uint8_t opcode = in_.u8();
    bool flag = opcode & kFlag;
    Op op;
    op.kind = kKindByOpcode[opcode & 0x0F];
    if (threads_) {
      op.thread = static_cast<uint8_t>(((opcode >> kThreadShift) & 3) % kMaxThreads);
      op.concurrent = (opcode & kConcurrentBit) != 0;
    }
    switch (op.kind) {
      case OpKind::kOpen:
        op.create = !flag;
        if (op.create) nominal_ = op.size = number(kMaxProgramFileSize);
        break;
      case OpKind::kResize:
        nominal_ = op.size = number(kMaxProgramFileSize);
        break;
      case OpKind::kWrite:
        range(&op, kMaxIoLength);
        op.seed = in_.u8();
        break;
      case OpKind::kRead:
        range(&op, kMaxIoLength);
        break;
      case OpKind::kSync:
        if (!flag) range(&op, kMaxProgramFileSize);
        break;
      case OpKind::kFault:
        op.fault = fault(flag);
        break;
      case OpKind::kOutside:
        op.outside = outside();
        op.after_mmap = flag;
        break;
      case OpKind::kClose:
      case OpKind::kReopen:
      case OpKind::kCount:
        break;
    }
    return op;
  }

  // Event byte, then the event's fields. Sizes and ranges stay inside the
  // file limit: outside events act on the sandbox file only.
  faults::OutsideEvent outside() {
    faults::OutsideEvent e;
    e.kind = static_cast<faults::OutsideKind>(in_.u8() % static_cast<uint8_t>(faults::OutsideKind::kCount));
    switch (e.kind) {
      case faults::OutsideKind::kPwrite:
        e.offset = number(kMaxProgramFileSize);
        e.length = number(kMaxIoLength, kFoldedLength);
        e.seed = in_.u8();
        break;
      case faults::OutsideKind::kPunchHole:
        e.offset = number(kMaxProgramFileSize);
        e.length = number(kMaxProgramFileSize);
        break;
      case faults::OutsideKind::kChmod: {
        const uint8_t m = in_.u8();
        e.mode = m == kModeRaw16 ? in_.u16() & 07777 : kModes[m % (sizeof kModes / sizeof kModes[0])];
        break;
      }
      case faults::OutsideKind::kUnlink:
        break;
      case faults::OutsideKind::kLock:
      case faults::OutsideKind::kUnlock:
        lock(&e);
        break;
      default:
        e.length = number(kMaxProgramFileSize);
        break;
    }
    return e;
  }

  // One byte: the API (bits 0-1), the mode (bit 2), the file (bits 3-5);
  // then, for a lock, its range.
  void lock(faults::OutsideEvent* e) {
    const uint8_t b = in_.u8();
    e->lock_api = static_cast<faults::LockApi>((b & 3) % static_cast<uint8_t>(faults::LockApi::kCount));
    e->lock_mode = (b & 4) ? faults::LockMode::kExclusive : faults::LockMode::kShared;
    e->file = static_cast<faults::EventFile>(((b >> 3) & 7) % static_cast<uint8_t>(faults::EventFile::kCount));
    if (e->kind == faults::OutsideKind::kUnlock) return;
    e->offset = number(kMaxLockOffset);
    e->length = number(kMaxLockOffset);
  }

  void range(Op* op, uint64_t length_limit) {
    op->offset = number(UINT64_MAX);
    op->length = number(length_limit, kFoldedLength);
    prev_offset_ = op->offset;
    prev_end_ = op->offset + op->length;
  }

  // A number in [0, limit]; `small` bounds folded values and short page counts.
  uint64_t number(uint64_t limit, uint64_t small = kFoldedSize) {
    uint8_t selector = in_.u8();
    uint64_t v = 0;
    switch (static_cast<Base>(selector & 0x0F)) {
      case kZero: v = 0; break;
      case kPages8: v = in_.u8() * kPageSize; break;
      case kPages16: {
        // Any page boundary up to the limit when the top bit is set, else up to 256 KiB.
        const uint16_t k = in_.u16();
        v = k % ((k & 0x8000 ? std::min(limit, kMaxProgramFileSize) : small) / kPageSize + 1) * kPageSize;
        break;
      }
      case kNominal: v = nominal_; break;
      case kNominalPageFloor: v = nominal_ / kPageSize * kPageSize; break;
      case kRaw8: v = in_.u8(); break;
      case kRaw16: v = in_.u16(); break;
      case kRaw32: v = in_.u32(); break;
      case kRaw64: v = in_.u64(); break;
      case kNearMax: v = UINT64_MAX - in_.u8(); break;
      case kHalfRange: v = uint64_t{1} << 63; break;
      case kLimit: v = limit; break;
      case kTwoTo32: v = uint64_t{1} << 32; break;
      case kPrevEnd: v = prev_end_; break;
      case kPrevOffset: v = prev_offset_; break;
      case kNominalMinus8: v = add_delta(nominal_, -in_.u8()); break;
    }
    return fold(add_delta(v, kDelta[selector >> 4]), limit, small);
  }

  faults::FaultSpec fault(bool persistent) {
    faults::FaultSpec spec;
    spec.call = static_cast<Call>(in_.u8() % static_cast<uint8_t>(Call::kCount));
    spec.persistent = persistent;
    uint8_t e = in_.u8();
    if (e == kErrnoRaw8) {
      spec.err = fold_errno(in_.u8());
    } else if (e == kErrnoRaw16) {
      spec.err = fold_errno(in_.u16());
    } else {
      size_t n = 0;
      const int* realistic = faults::realistic_errnos(spec.call, &n);
      spec.err = n ? realistic[e % n] : EIO;
    }
    uint8_t nth = in_.u8();
    if (nth < kNthWide) {
      spec.nth = 1 + (nth & 7);
    } else if (nth < kNthRaw16) {
      spec.nth = 1 + (nth - kNthWide);
    } else {
      spec.nth = in_.u16();
      if (spec.nth == 0) spec.nth = 1;
    }
    return spec;
  }

  ByteReader in_;
  bool threads_ = false;  // the version byte has kThreadsBit
  uint64_t nominal_ = 0;  // the size the program last asked for (open create, resize)
  uint64_t prev_offset_ = 0;
  uint64_t prev_end_ = 0;
};

void put_number(std::vector<uint8_t>* out, uint64_t v) {
  if (v == 0) {
    out->push_back(kZero);
  } else if (v <= UINT8_MAX) {
    out->push_back(kRaw8);
    put_le(out, v, 1);
  } else if (v <= UINT16_MAX) {
    out->push_back(kRaw16);
    put_le(out, v, 2);
  } else if (v <= UINT32_MAX) {
    out->push_back(kRaw32);
    put_le(out, v, 4);
  } else {
    out->push_back(kRaw64);
    put_le(out, v, 8);
  }
}

void put_fault(std::vector<uint8_t>* out, const faults::FaultSpec& spec) {
  out->push_back(static_cast<uint8_t>(spec.call));
  if (spec.err >= 0 && spec.err <= UINT8_MAX) {
    out->push_back(kErrnoRaw8);
    put_le(out, static_cast<uint64_t>(spec.err), 1);
  } else {
    out->push_back(kErrnoRaw16);
    put_le(out, static_cast<uint16_t>(spec.err), 2);
  }
  if (spec.nth >= 1 && spec.nth <= 8) {
    out->push_back(static_cast<uint8_t>(spec.nth - 1));
  } else if (spec.nth >= 1 && spec.nth <= kNthRaw16 - kNthWide) {
    out->push_back(static_cast<uint8_t>(kNthWide + spec.nth - 1));
  } else {
    out->push_back(kNthRaw16);
    put_le(out, spec.nth, 2);
  }
}

// The operands of an outside event (after its opcode and kind byte).
void put_outside(std::vector<uint8_t>* out, const faults::OutsideEvent& e) {
  switch (e.kind) {
    case faults::OutsideKind::kPwrite:
      put_number(out, e.offset);
      put_number(out, e.length);
      out->push_back(e.seed);
      break;
    case faults::OutsideKind::kPunchHole:
      put_number(out, e.offset);
      put_number(out, e.length);
      break;
    case faults::OutsideKind::kChmod:
      out->push_back(kModeRaw16);
      put_le(out, e.mode, 2);
      break;
    case faults::OutsideKind::kUnlink:
      break;
    case faults::OutsideKind::kLock:
    case faults::OutsideKind::kUnlock:
      out->push_back(static_cast<uint8_t>(static_cast<uint8_t>(e.lock_api) |
                                          (e.lock_mode == faults::LockMode::kExclusive ? 4 : 0) |
                                          (static_cast<uint8_t>(e.file) << 3)));
      if (e.kind == faults::OutsideKind::kLock) {
        put_number(out, e.offset);
        put_number(out, e.length);
      }
      break;
    default:
      put_number(out, e.length);
      break;
  }
}

void put_op_fields(std::vector<uint8_t>* out, const Op& op);

// One op in its canonical encoding: the opcode carries its thread and
// concurrent mark (read only under the version's kThreadsBit).
void put_op(std::vector<uint8_t>* out, const Op& op) {
  const size_t at = out->size();
  put_op_fields(out, op);
  (*out)[at] |= static_cast<uint8_t>((op.thread % kMaxThreads) << kThreadShift) | (op.concurrent ? kConcurrentBit : 0);
}

void put_op_fields(std::vector<uint8_t>* out, const Op& op) {
  const uint8_t opcode = canonical_opcode(op.kind);
  switch (op.kind) {
    case OpKind::kOpen:
      out->push_back(canonical_opcode(op.kind, !op.create));
      if (op.create) put_number(out, op.size);
      break;
    case OpKind::kResize:
      out->push_back(opcode);
      put_number(out, op.size);
      break;
    case OpKind::kWrite:
    case OpKind::kRead:
      out->push_back(opcode);
      put_number(out, op.offset);
      put_number(out, op.length);
      if (op.kind == OpKind::kWrite) out->push_back(op.seed);
      break;
    case OpKind::kSync:
      out->push_back(canonical_opcode(op.kind, op.offset == 0 && op.length == 0));
      if (op.offset != 0 || op.length != 0) {
        put_number(out, op.offset);
        put_number(out, op.length);
      }
      break;
    case OpKind::kFault:
      out->push_back(canonical_opcode(op.kind, op.fault.persistent));
      put_fault(out, op.fault);
      break;
    case OpKind::kOutside:
      out->push_back(canonical_opcode(op.kind, op.after_mmap));
      out->push_back(static_cast<uint8_t>(op.outside.kind));
      put_outside(out, op.outside);
      break;
    case OpKind::kClose:
    case OpKind::kReopen:
    case OpKind::kCount:
      out->push_back(opcode);
      break;
  }
}

}  // namespace

Program decode_binary(const uint8_t* data, size_t size) { return Decoder(data, size).run(); }

std::vector<uint8_t> encode_binary(const Program& program) {
  std::vector<uint8_t> out;
  const bool threads = std::any_of(program.ops.begin(), program.ops.end(),
                                   [](const Op& op) { return op.thread != 0 || op.concurrent; });
  out.push_back(threads ? kBinaryVersion | kThreadsBit : kBinaryVersion);
  for (const Op& op : program.ops) put_op(&out, op);
  return out;
}

}  // namespace mapfuzz
