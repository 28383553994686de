// Status from errno (the one place errno is read into a Status),
// describe(), and the errno <-> name table.
#include "faults/status.h"

#include <array>
#include <cstring>

#include "faults/injection_mark.h"

namespace mapfuzz {
namespace {

struct ErrnoName {
  int code;
  const char* name;
};

// The first entry for a code is the name errno_name() prints; later entries
// with the same code (ENOTSUP == EOPNOTSUPP, EWOULDBLOCK == EAGAIN on Linux)
// are accepted by errno_from_name() only.
constexpr ErrnoName kErrnoNames[] = {
    {EPERM, "EPERM"},         {ENOENT, "ENOENT"},       {ESRCH, "ESRCH"},
    {EINTR, "EINTR"},         {EIO, "EIO"},             {ENXIO, "ENXIO"},
    {E2BIG, "E2BIG"},         {ENOEXEC, "ENOEXEC"},     {EBADF, "EBADF"},
    {ECHILD, "ECHILD"},       {EAGAIN, "EAGAIN"},       {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},       {EFAULT, "EFAULT"},       {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},       {EXDEV, "EXDEV"},         {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"},     {EISDIR, "EISDIR"},       {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},       {EMFILE, "EMFILE"},       {ENOTTY, "ENOTTY"},
    {ETXTBSY, "ETXTBSY"},     {EFBIG, "EFBIG"},         {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},       {EROFS, "EROFS"},         {EMLINK, "EMLINK"},
    {EPIPE, "EPIPE"},         {ERANGE, "ERANGE"},       {EDEADLK, "EDEADLK"},
    {ENAMETOOLONG, "ENAMETOOLONG"}, {ENOLCK, "ENOLCK"}, {ENOSYS, "ENOSYS"},
    {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"},         {EOVERFLOW, "EOVERFLOW"},
    {EOPNOTSUPP, "EOPNOTSUPP"}, {ENOTSUP, "ENOTSUP"},   {ETIMEDOUT, "ETIMEDOUT"},
    {ESTALE, "ESTALE"},       {EDQUOT, "EDQUOT"},       {ECANCELED, "ECANCELED"},
    {EWOULDBLOCK, "EWOULDBLOCK"},
#ifdef EHWPOISON
    {EHWPOISON, "EHWPOISON"},
#endif
};

// Codes without a name print as "E<number>"; precomputed so errno_name() can
// return a pointer that stays valid, without locks.
constexpr int kMaxNumberedErrno = 4095;
using NumberName = std::array<char, 8>;

constexpr std::array<NumberName, kMaxNumberedErrno + 1> make_number_names() {
  std::array<NumberName, kMaxNumberedErrno + 1> names{};
  for (int code = 0; code <= kMaxNumberedErrno; ++code) {
    char digits[8] = {};
    int n = 0;
    int v = code;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    names[code][0] = 'E';
    for (int i = 0; i < n; ++i) names[code][1 + i] = digits[n - 1 - i];
  }
  return names;
}
constexpr auto kNumberNames = make_number_names();

// errno after a failed call; EIO if the call left it 0.
int errno_or_eio() { return errno > 0 ? errno : EIO; }

}  // namespace

Status Status::from_errno(const char* call) { return from_code(errno_or_eio(), call); }

Status Status::from_code(int code, const char* call) {
  if (code <= 0) code = EIO;
  return Status(code, call, faults::claim_injected(code));
}

Status Status::from_unfaulted_errno(const char* call) { return Status(errno_or_eio(), call); }

std::string Status::describe() const {
  if (ok()) return "ok";
  std::string out = errno_name(code_);
  if (call_) {
    out += " from ";
    out += call_;
  }
  return out;
}

const char* errno_name(int code) {
  if (code == 0) return "OK";
  for (const ErrnoName& e : kErrnoNames) {
    if (e.code == code) return e.name;
  }
  if (code > 0 && code <= kMaxNumberedErrno) return kNumberNames[code].data();
  return "E?";
}

int errno_from_name(const std::string& name) {
  for (const ErrnoName& e : kErrnoNames) {
    if (name == e.name) return e.code;
  }
  // "E<number>", as errno_name() prints codes without a name.
  if (name.size() < 2 || name.size() > 5 || name[0] != 'E' || name[1] == '0') return 0;
  int code = 0;
  for (size_t i = 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    code = code * 10 + (name[i] - '0');
  }
  return code <= kMaxNumberedErrno ? code : 0;
}

}  // namespace mapfuzz
