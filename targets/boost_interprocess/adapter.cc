// Boost.Interprocess as a mapfuzz target: boost::interprocess::file_mapping
// (the fd) and mapped_region (the mappings), header-only Boost.
//
// The file is mapped as one or two mapped_regions, chosen from the file size
// so that the choice is deterministic for a program (see layout()):
//   - one region over the whole file, built with size 0 ("the rest of the
//     file": Boost sizes it with fstat);
//   - two regions split at a page boundary, the second mapped at a non-zero,
//     page-aligned file offset;
//   - two regions split at an unaligned point, the second at an unaligned
//     file offset (Boost maps from the page below and hides the difference).
// Reads and writes that cross the split are cut in two; sync flushes each
// region's part of the range with mapped_region::flush(offset, size,
// async=false), exactly the range asked for.
//
// What Boost has no API for is done with plain libc, as a Boost user does:
// creating the file (open O_CREAT|O_TRUNC + ftruncate, the way Boost's own
// managed_mapped_file sizes a new file) and resizing it (ftruncate on the
// file_mapping's handle). Boost reports close and munmap errors nowhere
// (~mapped_region and ~file_mapping ignore them), so close() always succeeds.
//
// MAPFUZZ_AVOID_KNOWN (environment, comma-separated names or "all") steers
// around findings already confirmed (docs/findings/boost_interprocess.md) so
// that a fuzz run can get past them; unset, the library is driven as above.
//   flush-unaligned  start each flush at a page boundary of the region
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>

#include "harness/known_findings.h"
#include "harness/subject.h"

#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME "boost_interprocess"
#endif

namespace mapfuzz {
namespace {

namespace bip = boost::interprocess;

// The errno for a Boost error code that carries no native error.
int errno_for(bip::error_code_t code) {
  switch (code) {
    case bip::security_error: return EACCES;
    case bip::read_only_error: return EROFS;
    case bip::io_error: return EIO;
    case bip::path_error: return ENAMETOOLONG;
    case bip::not_found_error:
    case bip::not_such_file_or_directory: return ENOENT;
    case bip::busy_error: return EBUSY;
    case bip::already_exists_error: return EEXIST;
    case bip::not_empty_error: return ENOTEMPTY;
    case bip::is_directory_error: return EISDIR;
    case bip::out_of_space_error: return ENOSPC;
    case bip::out_of_memory_error: return ENOMEM;
    case bip::out_of_resource_error: return EMFILE;
    case bip::size_error: return EFBIG;
    case bip::mode_error:
    case bip::invalid_argument: return EINVAL;
    default: return EIO;
  }
}

// The one place where Boost's exceptions become a Status: the native errno
// when Boost kept one, else its error code translated.
Status from_exception(const bip::interprocess_exception& ex, const char* call) {
  const int native = ex.get_native_error();
  return Status(native > 0 ? native : errno_for(ex.get_error_code()), call);
}

// Runs `f`, turning an exception into a Status naming `call`.
template <typename F>
Status guarded(const char* call, F&& f) {
  try {
    f();
    return {};
  } catch (const bip::interprocess_exception& ex) {
    return from_exception(ex, call);
  } catch (const std::bad_alloc&) {
    return Status(ENOMEM, call);
  }
}

// One mapped_region and the file offset it starts at.
struct Region {
  uint64_t offset = 0;
  bip::mapped_region region;
  uint64_t end() const { return offset + region.get_size(); }
};

// Where the file is split into regions: 0 = one region over the whole file.
// Deterministic in the size, so that replays map the same way.
uint64_t layout(uint64_t size) {
  const uint64_t page = bip::mapped_region::get_page_size();
  switch (size / page % 3) {
    case 1: return size / 2 / page * page;  // page-aligned second region (0 if small)
    case 2: return size / 2;                // unaligned second region
    default: return 0;
  }
}

class BoostInterprocessSubject final : public Subject {
 public:
  Status open(const std::string& path, bool create, uint64_t size) override {
    if (create) {
      if (Status s = create_file(path, size); !s.ok()) return s;
    }
    bip::file_mapping mapping;
    Status s = guarded("file_mapping", [&] { bip::file_mapping(path.c_str(), bip::read_write).swap(mapping); });
    if (!s.ok()) return s;
    struct stat st;
    if (::fstat(fd_of(mapping), &st) != 0) return Status::from_errno("fstat");
    const auto file_size = static_cast<uint64_t>(st.st_size);
    std::array<Region, 2> regions;
    // At open, let Boost size the last region itself (size 0 = to the end).
    s = map_regions(mapping, file_size, /*explicit_sizes=*/false, &regions);
    if (!s.ok()) return s;
    mapping_.swap(mapping);
    regions_ = std::move(regions);
    size_ = file_size;
    open_ = true;
    return {};
  }

