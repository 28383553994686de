// The versioned binary encoding of a program, read from fuzz input.
//
// Every byte string decodes to a valid program (libFuzzer's mutations never
// waste an execution on a parse error): missing bytes read as zero, values are
// folded into range, and decoding stops at kMaxOps operations. Sizes and
// offsets are drawn through selectors biased toward 0, page boundaries and
// their neighbours, the current size and its neighbours, and (for offsets)
// values near 2^64 that overflow careless bounds checks.
//
// Layout: byte 0 is the format version (kBinaryVersion; an unknown value is
// read as version 1), then one record per operation: an opcode byte whose low
// bits choose the kind, followed by the kind's fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "harness/op.h"

namespace mapfuzz {

inline constexpr uint8_t kBinaryVersion = 1;

// Never fails. Deterministic: the same bytes always give the same program.
Program decode_binary(const uint8_t* data, size_t size);

// Encodes `program` so that decode_binary() returns an equal program, using
// exact-value selectors. Values must be within the program limits of op.h
// (text_codec validates them); larger ones are folded like decoded ones.
std::vector<uint8_t> encode_binary(const Program& program);

}  // namespace mapfuzz
