// Styles of the reference library: equally correct orders of its calls where
// the order of growing the file and mapping it is a free choice, compiled in
// with -DMAPFUZZ_REFERENCE_STYLE=<n> (default 0). Unlike a mutant (mutants.h)
// a style plants no bug: every style must come out clean. They exist so that
// the harness is tested against more than one correct shape of a library, the
// way people write one.
//
// The numbers are stable: targets/CMakeLists.txt builds style n as the target
// reference_<name> (reference itself is style 0).
#pragma once

#ifndef MAPFUZZ_REFERENCE_STYLE
#define MAPFUZZ_REFERENCE_STYLE 0
#endif

namespace mapfuzz::reference {

enum class Style : int {
  // open(create): extend the file with posix_fallocate, then map it. A
  // failed mmap leaves the new file grown (open(create) may leave zeros up to
  // the requested size).
  kGrowFirst = 0,
  // open(create): map the requested length first (a mapping may reach past
  // EOF; nothing touches it before the file covers it), then extend the file
  // with posix_fallocate. A failure of either unmaps and closes: nothing was
  // written, so nothing is rolled back.
  kMapFirst = 1,
  // Grow-first, and lock-honouring: write and resize take an exclusive
  // fcntl lock on the whole file (F_SETLK, no waiting) for the length of the
  // call, read a shared one; when another process holds a conflicting lock
  // the call fails with the lock call's errno (EAGAIN or EACCES) and changes
  // nothing. Its contract says so (LockPromise::kErrors). It is also
  // thread-safe: a shared mutex makes read and sync shared, every other call
  // exclusive, so calls on one instance may come from several threads at
  // once (its contract's concurrent_ops). The locks_* and threads_* mutants
  // are built on this style.
  kLocking = 2,
  kCount
};
// resize() maps first in every style (MappedFile::grow): growing the file
// before mapping it needs a second call to undo the growth when the mapping
// fails, and that call can fail too (the non_atomic_resize mutant).

static_assert(MAPFUZZ_REFERENCE_STYLE >= 0 && MAPFUZZ_REFERENCE_STYLE < static_cast<int>(Style::kCount),
              "MAPFUZZ_REFERENCE_STYLE must name a Style");

inline constexpr Style kStyle = static_cast<Style>(MAPFUZZ_REFERENCE_STYLE);
// The style whose calls may run at the same time (kLocking).
inline constexpr bool kThreadSafe = kStyle == Style::kLocking;

// "grow_first", "map_first": the stable lowercase name (the target is
// reference_<name>, except style 0, which is plain reference).
constexpr const char* style_name(Style s) {
  switch (s) {
    case Style::kGrowFirst: return "grow_first";
    case Style::kMapFirst: return "map_first";
    case Style::kLocking: return "locking";
    case Style::kCount: break;
  }
  return "unknown";
}

}  // namespace mapfuzz::reference
