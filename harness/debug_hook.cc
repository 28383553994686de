#include "harness/debug_hook.h"

#include <sys/stat.h>

#include <cstdio>

#include "faults/mapping_lookup.h"
#include "harness/text_codec.h"

// Kept out of the optimiser's reach: an empty body it could see through
// would let it drop the calls, and optimised-out arguments would leave the
// breakpoint's condition nothing to test.
#if defined(__clang__)
#define MAPFUZZ_DEBUG_HOOK extern "C" __attribute__((noinline, used, optnone))
#else
#define MAPFUZZ_DEBUG_HOOK extern "C" __attribute__((noinline, used, optimize("O0")))
#endif

MAPFUZZ_DEBUG_HOOK void mapfuzz_before_library_call(uint32_t step, const char* text) {
  asm volatile("" : : "r"(step), "r"(text) : "memory");
}

MAPFUZZ_DEBUG_HOOK void mapfuzz_after_library_call(uint32_t step) { asm volatile("" : : "r"(step) : "memory"); }

MAPFUZZ_DEBUG_HOOK const char* mapfuzz_describe_address(uint64_t addr) {
  static char buf[256];
  uint64_t offset = 0;
  int fd = -1;
  if (!mapfuzz::faults::sandbox_mapping_at(addr, &offset, &fd)) {
    std::snprintf(buf, sizeof buf, "address 0x%llx is in no sandbox mapping (a wild access, not the file's)",
                  (unsigned long long)addr);
    return buf;
  }
  struct stat st;
  const long long size = ::fstat(fd, &st) == 0 ? static_cast<long long>(st.st_size) : -1;
  std::snprintf(buf, sizeof buf,
                "address 0x%llx maps file offset %llu (page %llu) of fd %d; the file's size now: %lld%s",
                (unsigned long long)addr, (unsigned long long)offset, (unsigned long long)(offset / 4096), fd, size,
                size >= 0 && offset >= static_cast<uint64_t>(size) ? " (beyond EOF)" : "");
  return buf;
}

namespace mapfuzz {
namespace {

std::string expectation(const StepRecord& s) {
  if (s.skipped) return std::string("skipped (") + s.skipped + "): the library is not called";
  if (s.op.kind == OpKind::kFault) return "the fault is armed for the next calls";
  if (s.expected.must_fail) return "the call fails, size stays " + std::to_string(s.model_size_before);
  if (s.op.kind == OpKind::kRead) return "ok, " + std::to_string(s.expected.read_length) + " bytes";
  return "ok, size " + std::to_string(s.expected.size_after);
}

}  // namespace

std::string debugger_text(const std::vector<StepRecord>& trace, const StepRecord& current) {
  std::string t = "mapfuzz: stopped before the library call of step " + std::to_string(current.index) + ": " +
                  format_op(current.op) + "\n  model expects: " + expectation(current) +
                  "\n  trace so far (text form):\n";
  for (const StepRecord& s : trace) {
    t += "    " + format_op(s.op) + (s.skipped ? "    # skipped\n" : "\n");
  }
  return t + "  > " + format_op(current.op) + "\n";
}

}  // namespace mapfuzz
