// Names of the operation kinds and the equality of operations.
#include "harness/op.h"

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
    case OpKind::kCount: break;
  }
  return "unknown";
}

// Only the fields that the kind uses take part, so that an op survives the
// binary and text round trips (which drop the others) as an equal op.
bool Op::operator==(const Op& other) const {
  if (kind != other.kind) return false;
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
    case OpKind::kClose:
    case OpKind::kReopen:
    case OpKind::kCount:
      return true;
  }
  return true;
}

}  // namespace mapfuzz
