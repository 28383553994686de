// The out-of-line half of the reference library's Status type for the
// bug-finding benchmark's baseline (baseline_fuzz.cc). In mapfuzz these
// functions live in faults/status.cc and ask the fault layer whether a
// failure was injected; the baseline links no mapfuzz code, so here a
// failure is a failure: errno and the call's name, never "injected".
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "faults/status.h"

namespace mapfuzz {
namespace {

int errno_or_eio() { return errno > 0 ? errno : EIO; }

}  // namespace

Status Status::from_errno(const char* call) { return Status(errno_or_eio(), call); }

Status Status::from_code(int code, const char* call) { return Status(code > 0 ? code : EIO, call); }

Status Status::from_unfaulted_errno(const char* call) { return Status(errno_or_eio(), call); }

std::string Status::describe() const {
  if (ok()) return "ok";
  return std::string(errno_name(code_)) + " from " + (call_ ? call_ : "?");
}

const char* errno_name(int code) {
  if (code == 0) return "OK";
  if (const char* name = strerrorname_np(code)) return name;
  static thread_local char buf[32];
  std::snprintf(buf, sizeof buf, "E%d", code);
  return buf;
}

int errno_from_name(const std::string&) { return 0; }

}  // namespace mapfuzz