  // Maps the new layout first (a region may reach past the end of the file),
  // then changes the file size with one ftruncate, then drops the old
  // regions: a failure anywhere leaves the old size, data and regions.
  Status resize(uint64_t new_size) override {
    if (!open_) return Status(EBADF, "not open");
    if (new_size > static_cast<uint64_t>(INT64_MAX)) return Status(EFBIG, "size");
    std::array<Region, 2> regions;
    if (Status s = map_regions(mapping_, new_size, /*explicit_sizes=*/true, &regions); !s.ok()) return s;
    if (::ftruncate(fd_of(mapping_), static_cast<off_t>(new_size)) != 0) return Status::from_errno("ftruncate");
    regions_ = std::move(regions);
    size_ = new_size;
    return {};
  }

  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (!open_) return Status(EBADF, "not open");
    if (!in_bounds(offset, data.size())) return Status(EINVAL, "bounds");
    for_each_part(offset, data.size(), [&](Region& r, uint64_t at, uint64_t done, uint64_t n) {
      std::memcpy(static_cast<uint8_t*>(r.region.get_address()) + at, data.data() + done, n);
    });
    return {};
  }

  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    *got = 0;
    if (!open_) return Status(EBADF, "not open");
    if (!in_bounds(offset, out.size())) return Status(EINVAL, "bounds");
    for_each_part(offset, out.size(), [&](Region& r, uint64_t at, uint64_t done, uint64_t n) {
      std::memcpy(out.data() + done, static_cast<const uint8_t*>(r.region.get_address()) + at, n);
    });
    *got = out.size();
    return {};
  }

  // mapped_region::flush(offset, size, async=false) per region, over the
  // part of [offset, offset+length) inside the file (flush refuses ranges
  // past the region's end). Length 0: flush(0, 0) = each whole region. A
  // range past the end of the file flushes nothing and succeeds.
  Status sync(uint64_t offset, uint64_t length) override {
    if (!open_) return Status(EBADF, "not open");
    if (length == 0) {
      offset = 0;
      length = size_;
    }
    if (offset >= size_ || length == 0) return {};
    const uint64_t end = length > size_ - offset ? size_ : offset + length;
    const uint64_t page = bip::mapped_region::get_page_size();
    for (Region& r : regions_) {
      if (r.region.get_size() == 0) continue;
      const uint64_t lo = std::max(offset, r.offset), hi = std::min(end, r.end());
      if (lo >= hi) continue;
      uint64_t at = lo - r.offset;
      if (avoid_known_finding("flush-unaligned")) at = at / page * page;
      errno = 0;
      if (!r.region.flush(at, hi - r.offset - at, /*async=*/false)) {
        // flush returns only a bool: msync's errno if it got that far, else
        // Boost refused the range itself.
        return errno != 0 ? Status::from_errno("mapped_region::flush") : Status(EINVAL, "mapped_region::flush");
      }
    }
    return {};
  }

  Status close() override {
    regions_ = {};
    bip::file_mapping().swap(mapping_);
    size_ = 0;
    open_ = false;
    return {};
  }

  uint64_t size() const override { return size_; }

 private:
  static int fd_of(const bip::file_mapping& m) { return m.get_mapping_handle().handle; }

  // open create: plain libc (Boost has no public create), sized with
  // ftruncate like Boost's managed_mapped_file does.
  static Status create_file(const std::string& path, uint64_t size) {
    if (size > static_cast<uint64_t>(INT64_MAX)) return Status(EFBIG, "size");
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::from_errno("open");
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) s = Status::from_errno("ftruncate");
    if (::close(fd) != 0 && s.ok()) s = Status::from_errno("close");
    return s;
  }

  // Maps [0, size) of `mapping` as layout(size) says into *out. With
  // explicit_sizes false the last region is built with size 0 and Boost
  // finds its size from the file (which must then be `size` bytes long).
  static Status map_regions(const bip::file_mapping& mapping, uint64_t size, bool explicit_sizes,
                            std::array<Region, 2>* out) {
    if (size == 0) return {};  // Boost cannot map 0 bytes; an empty file has no region
    const uint64_t split = layout(size);
    return guarded("mapped_region", [&] {
      if (split > 0) {
        bip::mapped_region(mapping, bip::read_write, 0, split).swap((*out)[0].region);
      }
      (*out)[1].offset = split;
      bip::mapped_region(mapping, bip::read_write, static_cast<bip::offset_t>(split),
                         explicit_sizes ? size - split : 0)
          .swap((*out)[1].region);
    });
  }

  bool in_bounds(uint64_t offset, uint64_t length) const { return offset <= size_ && length <= size_ - offset; }

  // Calls f(region, offset in region, bytes done, bytes) for each region's
  // part of [offset, offset+length), which is within the file.
  template <typename F>
  void for_each_part(uint64_t offset, uint64_t length, F&& f) {
    const uint64_t end = offset + length;
    for (Region& r : regions_) {
      if (r.region.get_size() == 0) continue;
      const uint64_t lo = std::max(offset, r.offset), hi = std::min(end, r.end());
      if (lo < hi) f(r, lo - r.offset, lo - offset, hi - lo);
    }
  }

  bip::file_mapping mapping_;
  std::array<Region, 2> regions_;  // [0]: [0, split) if split > 0; [1]: [split, size)
  uint64_t size_ = 0;
  bool open_ = false;
};

std::unique_ptr<Subject> make_subject() { return std::make_unique<BoostInterprocessSubject>(); }

}  // namespace

const Target& this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          .write_past_end = PastEnd::kFails,  // checked by the adapter: a region has a fixed size
          .read_past_end = PastEnd::kFails,
          .opens_empty_file = true,  // an empty file is open with no region
          .resizes_to_zero = true,
          .syncs_ranges = true,  // mapped_region::flush(offset, size)
          // Sizing the file is left to the caller (ftruncate, as Boost's own
          // managed_mapped_file does): on a full disk the first touch of a
          // new page raises SIGBUS, the documented hazard of sparse files.
          .allocates_on_growth = false,
      },
      &make_subject,
  };
  return target;
}

}  // namespace mapfuzz
