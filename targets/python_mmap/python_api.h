// The embedded interpreter and the C-API helpers the python_mmap adapter
// needs: starting the interpreter once, holding the GIL, owning references,
// and turning a raised Python exception into a Status.
//
// The interpreter is never finalized (it lives for the process, as in any
// embedding that keeps it); python_api.cc tells LeakSanitizer so.
#pragma once

#include <Python.h>

#include <cstdint>
#include <utility>

#include "harness/status.h"

namespace mapfuzz::python_mmap {

// Starts the interpreter on the first call (isolated: no PYTHON* variables,
// no user site, no signal handlers) and releases the GIL; later calls do
// nothing. Thread-safe. Exits the process if the interpreter cannot start.
void ensure_python();

// Holds the GIL for its lifetime. ensure_python() must have run.
class Gil {
 public:
  Gil() : state_(PyGILState_Ensure()) {}
  ~Gil() { PyGILState_Release(state_); }
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

 private:
  PyGILState_STATE state_;
};

// An owned reference (null allowed). Use only with the GIL held.
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

// The one place where a Python exception becomes a Status; the exception is
// cleared. OSError → its errno; ValueError, IndexError, OverflowError →
// EINVAL; MemoryError → ENOMEM; anything else (or no exception at all) → EIO.
// The Status names `call` and the exception type ("mmap.resize: OSError").
Status from_python(const char* call);

// A new Python int holding `v` (null with an exception set on failure).
inline PyObject* py_u64(uint64_t v) { return PyLong_FromUnsignedLongLong(v); }

}  // namespace mapfuzz::python_mmap
