// CPython's mmap module as a mapfuzz target, driven through an embedded
// interpreter with the C API (the same calls Python code makes; the mmap
// module is the interpreter's own lib-dynload/mmap*.so, dlopen'ed at import).
//
// The file is opened the Python way: open(path, 'w+b') or open(path, 'r+b');
// a new file is sized with f.truncate(size) or os.posix_fallocate(fd, 0, size).
// It is then mapped as one or two mmap.mmap objects, chosen from the size so
// that a program always maps the same way (see split_for()):
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
// Python exceptions become errnos in one function, from_python().
//
// MAPFUZZ_AVOID_KNOWN (environment, comma-separated names or "all") steers
// around findings already confirmed (docs/findings/python_mmap.md) so that a
// fuzz run can get past them; unset, the library is driven as above.
//   resize-zero        resize(0) fails with EINVAL without calling m.resize(0)
//   resize-not-atomic  as resize-zero, and every other resize maps anew and
//                      truncates with file.truncate(n) instead of calling
//                      m.resize(n) (see resize_by_remapping())
#include <Python.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "harness/known_findings.h"
#include "harness/subject.h"

#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME "python_mmap"
#endif

namespace mapfuzz {
namespace {

constexpr uint64_t kPage = 4096;

// The interpreter, started once, the GIL released between calls.
void ensure_python() {
  static std::once_flag once;
  std::call_once(once, [] {
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);  // no PYTHON* variables, no user site
    config.install_signal_handlers = 0;     // as Py_InitializeEx(0)
    config.site_import = 0;
    const PyStatus st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) Py_ExitStatusException(st);
    PyEval_SaveThread();
  });
}

class Gil {
 public:
  Gil() : state_(PyGILState_Ensure()) {}
  ~Gil() { PyGILState_Release(state_); }
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

 private:
  PyGILState_STATE state_;
};

