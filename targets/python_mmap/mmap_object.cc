#include "targets/python_mmap/mmap_object.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mapfuzz::python_mmap {
namespace {

// Copies the bytes object `b` into `out` (as much as fits).
Status copy_out(PyObject* b, std::span<uint8_t> out, uint64_t* got) {
  char* p = nullptr;
  Py_ssize_t len = 0;
  if (PyBytes_AsStringAndSize(b, &p, &len) != 0) return from_python("bytes");
  const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(len), out.size());
  if (n > 0) std::memcpy(out.data(), p, n);
  *got = n;
  return {};
}

}  // namespace

Status map_file(PyObject* mmap_module, Map* m, long fd, uint64_t length, uint64_t offset, bool write_access) {
  Ref mmap_type(PyObject_GetAttrString(mmap_module, "mmap"));
  if (!mmap_type) return from_python("mmap.mmap");
  Ref args(Py_BuildValue("(lK)", fd, static_cast<unsigned long long>(length)));
  Ref kwargs(PyDict_New());
  if (!args || !kwargs) return from_python("mmap.mmap");
  if (write_access) {
    Ref acc(PyObject_GetAttrString(mmap_module, "ACCESS_WRITE"));
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

}  // namespace mapfuzz::python_mmap
