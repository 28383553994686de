// Tests of harness/binary_codec.cc: every input decodes, within limits, to a
// program that survives encode and the text form; selectors hit the values
// they are meant to bias toward.
#include "harness/binary_codec.h"

#include <boost/test/unit_test.hpp>

#include <ostream>
#include <algorithm>
#include <random>

#include "harness/text_codec.h"

namespace mapfuzz {

// For Boost.Test's messages.
inline std::ostream& operator<<(std::ostream& out, OpKind kind) { return out << op_kind_name(kind); }

namespace {

Program decode(const std::vector<uint8_t>& bytes) { return decode_binary(bytes.data(), bytes.size()); }

std::vector<uint8_t> random_bytes(std::mt19937_64& rng, size_t max_size) {
  std::vector<uint8_t> bytes(rng() % (max_size + 1));
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

void check_limits(const Program& p) {
  BOOST_REQUIRE_LE(p.ops.size(), kMaxOps);
  for (const Op& op : p.ops) {
    BOOST_REQUIRE(op.kind < OpKind::kCount);
    switch (op.kind) {
      case OpKind::kOpen:
      case OpKind::kResize:
        BOOST_REQUIRE_LE(op.size, kMaxProgramFileSize);
        break;
      case OpKind::kWrite:
      case OpKind::kRead:
        BOOST_REQUIRE_LE(op.length, kMaxIoLength);
        break;
      case OpKind::kSync:
        BOOST_REQUIRE_LE(op.length, kMaxProgramFileSize);
        break;
      case OpKind::kFault:
        BOOST_REQUIRE(op.fault.call < faults::Call::kCount);
        BOOST_REQUIRE_GE(op.fault.nth, 1);
        BOOST_REQUIRE_GT(op.fault.err, 0);
        break;
      default:
        break;
    }
  }
}

BOOST_AUTO_TEST_SUITE(binary_codec)

BOOST_AUTO_TEST_CASE(empty_and_degenerate_inputs_decode) {
  BOOST_TEST(decode_binary(nullptr, 0).ops.empty());
  BOOST_TEST(decode({kBinaryVersion}).ops.empty());
  for (uint8_t fill : {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff}) {
    for (size_t n : {1, 2, 3, 17, 1000, 100000}) {
      Program p = decode(std::vector<uint8_t>(n, fill));
      check_limits(p);
      BOOST_TEST(p.ops.size() <= n);
    }
  }
  // All 0xff: outside events during the next mmap; event 0xff % 12 = 3, punch.
  Program p = decode(std::vector<uint8_t>(64, 0xff));
  BOOST_REQUIRE(!p.ops.empty());
  BOOST_TEST(p.ops[0].kind == OpKind::kOutside);
  BOOST_TEST(p.ops[0].after_mmap);
  BOOST_CHECK(p.ops[0].outside.kind == faults::OutsideKind::kPunchHole);
  BOOST_TEST(p.ops[0].outside.length <= kMaxProgramFileSize);
}

BOOST_AUTO_TEST_CASE(stops_at_max_ops) {
  std::vector<uint8_t> bytes(1 + 3 * kMaxOps, 0x07);  // 0x07: close, no fields
  bytes[0] = kBinaryVersion;
  Program p = decode(bytes);
  BOOST_TEST(p.ops.size() == kMaxOps);
  for (const Op& op : p.ops) BOOST_TEST(op.kind == OpKind::kClose);
}

BOOST_AUTO_TEST_CASE(unknown_version_reads_as_version_1) {
  std::vector<uint8_t> bytes = {kBinaryVersion, 0x02, 0x01, 0x02, 0x07};
  Program v1 = decode(bytes);
  bytes[0] = 0x9c;
  BOOST_TEST((decode(bytes) == v1));
}

BOOST_AUTO_TEST_CASE(threads_ride_in_the_opcode_only_under_the_threads_bit) {
  // open create 2 pages; write at 0, length 16, seed 7, with opcode bits
  // 5-6 = thread 2 and bit 7 = concurrent (0xC0).
  std::vector<uint8_t> bytes = {kBinaryVersion | 0x02, 0x02, 0x01, 0x02, 0xC0, 0x00, 0x05, 0x10, 0x07};
  const Program threaded = decode(bytes);
  BOOST_REQUIRE_EQUAL(threaded.ops.size(), 2u);
  BOOST_TEST((threaded.ops[1].kind == OpKind::kWrite && threaded.ops[1].length == 16));
  BOOST_TEST(threaded.ops[1].thread == 2);
  BOOST_TEST(threaded.ops[1].concurrent);
  BOOST_TEST(threaded.ops[0].thread == 0);
  BOOST_TEST((decode(encode_binary(threaded)) == threaded));
  bytes[0] = kBinaryVersion;  // without the bit the same opcode is a plain write
  const Program plain = decode(bytes);
  BOOST_TEST((plain.ops[1].kind == OpKind::kWrite && plain.ops[1].thread == 0 && !plain.ops[1].concurrent));
  BOOST_TEST(encode_binary(plain)[0] == kBinaryVersion);  // programs without threads keep version 1
  bytes[4] = 0x60;  // thread bits 3 read as thread 0
  bytes[0] = kBinaryVersion | 0x02;
  BOOST_TEST(decode(bytes).ops[1].thread == 0);
}

BOOST_AUTO_TEST_CASE(known_bytes) {
  // open create size = 2 pages; resize to nominal+1; write at nominal-1 length 2
  // seed 9; read at 2^64-1 length 1; sync whole file; fault ftruncate ENOSPC
  // (raw) nth 3 persistent; reopen; open existing.
  std::vector<uint8_t> bytes = {kBinaryVersion,
                                0x02, 0x01, 0x02,
                                0x03, 0x23,
                                0x00, 0x13, 0x05, 0x02, 0x09,
                                0x01, 0x09, 0x00, 0x05, 0x01,
                                0x16,
                                0x1d, 0x01, 0xfe, ENOSPC, 0x02,
                                0x0a,
                                0x12};
  Program p = decode(bytes);
  BOOST_REQUIRE_EQUAL(p.ops.size(), 8u);
  BOOST_TEST((p.ops[0].kind == OpKind::kOpen && p.ops[0].create && p.ops[0].size == 8192));
  BOOST_TEST((p.ops[1].kind == OpKind::kResize && p.ops[1].size == 8193));
  BOOST_TEST((p.ops[2].kind == OpKind::kWrite && p.ops[2].offset == 8192 && p.ops[2].length == 2 &&
              p.ops[2].seed == 9));
  BOOST_TEST((p.ops[3].kind == OpKind::kRead && p.ops[3].offset == UINT64_MAX && p.ops[3].length == 1));
  BOOST_TEST((p.ops[4].kind == OpKind::kSync && p.ops[4].offset == 0 && p.ops[4].length == 0));
  BOOST_TEST((p.ops[5].kind == OpKind::kFault && p.ops[5].fault.call == faults::Call::kFtruncate &&
              p.ops[5].fault.err == ENOSPC && p.ops[5].fault.nth == 3 && p.ops[5].fault.persistent));
  BOOST_TEST((p.ops[6].kind == OpKind::kReopen));
  BOOST_TEST((p.ops[7].kind == OpKind::kOpen && !p.ops[7].create));
}

BOOST_AUTO_TEST_CASE(sizes_fold_into_limits) {
  // resize to 2^64-1 (kNearMax, k=0) folds; lengths at kLimit are the limit.
  Program p = decode({kBinaryVersion, 0x03, 0x09, 0x00, 0x01, 0x00, 0x0b, 0x06, 0x00, 0x0b});
  check_limits(p);
  BOOST_REQUIRE_EQUAL(p.ops.size(), 3u);
  BOOST_TEST(p.ops[1].length == kMaxIoLength);
  BOOST_TEST(p.ops[2].length == kMaxProgramFileSize);
}

BOOST_AUTO_TEST_CASE(truncated_records_read_missing_bytes_as_zero) {
  Program p = decode({kBinaryVersion, 0x00, 0x08, 0x01});  // write, raw u64 cut short
  BOOST_REQUIRE_EQUAL(p.ops.size(), 1u);
  BOOST_TEST(p.ops[0].offset == 1u);
  BOOST_TEST(p.ops[0].length == 0u);
  BOOST_TEST(p.ops[0].seed == 0u);
}

BOOST_AUTO_TEST_CASE(random_inputs_round_trip) {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bytes = random_bytes(rng, i % 10 == 0 ? 2000 : 200);
    Program p = decode(bytes);
    check_limits(p);
    BOOST_REQUIRE(decode(bytes) == p);  // deterministic

    std::vector<uint8_t> encoded = encode_binary(p);
    const bool threads = std::any_of(p.ops.begin(), p.ops.end(), [](const Op& op) { return op.thread || op.concurrent; });
    BOOST_REQUIRE_EQUAL(encoded[0], threads ? kBinaryVersion | 0x02 : kBinaryVersion);
    BOOST_REQUIRE_MESSAGE(decode(encoded) == p, "binary round trip of\n" << format_program(p));

    Program parsed;
    std::string error;
    std::string text = format_program(p);
    BOOST_REQUIRE_MESSAGE(parse_program(text, &parsed, &error), error << "\n" << text);
    BOOST_REQUIRE_MESSAGE(parsed == p, "text round trip of\n" << text);
    BOOST_REQUIRE(looks_like_text(text));

    // Every prefix of an encoding decodes, to a prefix-length program.
    size_t cut = encoded.size() ? rng() % encoded.size() : 0;
    Program prefix = decode_binary(encoded.data(), cut);
    BOOST_REQUIRE_LE(prefix.ops.size(), p.ops.size());
  }
}

BOOST_AUTO_TEST_CASE(encode_is_exact_for_extreme_values) {
  Program p;
  auto add = [&](OpKind kind, uint64_t offset, uint64_t length) {
    Op op;
    op.kind = kind;
    op.offset = offset;
    op.length = length;
    p.ops.push_back(op);
  };
  Op open;
  open.kind = OpKind::kOpen;
  open.create = true;
  open.size = kMaxProgramFileSize;
  p.ops.push_back(open);
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{65535}, uint64_t{65536},
                     uint64_t{UINT32_MAX}, uint64_t{1} << 32, uint64_t{1} << 63, UINT64_MAX}) {
    add(OpKind::kRead, v, kMaxIoLength);
    add(OpKind::kSync, v, 0);
  }
  Op fault;
  fault.kind = OpKind::kFault;
  fault.fault = {faults::Call::kClose, 65535, 300, true};
  p.ops.push_back(fault);
  fault.fault = {faults::Call::kMsync, 128, EOVERFLOW, false};
  p.ops.push_back(fault);
  fault.fault.nth = 127;
  p.ops.push_back(fault);
  Op lock{.kind = OpKind::kOutside};
  lock.outside.kind = faults::OutsideKind::kLock;
  lock.outside.lock_api = faults::LockApi::kFlock;
  lock.outside.lock_mode = faults::LockMode::kExclusive;
  lock.outside.file = faults::EventFile::kShm;
  lock.outside.offset = kMaxLockOffset;
  lock.outside.length = 0x40000002;
  p.ops.push_back(lock);
  lock.outside.kind = faults::OutsideKind::kUnlock;
  lock.outside.lock_api = faults::LockApi::kOfd;
  lock.after_mmap = true;
  p.ops.push_back(lock);
  BOOST_TEST((decode(encode_binary(p)) == p));
}

