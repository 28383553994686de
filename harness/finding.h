// What the oracle can find. One kind per class of bug, a stable name and a
// distinct exit code for each (replay exits with it).
#pragma once

#include <cstdint>
#include <string>

namespace mapfuzz {

enum class FindingKind : uint8_t {
  kNone,
  kUnexpectedError,  // the library failed where the model (and no fault) says it must succeed
  kMissingError,     // the library succeeded where its contract says it must fail
  kWrongSize,        // size() differs from the model after an operation
  kDataMismatch,     // read returned bytes the model does not hold
  kFileMismatch,     // the file read back with plain pread differs from the model
  kLeak,             // fds or mappings of sandbox files remain after close
  kUnbackedSync,     // sync succeeded without a successful msync/fsync covering the dirty pages
  kSwallowedError,   // an injected fault was reported as success and the state no longer matches
  kNotAtomic,        // after a failed operation the state differs from the state before it
  kSignal,           // SIGBUS/SIGSEGV on a sandbox mapping with no documented cause
  kCount
};

// "unexpected-error", "missing-error", ... (stable: tests and scripts match them)
const char* finding_name(FindingKind kind);
// 0 for kNone, 10 + kind otherwise.
int finding_exit_code(FindingKind kind);

struct Finding {
  FindingKind kind = FindingKind::kNone;
  int64_t step = -1;   // index of the failing op; -1 = the end-of-run checks
  std::string detail;  // one line: what differs, with errno, offset and size
  explicit operator bool() const { return kind != FindingKind::kNone; }
};

}  // namespace mapfuzz
