// The operation language: one shape shared by the fuzz decoder, the text
// form, the property-test commands and the executor.
#pragma once

#include <cstdint>
#include <vector>

#include "faults/fault_spec.h"
#include "faults/outside_event.h"

namespace mapfuzz {

enum class OpKind : uint8_t {
  kOpen,    // open (create: create or truncate to `size` zero bytes; else open existing) and map
  kResize,  // resize the file and mapping to `size` (grow, shrink, or 0)
  kWrite,   // write `length` pattern bytes (see pattern_byte) at `offset`
  kRead,    // read `length` bytes at `offset`
  kSync,    // make [offset, offset+length) durable; length 0 = the whole file
  kClose,   // unmap and close
  kReopen,  // close, then open the existing file again
  kFault,   // arm `fault` in the fault layer
  kOutside, // another process acts on the file: `outside` (now, or inside the library's next mmap)
  kCount
};

const char* op_kind_name(OpKind kind);

struct Op {
  OpKind kind = OpKind::kClose;
  bool create = false;  // kOpen
  uint64_t size = 0;    // kOpen (when create), kResize
  uint64_t offset = 0;  // kWrite, kRead, kSync
  uint64_t length = 0;  // kWrite, kRead, kSync
  uint8_t seed = 0;     // kWrite: selects the byte pattern
  faults::FaultSpec fault;  // kFault
  faults::OutsideEvent outside;  // kOutside
  // kOutside: fire right after the library's next mmap of the file returns,
  // before it touches the memory, instead of between operations.
  bool after_mmap = false;
  // The thread the op runs on (0: the harness's own; 1..kMaxThreads-1:
  // worker threads). A library call on another thread is handed over: the
  // harness waits for it, so ops still run one at a time in program order.
  uint8_t thread = 0;
  // This op races with the op before it: a maximal run of ops, each after
  // the first marked concurrent, is a concurrent group. The group's ops start
  // together, each on its thread, and the oracle accepts any serial order of
  // them. Honoured only where the contract allows it (Contract::concurrent_ops,
  // Executor::step_group); elsewhere the group runs in program order.
  bool concurrent = false;

  bool operator==(const Op& other) const;
};

// The bytes a write with `seed` puts at absolute file offset `offset`. They
// depend on the offset so that a write landing at the wrong place is visible
// (the pattern repeats only every kPatternPeriod bytes, a prime, so never at a
// page multiple), and are never 0 so that a lost write is visible against
// zero-filled holes. Filling is a memcpy from one precomputed table.
inline constexpr uint64_t kPatternPeriod = 65521;
uint8_t pattern_byte(uint8_t seed, uint64_t offset);
// Fills out[0, length) with pattern_byte(seed, offset + i).
void fill_pattern(uint8_t seed, uint64_t offset, uint8_t* out, uint64_t length);

struct Program {
  std::vector<Op> ops;
  bool operator==(const Program& other) const { return ops == other.ops; }
};

// Limits that every decoded or parsed program respects, fixed by the
// encoding so that one input always means one program.
inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kMaxProgramFileSize = 4u << 20;  // 4 MiB
inline constexpr uint64_t kMaxIoLength = 256u << 10;       // 256 KiB per read/write
inline constexpr size_t kMaxOps = 64;
// Threads a program can use (the harness's own and two workers).
inline constexpr uint8_t kMaxThreads = 3;
// Lock ranges are not file data: they reach the bytes databases lock far
// past their data (SQLite's lock bytes at 1 GiB).
inline constexpr uint64_t kMaxLockOffset = uint64_t{1} << 40;

}  // namespace mapfuzz
