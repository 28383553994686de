#include "faults/outside_event.h"

#include <cstring>
#include <iterator>

namespace mapfuzz::faults {
namespace {

constexpr const char* kNames[] = {"shrink", "regrow", "extend", "punch", "pwrite", "chmod", "unlink", "replace", "lock", "unlock", "diskfull", "sizelimit"};
static_assert(sizeof kNames / sizeof kNames[0] == static_cast<size_t>(OutsideKind::kCount));

constexpr const char* kApiNames[] = {"fcntl", "ofd", "flock"};
static_assert(std::size(kApiNames) == static_cast<size_t>(LockApi::kCount));
constexpr const char* kModeNames[] = {"shared", "exclusive"};
static_assert(std::size(kModeNames) == static_cast<size_t>(LockMode::kCount));
constexpr const char* kFileNames[] = {"data", "lock", "journal", "wal", "shm"};
constexpr const char* kFileSuffixes[] = {"", "-lock", "-journal", "-wal", "-shm"};
static_assert(std::size(kFileNames) == static_cast<size_t>(EventFile::kCount));
static_assert(std::size(kFileSuffixes) == static_cast<size_t>(EventFile::kCount));

template <typename E, size_t N>
const char* name_of(const char* const (&names)[N], E value) {
  const auto i = static_cast<size_t>(value);
  return i < N ? names[i] : "unknown";
}

template <typename E, size_t N>
bool from_name(const char* const (&names)[N], const char* name, E* out) {
  for (size_t i = 0; i < N; ++i) {
    if (std::strcmp(name, names[i]) == 0) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

const char* lock_api_name(LockApi api) { return name_of(kApiNames, api); }
bool lock_api_from_name(const char* name, LockApi* out) { return from_name(kApiNames, name, out); }
const char* lock_mode_name(LockMode mode) { return name_of(kModeNames, mode); }
bool lock_mode_from_name(const char* name, LockMode* out) { return from_name(kModeNames, name, out); }
const char* event_file_name(EventFile file) { return name_of(kFileNames, file); }
bool event_file_from_name(const char* name, EventFile* out) { return from_name(kFileNames, name, out); }
const char* event_file_suffix(EventFile file) { return name_of(kFileSuffixes, file); }

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
