// What the oracle can find. One kind per class of bug, with a stable name
// (every finding exits with ExitCode::kFinding, harness/exit_codes.h).
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
  kSwallowedError,   // a call that failed inside the step (injected, or real on a full disk) was reported as success and the state no longer matches
  kNotAtomic,        // after a failed operation the state differs from the state before it
  kSignal,           // SIGBUS/SIGSEGV on a sandbox mapping with no documented cause
  kLockIgnored,      // the file changed while another process held a lock the contract says the library takes first
  kHang,             // a lock call would have waited for ever (a lock the library holds itself, or a wait its contract rules out)
  kDataRace,         // ThreadSanitizer saw two of the library's threads touch the same memory unordered, one of them writing
  kCount
};

// "unexpected-error", "missing-error", ... (stable: tests and scripts match them)
const char* finding_name(FindingKind kind);

struct Finding {
  FindingKind kind = FindingKind::kNone;
  int64_t step = -1;   // index of the failing op; -1 = the end-of-run checks
  std::string detail;  // one line: what differs, with errno, offset and size
  // Typed facts the report's `why:` line explains (harness/why.h), where the
  // failing step's status does not hold them:
  const char* call = nullptr;  // a call that failed inside a step reported as success (the msync of an
                               // unbacked sync, the fallocate of a swallowed error); static text
  int error = 0;               // its errno (0: none)
  int signo = 0;               // kSignal: the signal that ended the call (0: a sanitizer's report)
  int signal_code = 0;         // its si_code
  explicit operator bool() const { return kind != FindingKind::kNone; }
};

}  // namespace mapfuzz