// An owned reference.
class Ref {
 public:
  Ref() = default;
  explicit Ref(PyObject* p) : p_(p) {}
  Ref(Ref&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  Ref& operator=(Ref&& o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Ref() { Py_XDECREF(p_); }
  PyObject* get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() {
    Py_XDECREF(p_);
    p_ = nullptr;
  }

 private:
  PyObject* p_ = nullptr;
};

// "<call>: <ExceptionType>" as a string that lives as long as the program.
const char* intern(const std::string& s) {
  static std::set<std::string>* names = new std::set<std::string>;
  return names->insert(s).first->c_str();
}

// The one place where a Python exception becomes a Status (and is cleared):
// OSError → its errno; ValueError, IndexError, OverflowError → EINVAL;
// MemoryError → ENOMEM; anything else → EIO. The Status names the call and
// the exception type.
Status from_python(const char* call) {
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  if (type == nullptr) return Status(EIO, intern(std::string(call) + ": failed without an exception"));
  PyErr_NormalizeException(&type, &value, &tb);
  int code = EIO;
  if (PyErr_GivenExceptionMatches(type, PyExc_OSError)) {
    if (Ref e{PyObject_GetAttrString(value, "errno")}; e && PyLong_Check(e.get())) {
      const long v = PyLong_AsLong(e.get());
      if (v > 0 && v < 4096) code = static_cast<int>(v);
    }
  } else if (PyErr_GivenExceptionMatches(type, PyExc_ValueError) ||
             PyErr_GivenExceptionMatches(type, PyExc_IndexError) ||
             PyErr_GivenExceptionMatches(type, PyExc_OverflowError)) {
    code = EINVAL;
  } else if (PyErr_GivenExceptionMatches(type, PyExc_MemoryError)) {
    code = ENOMEM;
  }
  const char* name = reinterpret_cast<PyTypeObject*>(type)->tp_name;
  const char* where = intern(std::string(call) + ": " + (name ? name : "exception"));
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  PyErr_Clear();  // an error in the errno lookup itself
  return Status(code, where);
}

PyObject* py_u64(uint64_t v) { return PyLong_FromUnsignedLongLong(v); }

// The split point for a file of `size` bytes: 0 = one map. Deterministic in
// the size so that replays map the same way.
uint64_t split_for(uint64_t size) {
  const uint64_t pages = (size + kPage - 1) / kPage;
  return pages >= 2 && pages % 2 == 1 ? pages / 2 * kPage : 0;
}

// One mmap.mmap object and the file offset it was mapped at.
struct Map {
  Ref obj;
  uint64_t offset = 0;
  uint64_t len = 0;  // len(obj), refreshed after every call
};

class PythonMmapSubject final : public Subject {
 public:
  PythonMmapSubject() {
    ensure_python();
    Gil gil;
    mmap_mod_ = Ref(PyImport_ImportModule("mmap"));
    os_mod_ = Ref(PyImport_ImportModule("os"));
    io_mod_ = Ref(PyImport_ImportModule("io"));
    if (!mmap_mod_ || !os_mod_ || !io_mod_) {
      PyErr_Print();
      std::abort();
    }
  }

  ~PythonMmapSubject() override {
    Gil gil;
    drop_all();
    mmap_mod_.reset();
    os_mod_.reset();
    io_mod_.reset();
  }

  Status open(const std::string& path, bool create, uint64_t size) override {
    Gil gil;
    Status st = open_locked(path, create, size);
    if (!st.ok()) drop_all();
    return st;
  }

  Status resize(uint64_t new_size) override {
    Gil gil;
    Status st = resize_locked(new_size);
    refresh();
    return st;
  }

  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    Gil gil;
    Ref bytes(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data.data()),
                                        static_cast<Py_ssize_t>(data.size())));
    if (!bytes) return from_python("bytes");
    const uint64_t n = data.size();
    // The map that holds `offset`, and whether the write stays inside it.
    Map& first = (lo_.obj && offset < hi_.offset) ? lo_ : hi_;
    const bool crosses = &first == &lo_ && n > hi_.offset - offset;
    if (!crosses) {
      if (n == 0 || n % 2 == 1) {
        return seek_write(first, offset - first.offset, bytes.get());
      }
      return slice_assign(first, offset - first.offset, n, bytes.get());
    }
    // lo part [offset, O), hi part [O, offset+n): hi first (it fails past the end).
    const uint64_t lo_n = hi_.offset - offset;
    Ref hi_part(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data.data() + lo_n),
                                          static_cast<Py_ssize_t>(n - lo_n)));
    Ref lo_part(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data.data()),
                                          static_cast<Py_ssize_t>(lo_n)));
    if (!hi_part || !lo_part) return from_python("bytes");
    if (Status st = slice_assign(hi_, 0, n - lo_n, hi_part.get()); !st.ok()) return st;
    return slice_assign(lo_, offset, lo_n, lo_part.get());
  }

  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    Gil gil;
    *got = 0;
    const uint64_t n = out.size();
    Map& first = (lo_.obj && offset < hi_.offset) ? lo_ : hi_;
    const uint64_t rel = offset - first.offset;
    const bool crosses = &first == &lo_ && n > hi_.offset - offset;
    if (!crosses) {
      if (n % 2 == 1 && rel <= first.len) return seek_read(first, rel, out, got);
      return slice_read(first, rel, n, out, got);
    }
    const uint64_t lo_n = hi_.offset - offset;
    if (Status st = slice_read(lo_, offset, lo_n, out, got); !st.ok()) return st;
    uint64_t more = 0;
    if (Status st = slice_read(hi_, 0, n - lo_n, out.subspan(lo_n), &more); !st.ok()) return st;
    *got += more;
    return {};
  }

  Status sync(uint64_t offset, uint64_t length) override {
    Gil gil;
    if (length == 0) {
      for (Map* m : maps()) {
        Ref r(PyObject_CallMethod(m->obj.get(), "flush", nullptr));
        if (!r) return from_python("mmap.flush");
      }
      return {};
    }
    const uint64_t end = offset > UINT64_MAX - length ? UINT64_MAX : offset + length;
    for (Map* m : maps()) {
      // From the page holding `offset`: a range that starts past the end but
      // in the last, partial page still covers that page.
      const uint64_t lo = std::max(offset / kPage * kPage, m->offset), hi = std::min(end, m->offset + m->len);
      if (lo >= hi) continue;
      const uint64_t start = (lo - m->offset) / kPage * kPage;  // relative, page-aligned
      Ref r(PyObject_CallMethod(m->obj.get(), "flush", "KK", static_cast<unsigned long long>(start),
                                static_cast<unsigned long long>(hi - m->offset - start)));
      if (!r) return from_python("mmap.flush");
    }
    return {};
  }

  Status close() override {
    Gil gil;
    Status st;
    for (Map* m : maps()) {
      Ref r(PyObject_CallMethod(m->obj.get(), "close", nullptr));
      if (!r && st.ok()) st = from_python("mmap.close");
      PyErr_Clear();
    }
    if (file_) {
      Ref r(PyObject_CallMethod(file_.get(), "close", nullptr));
      if (!r && st.ok()) st = from_python("file.close");
      PyErr_Clear();
    }
    drop_all();
    return st;
  }

  uint64_t size() const override { return lo_.len + hi_.len; }

 private:
  // The open maps, in file order.
  std::vector<Map*> maps() {
    std::vector<Map*> v;
    for (Map* m : {&lo_, &hi_}) {
      if (m->obj) v.push_back(m);
    }
    return v;
  }

  // Drops every reference (an mmap object left open is closed by its
  // destructor: a leak would still show, as the fd of the file object).
  void drop_all() {
    lo_ = Map{};
    hi_ = Map{};
    file_.reset();
    PyErr_Clear();
  }

  void refresh() {
    for (Map* m : {&lo_, &hi_}) {
      if (!m->obj) continue;
      const Py_ssize_t n = PyObject_Size(m->obj.get());
      if (n < 0) {
        PyErr_Clear();
        m->len = 0;
      } else {
        m->len = static_cast<uint64_t>(n);
      }
    }
  }

  // mmap.mmap(fd, length, access=..., offset=...).
  Status map(Map* m, long fd, uint64_t length, uint64_t offset, bool write_access) {
    Ref mmap_type(PyObject_GetAttrString(mmap_mod_.get(), "mmap"));
    if (!mmap_type) return from_python("mmap.mmap");
    Ref args(Py_BuildValue("(lK)", fd, static_cast<unsigned long long>(length)));
    Ref kwargs(PyDict_New());
    if (!args || !kwargs) return from_python("mmap.mmap");
    if (write_access) {
      Ref acc(PyObject_GetAttrString(mmap_mod_.get(), "ACCESS_WRITE"));
      if (!acc || PyDict_SetItemString(kwargs.get(), "access", acc.get()) != 0) return from_python("mmap.mmap");
    }
    if (offset != 0) {
      Ref off(py_u64(offset));
      if (!off || PyDict_SetItemString(kwargs.get(), "offset", off.get()) != 0) return from_python("mmap.mmap");
    }
    m->obj = Ref(PyObject_Call(mmap_type.get(), args.get(), kwargs.get()));
    if (!m->obj) return from_python("mmap.mmap");
    m->offset = offset;
    const Py_ssize_t n = PyObject_Size(m->obj.get());
    if (n < 0) return from_python("len(mmap)");
    m->len = static_cast<uint64_t>(n);
    return {};
  }

  Status open_locked(const std::string& path, bool create, uint64_t size) {
    file_ = Ref(PyObject_CallMethod(io_mod_.get(), "open", "ss", path.c_str(), create ? "w+b" : "r+b"));
    if (!file_) return from_python("open");
    Ref fdobj(PyObject_CallMethod(file_.get(), "fileno", nullptr));
    if (!fdobj) return from_python("file.fileno");
    const long fd = PyLong_AsLong(fdobj.get());
    if (create) {
      // Size the new file one of two ways (deterministic in the size).
      Ref r = (size / kPage) % 4 >= 2 && size > 0
                  ? Ref(PyObject_CallMethod(os_mod_.get(), "posix_fallocate", "lKK", fd, 0ULL,
                                            static_cast<unsigned long long>(size)))
                  : Ref(PyObject_CallMethod(file_.get(), "truncate", "K", static_cast<unsigned long long>(size)));
      if (!r) return from_python(size / kPage % 4 >= 2 && size > 0 ? "os.posix_fallocate" : "file.truncate");
    } else {
      Ref st(PyObject_CallMethod(os_mod_.get(), "fstat", "l", fd));
      if (!st) return from_python("os.fstat");
      Ref sz(PyObject_GetAttrString(st.get(), "st_size"));
      if (!sz) return from_python("os.fstat");
      size = PyLong_AsUnsignedLongLong(sz.get());
      if (PyErr_Occurred()) return from_python("os.fstat");
    }
    const uint64_t split = split_for(size);
    const bool write_access = (size / kPage) % 2 == 0;
    if (split == 0) {
      // One map; length 0 means "the whole file" (and fails on an empty one).
      return map(&hi_, fd, 0, 0, write_access);
    }
    if (Status st = map(&lo_, fd, split, 0, write_access); !st.ok()) return st;
    return map(&hi_, fd, 0, split, !write_access);
  }

  Status resize_locked(uint64_t n) {
    if (n == 0 && (avoid_known_finding("resize-zero") || avoid_known_finding("resize-not-atomic"))) {
      return Status(EINVAL, "mmap.resize(0) (avoided)");
    }
    if (avoid_known_finding("resize-not-atomic")) return resize_by_remapping(n);
    if (lo_.obj && n <= hi_.offset) {
      // The hi map would be empty: resize the lo map (CPython ftruncates the
      // file to n), then close the hi map; the lo map is the only one now.
      Ref r(PyObject_CallMethod(lo_.obj.get(), "resize", "K", static_cast<unsigned long long>(n)));
      if (!r) return from_python("mmap.resize");
      Ref c(PyObject_CallMethod(hi_.obj.get(), "close", nullptr));
      hi_ = std::move(lo_);
      lo_ = Map{};
      if (!c) return from_python("mmap.close");
      return {};
    }
    Ref r(PyObject_CallMethod(hi_.obj.get(), "resize", "K", static_cast<unsigned long long>(n - hi_.offset)));
    if (!r) return from_python("mmap.resize");
    return {};
  }

  // resize without m.resize(), the way around CPython's non-atomic resize:
  // new maps are made before the old ones are closed, and the file is cut
  // (shrink) only once the new maps exist, or grown first and cut back if
  // they cannot be made. Only used to fuzz past the known finding.
  Status resize_by_remapping(uint64_t n) {
    Ref fdobj(PyObject_CallMethod(file_.get(), "fileno", nullptr));
    if (!fdobj) return from_python("file.fileno");
    const long fd = PyLong_AsLong(fdobj.get());
    const uint64_t old = size();
    auto truncate = [&](uint64_t to) -> Status {
      Ref t(PyObject_CallMethod(file_.get(), "truncate", "K", static_cast<unsigned long long>(to)));
      return t ? Status() : from_python("file.truncate");
    };
    if (n > old) {
      if (Status st = truncate(n); !st.ok()) return st;
    }
    Map lo, hi;
    const uint64_t split = split_for(n);
    Status st = split == 0 ? map(&hi, fd, n, 0, true) : map(&lo, fd, split, 0, true);
    if (st.ok() && split != 0) st = map(&hi, fd, n - split, split, false);
    if (st.ok() && n < old) st = truncate(n);
    if (!st.ok()) {
      lo = Map{};
      hi = Map{};
      if (n > old) (void)truncate(old);
      PyErr_Clear();
      return st;
    }
    for (Map* m : maps()) {
      Ref c(PyObject_CallMethod(m->obj.get(), "close", nullptr));
      PyErr_Clear();
    }
    lo_ = std::move(lo);
    hi_ = std::move(hi);
    return {};
  }

  Status slice_assign(Map& m, uint64_t rel, uint64_t n, PyObject* bytes) {
    if (!m.obj) return Status(EINVAL, "no map");
    Ref start(py_u64(rel)), len(py_u64(n));
    Ref stop(start && len ? PyNumber_Add(start.get(), len.get()) : nullptr);
    Ref slice(stop ? PySlice_New(start.get(), stop.get(), nullptr) : nullptr);
    if (!slice || PyObject_SetItem(m.obj.get(), slice.get(), bytes) != 0) return from_python("mmap[a:b]=");
    return {};
  }

  Status seek_write(Map& m, uint64_t rel, PyObject* bytes) {
    if (!m.obj) return Status(EINVAL, "no map");
    Ref s(PyObject_CallMethod(m.obj.get(), "seek", "K", static_cast<unsigned long long>(rel)));
    if (!s) return from_python("mmap.seek");
    Ref w(PyObject_CallMethod(m.obj.get(), "write", "O", bytes));
    if (!w) return from_python("mmap.write");
    return {};
  }

  Status copy_out(PyObject* b, std::span<uint8_t> out, uint64_t* got) {
    char* p = nullptr;
    Py_ssize_t len = 0;
    if (PyBytes_AsStringAndSize(b, &p, &len) != 0) return from_python("bytes");
    const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(len), out.size());
    if (n > 0) std::memcpy(out.data(), p, n);
    *got = n;
    return {};
  }

  Status slice_read(Map& m, uint64_t rel, uint64_t n, std::span<uint8_t> out, uint64_t* got) {
    *got = 0;
    if (!m.obj) return n == 0 ? Status() : Status(EINVAL, "no map");
    Ref start(py_u64(rel)), len(py_u64(n));
    Ref stop(start && len ? PyNumber_Add(start.get(), len.get()) : nullptr);
    Ref slice(stop ? PySlice_New(start.get(), stop.get(), nullptr) : nullptr);
    Ref b(slice ? PyObject_GetItem(m.obj.get(), slice.get()) : nullptr);
    if (!b) return from_python("mmap[a:b]");
    return copy_out(b.get(), out, got);
  }

  Status seek_read(Map& m, uint64_t rel, std::span<uint8_t> out, uint64_t* got) {
    *got = 0;
    Ref s(PyObject_CallMethod(m.obj.get(), "seek", "K", static_cast<unsigned long long>(rel)));
    if (!s) return from_python("mmap.seek");
    Ref b(PyObject_CallMethod(m.obj.get(), "read", "K", static_cast<unsigned long long>(out.size())));
    if (!b) return from_python("mmap.read");
    return copy_out(b.get(), out, got);
  }

  Ref mmap_mod_, os_mod_, io_mod_;
  Ref file_;
  Map lo_;  // offset 0, up to the split; absent with one map
  Map hi_;  // from the split (or 0) to the end of the file
};

std::unique_ptr<Subject> make_subject() { return std::make_unique<PythonMmapSubject>(); }

}  // namespace
}  // namespace mapfuzz

// The interpreter is never finalized (it lives for the process, as in any
// embedding that keeps it): what it holds at exit is not the adapter's or
// mmap's leak. LeakSanitizer (and libFuzzer's per-input leak check) skip
// allocations made by libpython.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpython3\n"; }
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }

namespace mapfuzz {

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
      },
      &make_subject,
  };
  return target;
}

}  // namespace mapfuzz
