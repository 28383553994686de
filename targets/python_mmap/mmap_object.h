// One mmap.mmap object and the calls the python_mmap adapter makes on it.
// Offsets here are relative to the map (`rel`); the subject translates file
// offsets. Every function needs the GIL and reports a raised exception
// through from_python(), naming the Python call.
#pragma once

#include <cstdint>
#include <span>

#include "harness/status.h"
#include "targets/python_mmap/python_api.h"

namespace mapfuzz::python_mmap {

// One mmap.mmap object and the file offset it was mapped at.
struct Map {
  Ref obj;
  uint64_t offset = 0;
  uint64_t len = 0;  // len(obj), refreshed after every call
};

// mmap.mmap(fd, length, access=ACCESS_WRITE if write_access, offset=offset)
// from `mmap_module`; length 0 maps the rest of the file. On success *m holds
// the object, its offset and its length.
Status map_file(PyObject* mmap_module, Map* m, long fd, uint64_t length, uint64_t offset, bool write_access);

// m[rel:rel+n] = bytes. EINVAL ("no map") if `m` holds no object.
Status slice_assign(Map& m, uint64_t rel, uint64_t n, PyObject* bytes);

// m.seek(rel) then m.write(bytes). EINVAL ("no map") if `m` holds no object.
Status seek_write(Map& m, uint64_t rel, PyObject* bytes);

// m[rel:rel+n] into `out`; *got is the number of bytes copied (short past the
// end: slices clamp). Without an object, only n == 0 succeeds.
Status slice_read(Map& m, uint64_t rel, uint64_t n, std::span<uint8_t> out, uint64_t* got);

// m.seek(rel) then m.read(out.size()) into `out`; *got as for slice_read().
// `m` must hold an object.
Status seek_read(Map& m, uint64_t rel, std::span<uint8_t> out, uint64_t* got);

}  // namespace mapfuzz::python_mmap
