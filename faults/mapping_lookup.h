// Which sandbox file byte an address maps: a lookup in the interposer's
// table of tracked sandbox mappings, for the signal guard (signal_guard.h).
#pragma once

#include <cstdint>

namespace mapfuzz::faults {

// Returns true iff `addr` lies in a mapping of a sandbox fd tracked by the
// interposer (a sandbox is active and the mapping was made through the
// interposed mmap/mremap, under a Bypass or not). Then sets *file_offset to
// the file offset `addr` maps and *fd to the fd it was mapped from (possibly
// closed since). Returns false and leaves both untouched otherwise, and
// also when called on a thread that is inside the interposer (whose lock it
// could otherwise wait on forever).
// Async-signal-safe in that sense: it takes the interposer's spin lock,
// which other threads hold only briefly and never while touching mapped
// memory. Without the interposer linked in it always returns false.
bool sandbox_mapping_at(uint64_t addr, uint64_t* file_offset, int* fd);

}  // namespace mapfuzz::faults
