// CPython's mmap module as a mapfuzz target: the name, the contract and the
// factory. How the module is driven is in subject.h; the embedded interpreter
// and the exception-to-errno mapping in python_api.h; the calls on one
// mmap.mmap object in mmap_object.h.
#include "harness/subject.h"
#include "targets/python_mmap/subject.h"

#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME "python_mmap"
#endif

namespace mapfuzz {
namespace {

// Exported programs are Python scripts doing what subject.h describes with
// the names `f` (the file object), `lo` and `hi` (the maps).
constexpr Exporter kExporter{
    .language = ExportLanguage::kPython,
    .prelude = R"py(import mmap


def close_all(*objects):
    """Closes every object, then raises the first error (as the adapter's close)."""
    first = None
    for o in objects:
        if o is None:
            continue
        try:
            o.close()
        except Exception as e:
            first = first or e
    if first is not None:
        raise first


def lib_size():
    """The size the maps cover (len() of each open map)."""
    total = 0
    for m in (lo, hi):
        try:
            total += len(m) if m is not None else 0
        except ValueError:
            pass
    return total
)py",
    .declare = "f = lo = hi = None\ngot = data = b\"\"",
    .destroy = "f = lo = hi = None",
    .size_expr = "lib_size()",
    .build = "python3 {src}   (it builds its runtime with $CC or cc; a full disk needs root)",
};

}  // namespace

const Target& this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          // m[a:b] = bytes of the wrong length raises IndexError; m.write()
          // past the end raises ValueError.
          .write_past_end = PastEnd::kFails,
          // Slices clamp: m[a:b] past the end is short (b'' at or past it).
          .read_past_end = PastEnd::kShort,
          // "cannot mmap an empty file" (ValueError), documented.
          .opens_empty_file = false,
          // CPython resizes with ftruncate + mremap(new_size); Linux's mremap
          // rejects a new size of 0, so m.resize(0) can only fail.
          .resizes_to_zero = false,
          // m.flush(offset, size) msyncs exactly that range.
          .syncs_ranges = true,
          // m.resize() grows the file with ftruncate (sparse): on a full disk
          // the first touch of a new page raises SIGBUS, not OSError.
          .allocates_on_growth = false,
          // The embedded interpreter's thread state and GIL belong to the
          // thread that initialised it: every call stays on that thread.
          .any_thread = false,
      },
      &python_mmap::make_subject,
      &kExporter,
  };
  return target;
}

}  // namespace mapfuzz
