// libFuzzer target for the two encodings of programs. Any input must decode;
// the decoded program must survive decode→encode→decode and
// decode→format→parse unchanged. Inputs that look like text are also parsed
// (which must not crash) and, when valid, must survive the same round trips.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/binary_codec.h"
#include "harness/text_codec.h"

namespace {

[[noreturn]] void fail(const char* what, const mapfuzz::Program& program) {
  std::fprintf(stderr, "ERROR: codec round trip failed: %s\n%s", what,
               mapfuzz::format_program(program).c_str());
  std::abort();
}

void check_round_trips(const mapfuzz::Program& program) {
  if (program.ops.size() > mapfuzz::kMaxOps) fail("more than kMaxOps operations", program);
  std::vector<uint8_t> bytes = mapfuzz::encode_binary(program);
  if (!(mapfuzz::decode_binary(bytes.data(), bytes.size()) == program)) fail("decode(encode(p)) != p", program);

  std::string text = mapfuzz::format_program(program);
  mapfuzz::Program parsed;
  std::string error;
  if (!mapfuzz::parse_program(text, &parsed, &error)) {
    std::fprintf(stderr, "parse error: %s\n", error.c_str());
    fail("parse(format(p)) failed", program);
  }
  if (!(parsed == program)) fail("parse(format(p)) != p", program);
  if (!mapfuzz::looks_like_text(text)) fail("format(p) does not look like text", program);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_round_trips(mapfuzz::decode_binary(data, size));

  std::string text(reinterpret_cast<const char*>(data), size);
  if (mapfuzz::looks_like_text(text)) {
    mapfuzz::Program parsed;
    std::string error;
    if (mapfuzz::parse_program(text, &parsed, &error)) {
      check_round_trips(parsed);
    } else if (error.rfind("line ", 0) != 0) {
      fail(("parse error without a line number: " + error).c_str(), parsed);
    }
  }
  return 0;
}
