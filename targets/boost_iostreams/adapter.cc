// Boost.Iostreams as a mapfuzz target: boost::iostreams::mapped_file, read
// and write, shared.
//
// The file is mapped as one mapped_file over the whole file, or as two: a
// head [0, split) (offset 0, explicit length) and a tail at the non-zero
// offset `split`, a multiple of mapped_file::alignment(). The layout is
// chosen from the file size at open, so it is deterministic for a program
// (see layout()). Reads and writes that cross the split are cut in two.
//
//   open create   mapped_file_params{new_file_size = size} (O_CREAT|O_TRUNC +
//                 ftruncate inside the library); the tail, if any, opens the
//                 existing file at `offset` with the default length.
//   open existing mapped_file_params with the default length (max_length,
//                 "map the entire file"), plus the tail at `offset`.
//   resize        mapped_file::resize(new_size): on the tail when the new
//                 size is past the split, else on the head (then the tail is
//                 closed and the layout is one file).
//   close         mapped_file::close() on each part.
//   sync          mapped_file has no flush or sync at all: nothing to call
//                 (see the contract).
//
// The size this adapter reports is what the library reports: head.size(),
// or split + tail.size().
//
// MAPFUZZ_AVOID_KNOWN (environment, comma-separated names or "all") steers
// around findings already confirmed (docs/findings/boost_iostreams.md), so
// that a fuzz run can get past them; unset, the library is driven as above.
//   offset-size    give the tail an explicit length and compute its length
//                  from the file size instead of trusting size()
//   resize-closes  after a failed resize left the file closed, open it again
//   no-sync        sync msyncs the mapped views itself (not the library)
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <ios>
#include <memory>
#include <string>

#include <boost/iostreams/device/mapped_file.hpp>

#include "harness/known_findings.h"
#include "harness/subject.h"

#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME "boost_iostreams"
#endif

namespace mapfuzz {
namespace {

namespace io = boost::iostreams;

// The one place where Boost.Iostreams' exceptions become a Status. Its
// system errors are std::ios_base::failure("<what failed>: <strerror(errno)>")
// and keep no error number, so the errno is recovered from the strerror
// text; errors of the library's own ("can't resize below mapped offset",
// "file already open") carry none and become EINVAL.
Status from_exception(const std::exception& ex, const char* call) {
  const std::string what = ex.what();
  int best = 0;
  size_t best_len = 0;
  for (int e = 1; e < 134; ++e) {
    const std::string text = std::string(": ") + std::strerror(e);
    if (text.size() > best_len && what.find(text) != std::string::npos) {
      best = e;
      best_len = text.size();
    }
  }
  return Status(best != 0 ? best : EINVAL, call);
}

template <typename F>
Status guarded(const char* call, F&& f) {
  try {
    f();
    return {};
  } catch (const std::bad_alloc&) {
    return Status(ENOMEM, call);
  } catch (const std::exception& ex) {  // std::ios_base::failure (BOOST_IOSTREAMS_FAILURE)
    return from_exception(ex, call);
  }
}

// Where the file is split: 0 = one mapped_file over the whole file, else a
// multiple of alignment() strictly inside the file. Deterministic in the size.
uint64_t layout(uint64_t size) {
  const auto align = static_cast<uint64_t>(io::mapped_file::alignment());
  if (size / align % 2 == 0) return 0;
  return size / 2 / align * align;
}

io::mapped_file_params params(const std::string& path) {
  io::mapped_file_params p(path);
  p.flags = io::mapped_file::readwrite;
  return p;
}

class BoostIostreamsSubject final : public Subject {
 public:
  Status open(const std::string& path, bool create, uint64_t size) override {
    // new_file_size 0 means "do not create": the library cannot create an
    // empty file, and an existing empty file cannot be mapped (mmap of 0
    // bytes), so the contract says opens_empty_file = false.
    if (create && size == 0) return Status(EINVAL, "new_file_size=0");
    if (create && size > static_cast<uint64_t>(INT64_MAX)) return Status(EFBIG, "new_file_size");
    uint64_t file_size = size;
    if (!create) {
      struct stat st;
      file_size = ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    }
    path_ = path;
    return map(create, file_size);
  }

  Status resize(uint64_t new_size) override {
    if (!head_.is_open()) return Status(EBADF, "not open");
    if (new_size > static_cast<uint64_t>(INT64_MAX)) return Status(EFBIG, "size");
    Status s;
    if (split_ > 0 && new_size > split_) {
      s = guarded("mapped_file::resize", [&] { tail_.resize(static_cast<io::stream_offset>(new_size)); });
      if (s.ok()) tail_length_ = new_size - split_;
    } else {
      s = guarded("mapped_file::resize", [&] { head_.resize(static_cast<io::stream_offset>(new_size)); });
      if (s.ok() && split_ > 0) {
        // The head now covers the whole (smaller) file.
        (void)guarded("mapped_file::close", [&] { tail_.close(); });
        split_ = 0;
      }
    }
    if (!s.ok() && avoid_known_finding("resize-closes") && (!head_.is_open() || (split_ > 0 && !tail_.is_open()))) {
      (void)close_parts();
      struct stat st;
      if (::stat(path_.c_str(), &st) == 0) (void)map(false, static_cast<uint64_t>(st.st_size));
    }
    return s;
  }

  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (!head_.is_open()) return Status(EBADF, "not open");
    if (!in_bounds(offset, data.size())) return Status(EINVAL, "bounds");
    for_each_part(offset, data.size(), [&](char* base, uint64_t done, uint64_t n) {
      std::memcpy(base, data.data() + done, n);
    });
    return {};
  }

  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    *got = 0;
    if (!head_.is_open()) return Status(EBADF, "not open");
    if (!in_bounds(offset, out.size())) return Status(EINVAL, "bounds");
    for_each_part(offset, out.size(), [&](char* base, uint64_t done, uint64_t n) {
      std::memcpy(out.data() + done, base, n);
    });
    *got = out.size();
    return {};
  }

  // mapped_file offers no sync: the bytes reach the file through the shared
  // mapping (visible to read/pread at once) but nothing makes them durable.
  Status sync(uint64_t, uint64_t) override {
    if (!head_.is_open()) return Status(EBADF, "not open");
    if (avoid_known_finding("no-sync")) {
      if (::msync(head_.data(), head_.size(), MS_SYNC) != 0) return Status::from_errno("msync");
      if (split_ > 0 && ::msync(tail_.data(), tail_length(), MS_SYNC) != 0) return Status::from_errno("msync");
    }
    return {};
  }

  Status close() override { return close_parts(); }

  uint64_t size() const override {
    if (!head_.is_open()) return 0;
    return split_ > 0 ? split_ + tail_length() : head_.size();
  }

 private:
  // Opens the head (creating the file with `size` bytes if `create`) and,
  // if layout(size) splits, the tail at offset split. On failure all closed.
  Status map(bool create, uint64_t size) {
    const uint64_t split = layout(size);
    io::mapped_file_params head = params(path_);
    if (create) head.new_file_size = static_cast<io::stream_offset>(size);
    if (split > 0) head.length = split;
    Status s = guarded("mapped_file::open", [&] { head_.open(head); });
    if (!s.ok()) return s;
    if (split > 0) {
      io::mapped_file_params tail = params(path_);
      tail.offset = static_cast<io::stream_offset>(split);
      if (avoid_known_finding("offset-size")) tail.length = size - split;
      s = guarded("mapped_file::open", [&] { tail_.open(tail); });
      if (!s.ok()) {
        (void)guarded("mapped_file::close", [&] { head_.close(); });
        return s;
      }
    }
    split_ = split;
    tail_length_ = size - split;
    return {};
  }

  Status close_parts() {
    Status head = guarded("mapped_file::close", [&] { head_.close(); });
    Status tail = guarded("mapped_file::close", [&] { tail_.close(); });
    split_ = 0;
    return head.ok() ? tail : head;
  }

  uint64_t tail_length() const { return avoid_known_finding("offset-size") ? tail_length_ : tail_.size(); }

  bool in_bounds(uint64_t offset, uint64_t length) const {
    const uint64_t n = size();
    return offset <= n && length <= n - offset;
  }

  // Calls f(address, bytes done, bytes) for each part of [offset,
  // offset+length), which is within size().
  template <typename F>
  void for_each_part(uint64_t offset, uint64_t length, F&& f) {
    const uint64_t end = offset + length;
    const uint64_t head_end = split_ > 0 ? split_ : end;
    if (offset < head_end) f(head_.data() + offset, 0, std::min(end, head_end) - offset);
    if (split_ > 0 && end > split_) {
      const uint64_t lo = std::max(offset, split_);
      f(tail_.data() + (lo - split_), lo - offset, end - lo);
    }
  }

  std::string path_;
  io::mapped_file head_;  // offset 0: the whole file, or [0, split_)
  io::mapped_file tail_;  // offset split_ when split_ > 0
  uint64_t split_ = 0;
  uint64_t tail_length_ = 0;  // the tail's length from the file size (for offset-size)
};

std::unique_ptr<Subject> make_subject() { return std::make_unique<BoostIostreamsSubject>(); }

}  // namespace

const Target& this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          .write_past_end = PastEnd::kFails,  // checked by the adapter: a mapping has a fixed size
          .read_past_end = PastEnd::kFails,
          .opens_empty_file = false,  // mmap of 0 bytes fails; new_file_size=0 cannot create
          .resizes_to_zero = false,   // resize(0): "can't resize below mapped offset"
          .syncs_ranges = false,      // no sync at all: see sync()
          // new_file_size and resize() size the file with ftruncate (sparse):
          // on a full disk the first touch of a new page raises SIGBUS.
          .allocates_on_growth = false,
      },
      &make_subject,
  };
  return target;
}

}  // namespace mapfuzz
