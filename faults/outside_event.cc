#include "faults/outside_event.h"

#include <cstring>

namespace mapfuzz::faults {
namespace {

constexpr const char* kNames[] = {"shrink", "regrow", "extend", "punch", "pwrite", "chmod", "unlink", "replace", "diskfull", "sizelimit"};
static_assert(sizeof kNames / sizeof kNames[0] == static_cast<size_t>(OutsideKind::kCount));

}  // namespace

const char* outside_kind_name(OutsideKind kind) {
  const auto i = static_cast<size_t>(kind);
  return i < static_cast<size_t>(OutsideKind::kCount) ? kNames[i] : "unknown";
}

bool outside_kind_from_name(const char* name, OutsideKind* out) {
  for (size_t i = 0; i < static_cast<size_t>(OutsideKind::kCount); ++i) {
    if (std::strcmp(name, kNames[i]) == 0) {
      *out = static_cast<OutsideKind>(i);
      return true;
    }
  }
  return false;
}

}  // namespace mapfuzz::faults
