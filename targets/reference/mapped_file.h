// The reference mapping library: a read-write MAP_SHARED mapping of one whole
// file, with bounds-checked access, atomic resize and range sync. Small on
// purpose, and meant to be copied: every fd and mapping is owned, every call
// reports the libc call that failed, and a failed call leaves things as they
// were.
//
// It calls libc directly (open, posix_fallocate, ftruncate, mmap, mremap,
// munmap, msync, fdatasync, close); mapfuzz's fault layer interposes those at
// link time, so there is no seam of its own.
//
// Not thread-safe, except in the locking style (style.h): there calls on one
// MappedFile may come from several threads at once. Another
// process truncating the file under the mapping makes accesses raise SIGBUS;
// this library does not guard against that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>

#include "harness/status.h"

namespace mapfuzz::reference {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd() { (void)reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing; returns the fd (-1 if none).
  int release();
  // Closes the fd if any. The fd is gone afterwards even if close() failed;
  // the failure is reported.
  Status reset();

 private:
  int fd_ = -1;
};

// Owns one mapping [data(), data() + length()); unmaps it on destruction.
class UniqueMapping {
 public:
  UniqueMapping() = default;
  UniqueMapping(void* addr, size_t length) : addr_(static_cast<uint8_t*>(addr)), length_(length) {}
  UniqueMapping(UniqueMapping&& other) noexcept;
  UniqueMapping& operator=(UniqueMapping&& other) noexcept;
  ~UniqueMapping() { (void)unmap(); }

  uint8_t* data() const { return addr_; }
  size_t length() const { return length_; }
  explicit operator bool() const { return addr_ != nullptr; }

  // Unmaps. On failure the mapping is still owned and still mapped.
  Status unmap();
  // Resizes the mapping to `length` (> 0) with mremap(MREMAP_MAYMOVE); it
  // may move. On failure the mapping is unchanged.
  Status remap(size_t length);
  // Gives up ownership without unmapping.
  void release();

 private:
  uint8_t* addr_ = nullptr;
  size_t length_ = 0;
};

class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // Closes the file if open, ignoring errors (call close() to see them).
  ~MappedFile();

  // Requires: closed (else returns EBUSY and changes nothing).
  // create: creates `path` or truncates it, mode 0644, and extends it to
  // `size` zero bytes with posix_fallocate (disk space is reserved).
  // !create: opens the existing `path` read-write; `size` is ignored and the
  // file's size is taken from fstat.
  // Maps the whole file shared and read-write; a 0-byte file is open with no
  // mapping. The order with `create` is the compile-time style (style.h):
  // Style::kGrowFirst (the default) extends the file, then maps it;
  // Style::kMapFirst maps `size` bytes of the empty file first (a mapping may
  // reach past EOF), then extends it. Either way nothing is written before
  // the call succeeds.
  // On success the file is open and size() is its size. On failure the
  // instance is closed and holds no fd or mapping; with `create` the file may
  // already have been created or truncated, and may hold zeros up to `size`
  // (grow-first: a failed mmap after the growth; map-first: what a failed
  // posix_fallocate left, nothing on tmpfs). Nothing is rolled back.
  Status open(const std::string& path, bool create, uint64_t size);

  // Changes the file size to `new_size` and maps all of it; bytes past the
  // old end read as zeros. Growing reserves disk space (posix_fallocate) so
  // that later writes cannot fail with SIGBUS for lack of space; resizing to 0
  // unmaps. The mapping may move.
  // Atomic: the file size changes in one call; the mapping is enlarged before
  // it and reduced after it (best effort: a mapping larger than the file is
  // harmless, as no access goes past size()). On failure the size, the
  // contents and a valid mapping of them are as before.
  Status resize(uint64_t new_size);

  // Copies `data` to file offset `offset` through the mapping.
  // Fails with EINVAL and writes nothing if the range reaches past size().
  // The bytes reach the file at the latest at sync() or close(); to be
  // durable against a crash of the machine, call sync().
  Status write(uint64_t offset, std::span<const uint8_t> data);

  // Copies out.size() bytes from file offset `offset` into `out`.
  // On success *got (if non-null) is out.size(). Fails with EINVAL, copying
  // nothing and setting *got to 0, if the range reaches past size().
  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got);

  // Makes [offset, offset + length) durable (length 0: the whole file):
  // msync(MS_SYNC) over the pages holding the range, clamped to the file.
  // A range past the end of the file is empty and succeeds. With no mapping
  // (0-byte file) calls fdatasync so that the size itself is durable.
  // Returns the msync/fdatasync error, if any.
  Status sync(uint64_t offset, uint64_t length);

  // Unmaps and closes. Always leaves the instance closed; returns the first
  // error of munmap or close. Closing a closed instance succeeds.
  Status close();

  bool is_open() const { return fd_.valid(); }
  // The file size this instance maintains; 0 when closed.
  uint64_t size() const { return size_; }

 private:
  // The locking style's guard against other threads (kThreadSafe): read
  // and sync hold mu_ shared, every other call exclusively.
  class Guard;
  Status grow(uint64_t new_size);
  // kThreadsSizeBeforeMapping's growth (mutants.h), `guard` held on entry
  // (and change_mu_).
  Status grow_announced(uint64_t new_size, Guard& guard);
  Status shrink(uint64_t new_size);
  bool in_bounds(uint64_t offset, uint64_t length) const;

  mutable std::shared_mutex mu_;
  // Also taken (first) by the calls that change the file, write and resize:
  // kThreadsSizeBeforeMapping lets go of mu_ alone, so writers stay out.
  std::mutex change_mu_;
  UniqueFd fd_;
  UniqueMapping map_;  // covers at least [0, size_) when size_ > 0
  uint64_t size_ = 0;
};

}  // namespace mapfuzz::reference
