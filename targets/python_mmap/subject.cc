#include "targets/python_mmap/subject.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "harness/known_findings.h"
#include "targets/python_mmap/mmap_object.h"
#include "targets/python_mmap/python_api.h"

namespace mapfuzz::python_mmap {
namespace {

constexpr uint64_t kPage = 4096;

// The split point for a file of `size` bytes: 0 = one map. Deterministic in
// the size so that replays map the same way.
uint64_t split_for(uint64_t size) {
  const uint64_t pages = (size + kPage - 1) / kPage;
  return pages >= 2 && pages % 2 == 1 ? pages / 2 * kPage : 0;
}

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
    if (transcript_) transcript_->say_on_failure("lo = hi = f = None");
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
      const uint64_t rel = offset - first.offset;
      if (n == 0 || n % 2 == 1) {
        say_map(first, name(first) + ".seek(" + num(rel) + ")\n" + name(first) + ".write(data)");
        return seek_write(first, rel, bytes.get());
      }
      say_map(first, name(first) + "[" + num(rel) + ":" + num(rel) + " + " + num(n) + "] = data");
      return slice_assign(first, rel, n, bytes.get());
    }
    // lo part [offset, O), hi part [O, offset+n): hi first (it fails past the end).
    const uint64_t lo_n = hi_.offset - offset;
    Ref hi_part(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data.data() + lo_n),
                                          static_cast<Py_ssize_t>(n - lo_n)));
    Ref lo_part(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data.data()),
                                          static_cast<Py_ssize_t>(lo_n)));
    if (!hi_part || !lo_part) return from_python("bytes");
    say_map(hi_, "hi[0:" + num(n - lo_n) + "] = data[" + num(lo_n) + ":]");
    if (Status st = slice_assign(hi_, 0, n - lo_n, hi_part.get()); !st.ok()) return st;
    say_map(lo_, "lo[" + num(offset) + ":" + num(offset) + " + " + num(lo_n) + "] = data[:" + num(lo_n) + "]");
    return slice_assign(lo_, offset, lo_n, lo_part.get());
  }

  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    Gil gil;
    *got = 0;
    const uint64_t n = out.size();
    Map& first = (lo_.obj && offset < hi_.offset) ? lo_ : hi_;
    const uint64_t rel = offset - first.offset;
    const bool crosses = &first == &lo_ && n > hi_.offset - offset;
    say("got = b\"\"");
    if (!crosses) {
      if (n % 2 == 1 && rel <= first.len) {
        say(name(first) + ".seek(" + num(rel) + ")\ngot = " + name(first) + ".read(" + num(n) + ")");
        return seek_read(first, rel, out, got);
      }
      if (first.obj) say("got = " + name(first) + "[" + num(rel) + ":" + num(rel) + " + " + num(n) + "]");
      else if (n != 0) say("raise OSError(errno.EINVAL, \"no map\")");
      return slice_read(first, rel, n, out, got);
    }
    const uint64_t lo_n = hi_.offset - offset;
    say("got = lo[" + num(offset) + ":" + num(offset) + " + " + num(lo_n) + "]");
    if (Status st = slice_read(lo_, offset, lo_n, out, got); !st.ok()) return st;
    uint64_t more = 0;
    say_map(hi_, "got += hi[0:" + num(n - lo_n) + "]");
    if (Status st = slice_read(hi_, 0, n - lo_n, out.subspan(lo_n), &more); !st.ok()) return st;
    *got += more;
    return {};
  }

  Status sync(uint64_t offset, uint64_t length) override {
    Gil gil;
    if (length == 0) {
      for (Map* m : maps()) {
        say(name(*m) + ".flush()");
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
      say(name(*m) + ".flush(" + num(start) + ", " + num(hi - m->offset - start) + ")");
      Ref r(PyObject_CallMethod(m->obj.get(), "flush", "KK", static_cast<unsigned long long>(start),
                                static_cast<unsigned long long>(hi - m->offset - start)));
      if (!r) return from_python("mmap.flush");
    }
    return {};
  }

  Status close() override {
    Gil gil;
    say("try:\n    close_all(lo, hi, f)\nfinally:\n    lo = hi = f = None");
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
  void set_transcript(Transcript* transcript) override { transcript_ = transcript; }

 private:
  // ---- export (harness/transcript.h): the same calls in Python ----
  void say(std::string statement) {
    if (transcript_) transcript_->say(std::move(statement));
  }
  // A statement on map `m`, or the adapter's "no map" error when it is closed.
  void say_map(const Map& m, std::string statement) {
    say(m.obj ? std::move(statement) : std::string("raise OSError(errno.EINVAL, \"no map\")"));
  }
  std::string name(const Map& m) const { return &m == &lo_ ? "lo" : "hi"; }
  static std::string num(uint64_t v) { return std::to_string(v); }

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

  // mmap.mmap(fd, length, access=..., offset=...) from this interpreter's module.
  Status map(Map* m, long fd, uint64_t length, uint64_t offset, bool write_access) {
    say(name(*m) + " = mmap.mmap(fd, " + num(length) + (write_access ? ", access=mmap.ACCESS_WRITE" : "") +
        (offset ? ", offset=" + num(offset) : "") + ")");
    return map_file(mmap_mod_.get(), m, fd, length, offset, write_access);
  }

  Status open_locked(const std::string& path, bool create, uint64_t size) {
    say(std::string("f = open(path, \"") + (create ? "w+b" : "r+b") + "\")\nfd = f.fileno()");
    file_ = Ref(PyObject_CallMethod(io_mod_.get(), "open", "ss", path.c_str(), create ? "w+b" : "r+b"));
    if (!file_) return from_python("open");
    Ref fdobj(PyObject_CallMethod(file_.get(), "fileno", nullptr));
    if (!fdobj) return from_python("file.fileno");
    const long fd = PyLong_AsLong(fdobj.get());
    if (create) {
      // Size the new file one of two ways (deterministic in the size).
      say((size / kPage) % 4 >= 2 && size > 0 ? "os.posix_fallocate(fd, 0, " + num(size) + ")"
                                              : "f.truncate(" + num(size) + ")");
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
      say("raise OSError(errno.EINVAL, \"mmap.resize(0) (avoided)\")");
      return Status(EINVAL, "mmap.resize(0) (avoided)");
    }
    if (avoid_known_finding("resize-not-atomic")) {
      say("raise NotImplementedError(\"MAPFUZZ_AVOID_KNOWN=resize-not-atomic's stand-in resize is not exported\")");
      return resize_by_remapping(n);
    }
    if (lo_.obj && n <= hi_.offset) {
      say("lo.resize(" + num(n) + ")");
      say("try:\n    hi.close()\nfinally:\n    hi, lo = lo, None");
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
    say_map(hi_, "hi.resize(" + num(n - hi_.offset) + ")");
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

  Ref mmap_mod_, os_mod_, io_mod_;
  Ref file_;
  Map lo_;  // offset 0, up to the split; absent with one map
  Map hi_;  // from the split (or 0) to the end of the file
  Transcript* transcript_ = nullptr;
};

}  // namespace

std::unique_ptr<Subject> make_subject() { return std::make_unique<PythonMmapSubject>(); }

}  // namespace mapfuzz::python_mmap
