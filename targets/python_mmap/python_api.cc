#include "targets/python_mmap/python_api.h"

#include <cerrno>
#include <mutex>
#include <set>
#include <string>

namespace mapfuzz::python_mmap {
namespace {

// "<call>: <ExceptionType>" as a string that lives as long as the program
// (Status keeps a plain pointer).
const char* intern(const std::string& s) {
  static std::set<std::string>* names = new std::set<std::string>;
  return names->insert(s).first->c_str();
}

}  // namespace

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

}  // namespace mapfuzz::python_mmap

// The interpreter is never finalized: what it holds at exit is not the
// adapter's or mmap's leak. LeakSanitizer (and libFuzzer's per-input leak
// check) skip allocations made by libpython.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpython3\n"; }
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }
