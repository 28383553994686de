// Planted-bug mutants of the reference library. Each is a classic mmap bug,
// compiled in with -DMAPFUZZ_MUTANT=<n> (default 0: the correct library), so
// that tests can check the harness finds it. mapped_file.cc plants each one at
// a single site with `if constexpr (kMutant == Mutant::kX)`.
//
// The numbers and names are stable: targets/CMakeLists.txt lists the names in
// this order (MAPFUZZ_REFERENCE_MUTANTS) and builds reference_mut_<name>.
#pragma once

#ifndef MAPFUZZ_MUTANT
#define MAPFUZZ_MUTANT 0
#endif

namespace mapfuzz::reference {

enum class Mutant : int {
  kNone = 0,
  // Bounds check `off + len > size`: wraps for offsets near 2^64, so the
  // access "succeeds" and lands before the mapping.
  kBoundsWrap = 1,
  // Bounds checked against the page-rounded mapping length, not the file
  // size: accesses in the tail of the last page past EOF "succeed" (writes
  // are silently lost).
  kBoundsByPage = 2,
  // Grow extends the file and size() but keeps the old mapping: accesses past
  // the old length hit unmapped memory or another mapping.
  kNoRemapAfterGrow = 3,
  // Shrink truncates the file but keeps the old size and mapping length:
  // size() is wrong, accesses past the new EOF raise SIGBUS.
  kStaleLengthAfterShrink = 4,
  // Sync passes the unaligned address to msync (EINVAL) and ignores the
  // result, reporting success.
  kMsyncUnalignedIgnored = 5,
  // close() returns early when there is no mapping (0-byte file) and forgets
  // the fd without closing it.
  kFdLeakOnCloseEmpty = 6,
  // mmap's result is compared with nullptr instead of MAP_FAILED: a failed
  // mmap is taken for a mapping at (void*)-1. Seen only when mmap fails.
  kMmapNullCheck = 7,
  // The mutants below are seen only under injected faults.
  // Shrink ignores ftruncate's result: the file keeps its old size while
  // size() and the mapping report the new one.
  kSwallowedFtruncateError = 8,
  // Grow ignores posix_fallocate's result: size() and the mapping report the
  // new size while the file was never extended.
  kSwallowedFallocateError = 9,
  // Grow extends the file first and maps afterwards; when mmap/mremap fails
  // it returns the error and leaves the file grown.
  kNonAtomicResize = 10,
  // Sync ignores msync's result: success after an EIO from writeback.
  kIgnoredMsyncResult = 11,
  // open() returns mmap's error without closing the fd it opened.
  kFdLeakWhenMmapFails = 12,
  // The adapter's contract claims the library survives another process
  // truncating the file, but the library has no guard: the SIGBUS that
  // follows an outside shrink is a finding, not the documented hazard.
  kClaimsTruncationSafety = 13,
  // Grows the file with ftruncate alone (sparse): on a full disk the grow
  // "succeeds" and the first write to a new page raises SIGBUS. Seen only
  // under a real full disk (`outside diskfull`).
  kSparseGrowth = 14,
  // The mutants below are built on the locking style (style.h) and seen only
  // when another process holds a lock (`outside lock`).
  // Write takes no lock: it goes ahead while another process holds one.
  kLocksIgnoresHeldLock = 15,
  // Write and resize call fcntl(F_SETLK) but ignore its result: contention
  // goes unnoticed.
  kLocksUncheckedResult = 16,
  // The mutants below are built on the locking style, which is thread-safe,
  // and seen only when calls race (concurrent groups).
  // Resize takes the instance's lock shared, as a reader would: a read in
  // another thread goes on while the mapping is moved or the file shrunk
  // under it (SIGSEGV, SIGBUS, or stale bytes).
  kThreadsResizeUnexcluded = 17,
  // Growth publishes the new size first, then lets readers in for the slow
  // part (mapping and allocating; writers stay out) and shuts them out again
  // to install the new mapping: a read or sync in the window passes the
  // bounds check against the new size and uses the old, shorter mapping.
  kThreadsSizeBeforeMapping = 18,
  kCount
};

static_assert(MAPFUZZ_MUTANT >= 0 && MAPFUZZ_MUTANT < static_cast<int>(Mutant::kCount),
              "MAPFUZZ_MUTANT must name a Mutant (0 = none)");

inline constexpr Mutant kMutant = static_cast<Mutant>(MAPFUZZ_MUTANT);

// "none", "bounds_wrap", ...: the stable lowercase name (as in CMake).
constexpr const char* mutant_name(Mutant m) {
  switch (m) {
    case Mutant::kNone: return "none";
    case Mutant::kBoundsWrap: return "bounds_wrap";
    case Mutant::kBoundsByPage: return "bounds_by_page";
    case Mutant::kNoRemapAfterGrow: return "no_remap_after_grow";
    case Mutant::kStaleLengthAfterShrink: return "stale_length_after_shrink";
    case Mutant::kMsyncUnalignedIgnored: return "msync_unaligned_ignored";
    case Mutant::kFdLeakOnCloseEmpty: return "fd_leak_on_close_empty";
    case Mutant::kMmapNullCheck: return "mmap_null_check";
    case Mutant::kSwallowedFtruncateError: return "swallowed_ftruncate_error";
    case Mutant::kSwallowedFallocateError: return "swallowed_fallocate_error";
    case Mutant::kNonAtomicResize: return "non_atomic_resize";
    case Mutant::kIgnoredMsyncResult: return "ignored_msync_result";
    case Mutant::kFdLeakWhenMmapFails: return "fd_leak_when_mmap_fails";
    case Mutant::kClaimsTruncationSafety: return "claims_truncation_safety";
    case Mutant::kSparseGrowth: return "sparse_growth";
    case Mutant::kLocksIgnoresHeldLock: return "locks_ignores_held_lock";
    case Mutant::kLocksUncheckedResult: return "locks_unchecked_result";
    case Mutant::kThreadsResizeUnexcluded: return "threads_resize_unexcluded";
    case Mutant::kThreadsSizeBeforeMapping: return "threads_size_before_mapping";
    case Mutant::kCount: break;
  }
  return "unknown";
}

}  // namespace mapfuzz::reference