// Tracks the nominal size as the decoder does and counts how often the
// selectors produce the values they are biased toward.
BOOST_AUTO_TEST_CASE(biased_values_appear) {
  std::mt19937_64 rng(7);
  int page_aligned_offsets = 0, offsets_at_size_minus_1 = 0, offsets_at_size = 0, offsets_above_2_63 = 0,
      offsets_at_max = 0, page_plus_1_offsets = 0, page_sizes = 0, page_minus_1_sizes = 0, zero_sizes = 0,
      max_lengths = 0, zero_lengths = 0, adjacent_ranges = 0, realistic_faults = 0;
  for (int i = 0; i < 10000; ++i) {
    std::vector<uint8_t> bytes = random_bytes(rng, 100);
    uint64_t nominal = 0, prev_end = 0;
    for (const Op& op : decode(bytes).ops) {
      switch (op.kind) {
        case OpKind::kOpen:
        case OpKind::kResize:
          if (op.kind == OpKind::kOpen && !op.create) break;
          nominal = op.size;
          zero_sizes += op.size == 0;
          page_sizes += op.size && op.size % kPageSize == 0;
          page_minus_1_sizes += op.size % kPageSize == kPageSize - 1;
          break;
        case OpKind::kWrite:
        case OpKind::kRead:
          page_aligned_offsets += op.offset && op.offset % kPageSize == 0 && op.offset < kMaxProgramFileSize;
          page_plus_1_offsets += op.offset % kPageSize == 1 && op.offset < kMaxProgramFileSize;
          offsets_at_size_minus_1 += nominal && op.offset == nominal - 1;
          offsets_at_size += nominal && op.offset == nominal;
          offsets_above_2_63 += op.offset > (uint64_t{1} << 63);
          offsets_at_max += op.offset == UINT64_MAX;
          max_lengths += op.length == kMaxIoLength;
          zero_lengths += op.length == 0;
          adjacent_ranges += op.offset == prev_end && prev_end != 0;
          prev_end = op.offset + op.length;
          break;
        case OpKind::kFault:
          realistic_faults += op.fault.err == ENOSPC || op.fault.err == EIO || op.fault.err == ENOMEM;
          break;
        default:
          break;
      }
    }
  }
  BOOST_TEST_MESSAGE("page-aligned offsets " << page_aligned_offsets << ", page+1 " << page_plus_1_offsets
                     << ", size-1 " << offsets_at_size_minus_1 << ", size " << offsets_at_size << ", >2^63 "
                     << offsets_above_2_63 << ", 2^64-1 " << offsets_at_max);
  BOOST_TEST(page_aligned_offsets > 100);
  BOOST_TEST(page_plus_1_offsets > 20);
  BOOST_TEST(offsets_at_size_minus_1 > 20);
  BOOST_TEST(offsets_at_size > 20);
  BOOST_TEST(offsets_above_2_63 > 100);
  BOOST_TEST(offsets_at_max > 20);
  BOOST_TEST(page_sizes > 100);
  BOOST_TEST(page_minus_1_sizes > 20);
  BOOST_TEST(zero_sizes > 100);
  BOOST_TEST(max_lengths > 20);
  BOOST_TEST(zero_lengths > 100);
  BOOST_TEST(adjacent_ranges > 20);
  BOOST_TEST(realistic_faults > 100);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
