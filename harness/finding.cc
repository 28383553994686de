#include "harness/finding.h"

namespace mapfuzz {

const char* finding_name(FindingKind kind) {
  switch (kind) {
    case FindingKind::kNone: return "none";
    case FindingKind::kUnexpectedError: return "unexpected-error";
    case FindingKind::kMissingError: return "missing-error";
    case FindingKind::kWrongSize: return "wrong-size";
    case FindingKind::kDataMismatch: return "data-mismatch";
    case FindingKind::kFileMismatch: return "file-mismatch";
    case FindingKind::kLeak: return "leak";
    case FindingKind::kUnbackedSync: return "unbacked-sync";
    case FindingKind::kSwallowedError: return "swallowed-error";
    case FindingKind::kNotAtomic: return "not-atomic";
    case FindingKind::kSignal: return "signal";
    case FindingKind::kLockIgnored: return "lock-ignored";
    case FindingKind::kHang: return "hang";
    case FindingKind::kDataRace: return "data-race";
    case FindingKind::kCount: break;
  }
  return "unknown";
}

}  // namespace mapfuzz
