// The python_mmap subject: CPython's mmap module driven through the embedded
// interpreter with the C API (the same calls Python code makes; the mmap
// module is the interpreter's own lib-dynload/mmap*.so, dlopen'ed at import).
//
// The file is opened the Python way: open(path, 'w+b') or open(path, 'r+b');
// a new file is sized with f.truncate(size) or os.posix_fallocate(fd, 0, size).
// It is then mapped as one or two mmap.mmap objects, chosen from the size so
// that a program always maps the same way (see split_for() in subject.cc):
//   - one map over the whole file (offset=0);
//   - two maps split at a page boundary O: `lo` = mmap(fd, O, offset=0) and
//     `hi` = mmap(fd, 0, offset=O) ("the rest of the file": CPython sizes it
//     with fstat).
// Maps alternate between access=ACCESS_WRITE and the default access
// (MAP_SHARED, PROT_READ|PROT_WRITE), the two writable, resizable modes.
//
//   resize  hi.resize(n - O) while n > O (CPython ftruncates to offset + n);
//           else lo.resize(n), then hi.close(): lo is the only map from then.
//   write   slice assignment m[a:b] = bytes; odd and zero lengths use
//           m.seek(a) + m.write(bytes) instead. A write that crosses the
//           split is cut in two, the hi part first, so that a write running
//           past the end fails before anything changed.
//   read    slices m[a:b] (short past the end: Python slices clamp); odd
//           lengths inside one map use m.seek(a) + m.read(n).
//   sync    m.flush(offset, size) per map, from the page holding `offset`
//           (the documented requirement; msync rejects anything else with
//           EINVAL), the range clamped to the map (ValueError otherwise);
//           length 0 = m.flush() of every map.
//   close   m.close() of every map, then f.close().
//
// Why zero-length writes use seek+write: a slice assignment of an empty slice
// past the end is a documented no-op (slice bounds clamp), which the contract
// (a write past the end fails) cannot express; seek() past the end raises.
// Offsets and ends are Python ints, so values near 2^64 need no special case:
// slices clamp, seek() raises OverflowError (→ EINVAL).
//
// Python exceptions become errnos in one function, from_python()
// (python_api.h).
//
// MAPFUZZ_AVOID_KNOWN (environment, comma-separated names or "all") steers
// around findings already confirmed (docs/findings/python_mmap.md) so that a
// fuzz run can get past them; unset, the library is driven as above.
//   resize-zero        resize(0) fails with EINVAL without calling m.resize(0)
//   resize-not-atomic  as resize-zero, and every other resize maps anew and
//                      truncates with file.truncate(n) instead of calling
//                      m.resize(n) (see resize_by_remapping())
#pragma once

#include <memory>

#include "harness/subject.h"

namespace mapfuzz::python_mmap {

// A closed subject; starts the interpreter if it is not running yet.
std::unique_ptr<Subject> make_subject();

}  // namespace mapfuzz::python_mmap
