// tkrzw as a mapfuzz target: tkrzw::MemoryMapParallelFile, opened writable.
//
//   open create   Open(path, true, OPEN_TRUNCATE), then Truncate(size)
//   open existing Open(path, true, OPEN_NO_CREATE)
//   resize        Truncate(size)
//   write / read  Write(off, buf, n) / Read(off, buf, n)
//   sync          Synchronize(hard=true, off, size)
//   close         Close()
//   size()        GetSize()
//
// tkrzw keeps the file larger than its logical size while it is open: the
// mapping, and the file under it, grow in chunks (SetAllocationStrategy:
// initial size, growth factor; the file is cut back to the logical size by
// Close and Synchronize). Each open picks one of two strategies,
// deterministically from the op: tkrzw's default (1 MiB, x2), or the
// smallest (one page, exact growth) so that growth remaps on almost every
// write past the end.
//
// MAPFUZZ_AVOID_KNOWN (environment, comma-separated names or "all") steers
// around findings already confirmed (docs/findings/tkrzw.md) so that a fuzz
// run can get past them; unset, the library is driven as above.
//   stale-tail  after a shrinking Truncate, overwrite the cut bytes still in
//               the mapping with zeros (Write, then TruncateFakely) so that
//               they cannot come back
#include <tkrzw_file.h>
#include <tkrzw_file_mmap.h>
#include <tkrzw_lib_common.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "harness/known_findings.h"
#include "harness/subject.h"

#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME "tkrzw"
#endif

namespace mapfuzz {
namespace {

constexpr uint64_t kMaxOffset = static_cast<uint64_t>(INT64_MAX);

// tkrzw's own text for each errno it knows (GetErrnoStatus gives "<call>:
// <text>", or "<call>: unknown error: <n>"), computed from the library.
const std::array<std::string, 134>& errno_texts() {
  static const auto texts = [] {
    std::array<std::string, 134> t;
    for (int e = 1; e < 134; ++e) {
      const std::string m = tkrzw::GetErrnoStatus("", e).GetMessage();
      t[e] = m.rfind(": ", 0) == 0 ? m.substr(2) : m;
    }
    return t;
  }();
  return texts;
}

// The libc calls whose failures tkrzw reports as "<call>: ...": named as
// literals so that a Status can point at them.
const char* known_call(const std::string& message, const char* fallback) {
  static constexpr const char* kCalls[] = {"open",   "fcntl-lock", "fstat",  "ftruncate", "mmap", "munmap",
                                           "mremap", "msync",      "munlock", "mlock",    "close", "fcntl-unlock"};
  const std::string prefix = message.substr(0, message.find(": "));
  for (const char* c : kCalls) {
    if (prefix == c) return c;
  }
  return fallback;
}

// The one place where a tkrzw::Status becomes a Status. System errors
// (SYSTEM_ERROR and the codes GetErrnoStatus maps errnos to) are matched
// back to their errno through tkrzw's message; the library's own errors get
// the nearest errno.
Status from_tkrzw(const tkrzw::Status& st, const char* method) {
  if (st == tkrzw::Status::SUCCESS) return {};
  const std::string message = st.GetMessage();
  const char* call = known_call(message, method);
  const size_t colon = message.find(": ");
  if (colon != std::string::npos) {
    const std::string text = message.substr(colon + 2);
    if (text.rfind("unknown error: ", 0) == 0) {
      const int e = std::atoi(text.c_str() + 15);
      if (e > 0) return Status(e, call);
    }
    const auto& texts = errno_texts();
    for (int e = 1; e < static_cast<int>(texts.size()); ++e) {
      if (texts[e] == text) return Status(e, call);
    }
  }
  switch (st.GetCode()) {
    case tkrzw::Status::NOT_FOUND_ERROR: return Status(ENOENT, call);
    case tkrzw::Status::PERMISSION_ERROR: return Status(EACCES, call);
    case tkrzw::Status::PRECONDITION_ERROR:      // "not opened file", "negative offset"
    case tkrzw::Status::INVALID_ARGUMENT_ERROR:  //
    case tkrzw::Status::INFEASIBLE_ERROR:        // "excessive size", "excessive offset"
      return Status(EINVAL, call);
    case tkrzw::Status::NOT_IMPLEMENTED_ERROR: return Status(ENOTSUP, call);
    default: return Status(EIO, call);
  }
}

class TkrzwSubject final : public Subject {
 public:
  Status open(const std::string& path, bool create, uint64_t size) override {
    if (create && size > kMaxOffset) return Status(EFBIG, "size");
    // The allocation strategy must be set while closed.
    const uint64_t key = create ? size / tkrzw::PAGE_SIZE : opens_;
    ++opens_;
    const bool small = key % 2 == 0;
    alloc_init_ = small ? 1 : static_cast<uint64_t>(tkrzw::File::DEFAULT_ALLOC_INIT_SIZE);
    Status s = from_tkrzw(file_.SetAllocationStrategy(static_cast<int64_t>(alloc_init_),
                                                      small ? 1.0 : tkrzw::File::DEFAULT_ALLOC_INC_FACTOR),
                          "SetAllocationStrategy");
    if (!s.ok()) return s;
    const int32_t options = create ? tkrzw::File::OPEN_TRUNCATE : tkrzw::File::OPEN_NO_CREATE;
    s = from_tkrzw(file_.Open(path, /*writable=*/true, options), "Open");
    if (!s.ok() || !create || size == 0) return s;
    s = from_tkrzw(file_.Truncate(static_cast<int64_t>(size)), "Truncate");
    if (!s.ok() && file_.IsOpen()) (void)file_.Close();
    return s;
  }

  Status resize(uint64_t new_size) override {
    if (new_size > kMaxOffset) return Status(EFBIG, "size");
    const uint64_t old_size = size();
    Status s = from_tkrzw(file_.Truncate(static_cast<int64_t>(new_size)), "Truncate");
    if (s.ok() && new_size < old_size && avoid_known_finding("stale-tail")) {
      // Zero what is left of the cut bytes inside the new mapping (Truncate
      // maps max(size, page, initial allocation) bytes, page-aligned), which
      // needs no system call, then put the logical size back without one.
      const uint64_t page = tkrzw::PAGE_SIZE;
      const uint64_t mapped = (std::max({new_size, page, alloc_init_}) + page - 1) / page * page;
      const uint64_t end = std::min(old_size, mapped);
      if (end > new_size) {
        const std::vector<uint8_t> zeros(end - new_size, 0);
        s = from_tkrzw(file_.Write(static_cast<int64_t>(new_size), zeros.data(), zeros.size()), "Write");
        if (s.ok()) s = from_tkrzw(file_.TruncateFakely(static_cast<int64_t>(new_size)), "TruncateFakely");
      }
    }
    return s;
  }

  // tkrzw offsets are int64_t and a negative one means "append": offsets
  // past INT64_MAX cannot be expressed and are refused here.
  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (offset > kMaxOffset || data.size() > kMaxOffset - offset) return Status(EINVAL, "offset");
    static const uint8_t empty = 0;
    return from_tkrzw(file_.Write(static_cast<int64_t>(offset), data.empty() ? &empty : data.data(), data.size()),
                      "Write");
  }

  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    *got = 0;
    if (offset > kMaxOffset || out.size() > kMaxOffset - offset) return Status(EINVAL, "offset");
    uint8_t empty = 0;
    Status s = from_tkrzw(file_.Read(static_cast<int64_t>(offset), out.empty() ? &empty : out.data(), out.size()),
                          "Read");
    if (s.ok()) *got = out.size();
    return s;
  }

  // Synchronize(hard, off, size): size 0 means to the end of the file, as
  // in Subject::sync. A range reaching past INT64_MAX is clamped to it.
  Status sync(uint64_t offset, uint64_t length) override {
    offset = std::min(offset, kMaxOffset);
    length = std::min(length, kMaxOffset - offset);
    return from_tkrzw(file_.Synchronize(/*hard=*/true, static_cast<int64_t>(offset), static_cast<int64_t>(length)),
                      "Synchronize");
  }

  Status close() override { return from_tkrzw(file_.Close(), "Close"); }

  uint64_t size() const override {
    int64_t n = 0;
    // GetSize is not const in tkrzw's interface.
    if (const_cast<tkrzw::MemoryMapParallelFile&>(file_).GetSize(&n) != tkrzw::Status::SUCCESS) return 0;
    return static_cast<uint64_t>(n);
  }

 private:
  tkrzw::MemoryMapParallelFile file_;
  uint64_t opens_ = 0;
  uint64_t alloc_init_ = 0;  // the initial allocation of the current open
};

std::unique_ptr<Subject> make_subject() { return std::make_unique<TkrzwSubject>(); }

}  // namespace

const Target& this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          // "If the writable flag is true and the region is out of the
          // current file size, the file is expanded." (MakeZone)
          .write_past_end = PastEnd::kGrows,
          // Read: "excessive size" (INFEASIBLE_ERROR) past the end.
          .read_past_end = PastEnd::kFails,
          .opens_empty_file = true,
          .resizes_to_zero = true,
          .syncs_ranges = true,  // Synchronize(hard, off, size)
          // Growth is ftruncate alone (sparse): on a full disk the first
          // touch of a new page raises SIGBUS.
          .allocates_on_growth = false,
          // The bytes are raw, but while open the file is longer than the
          // logical size (allocation chunks; "call [Synchronize] before
          // accessing the file with external tools"), so a pread of it
          // mid-run is not the file's content: check through the library
          // (the open instance after a failed call, a fresh one at the end,
          // which sees the file's real size).
          .file_is_raw = false,
      },
      &make_subject,
  };
  return target;
}

}  // namespace mapfuzz
