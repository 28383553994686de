#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // mremap
#endif

#include "targets/reference/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "targets/reference/mutants.h"
#include "targets/reference/style.h"

namespace mapfuzz::reference {
namespace {

static_assert(sizeof(size_t) >= sizeof(uint64_t), "a mapping must be able to cover any file size");

constexpr uint64_t kMaxFileSize = static_cast<uint64_t>(std::numeric_limits<off_t>::max());

uint64_t page_size() {
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

// Rounds `n` up to a multiple of `page`; n must be at most kMaxFileSize.
uint64_t round_up(uint64_t n, uint64_t page) { return (n + page - 1) / page * page; }

// The locking style's lock on the whole file for the length of one call
// (style.h); in the other styles it does nothing. Released with F_UNLCK,
// never by closing an fd (that would drop every fcntl lock of the process
// on the file).
class CallLock {
 public:
  CallLock() = default;
  CallLock(const CallLock&) = delete;
  CallLock& operator=(const CallLock&) = delete;
  ~CallLock() {
    if (fd_ >= 0) (void)set(fd_, F_UNLCK);
  }
  // Takes an exclusive (or shared) lock without waiting. On success the
  // lock is held until the destructor; on failure (EAGAIN or EACCES:
  // another process holds a conflicting lock) nothing is held.
  Status take(int fd, bool exclusive) {
    if constexpr (kStyle != Style::kLocking) return {};
    int rc = set(fd, exclusive ? F_WRLCK : F_RDLCK);
    if constexpr (kMutant == Mutant::kLocksUncheckedResult) rc = 0;
    if (rc != 0) return Status::from_errno("fcntl");
    fd_ = fd;
    return {};
  }

 private:
  static int set(int fd, short type) {
    struct flock fl = {};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    return ::fcntl(fd, F_SETLK, &fl);
  }
  int fd_ = -1;
};

// Extends the file over [offset, offset+length) with its blocks allocated,
// so a full disk is an error now, not a SIGBUS at the first touch later.
// Returns 0 or the error number.
int allocate(int fd, uint64_t offset, uint64_t length) {
  if constexpr (kMutant == Mutant::kSparseGrowth) {
    return ::ftruncate(fd, static_cast<off_t>(offset + length)) == 0 ? 0 : errno;
  }
  return ::posix_fallocate(fd, static_cast<off_t>(offset), static_cast<off_t>(length));
}

// Maps [0, length) of `fd` shared and read-write into *out (which must be
// empty). On failure *out is unchanged.
Status map_file(int fd, size_t length, UniqueMapping* out) {
  void* addr = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  bool failed = addr == MAP_FAILED;
  if constexpr (kMutant == Mutant::kMmapNullCheck) failed = addr == nullptr;
  if (failed) return Status::from_errno("mmap");
  *out = UniqueMapping(addr, length);
  return {};
}

}  // namespace

// ---- UniqueFd ----

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    (void)reset();
    fd_ = other.release();
  }
  return *this;
}

int UniqueFd::release() { return std::exchange(fd_, -1); }

Status UniqueFd::reset() {
  if (fd_ < 0) return {};
  // On Linux the fd is released even when close() fails (EINTR, EIO): never
  // retry, the number may already belong to another file.
  if (::close(std::exchange(fd_, -1)) != 0) return Status::from_errno("close");
  return {};
}

// ---- UniqueMapping ----

UniqueMapping::UniqueMapping(UniqueMapping&& other) noexcept
    : addr_(std::exchange(other.addr_, nullptr)), length_(std::exchange(other.length_, 0)) {}

UniqueMapping& UniqueMapping::operator=(UniqueMapping&& other) noexcept {
  if (this != &other) {
    (void)unmap();
    addr_ = std::exchange(other.addr_, nullptr);
    length_ = std::exchange(other.length_, 0);
  }
  return *this;
}

Status UniqueMapping::unmap() {
  if (addr_ == nullptr) return {};
  if (::munmap(addr_, length_) != 0) return Status::from_errno("munmap");
  release();
  return {};
}

Status UniqueMapping::remap(size_t length) {
  void* addr = ::mremap(addr_, length_, length, MREMAP_MAYMOVE);
  if (addr == MAP_FAILED) return Status::from_errno("mremap");
  addr_ = static_cast<uint8_t*>(addr);
  length_ = length;
  return {};
}

void UniqueMapping::release() {
  addr_ = nullptr;
  length_ = 0;
}

// ---- MappedFile ----

// Holds mu_ for one call in the thread-safe style (style.h), shared or
// exclusive; nothing in the other styles.
class MappedFile::Guard {
 public:
  Guard(std::shared_mutex& mu, bool exclusive) : mu_(mu), exclusive_(exclusive) { lock(); }
  ~Guard() { unlock(); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  void lock() {
    if constexpr (kThreadSafe) {
      if (exclusive_) {
        mu_.lock();
      } else {
        mu_.lock_shared();
      }
      held_ = true;
    }
  }
  void unlock() {
    if (!held_) return;
    if (exclusive_) {
      mu_.unlock();
    } else {
      mu_.unlock_shared();
    }
    held_ = false;
  }

 private:
  std::shared_mutex& mu_;
  bool exclusive_;
  bool held_ = false;
};

MappedFile::~MappedFile() { (void)close(); }

Status MappedFile::open(const std::string& path, bool create, uint64_t size) {
  Guard guard(mu_, true);
  if (is_open()) return Status(EBUSY, "already open");
  if (create && size > kMaxFileSize) return Status(EFBIG, "size");

  // Build everything in locals: an early return releases what was acquired.
  const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0);
  UniqueFd fd(::open(path.c_str(), flags, 0644));
  if (!fd.valid()) return Status::from_errno("open");

  UniqueMapping map;  // declared after fd: an early return unmaps, then closes
  auto map_whole = [&](uint64_t length) {
    Status s = map_file(fd.get(), length, &map);
    if constexpr (kMutant == Mutant::kFdLeakWhenMmapFails) {
      if (!s.ok()) (void)fd.release();
    }
    return s;
  };

  uint64_t file_size = size;
  if (create) {
    if (size > 0) {
      if constexpr (kStyle == Style::kMapFirst) {
        // The mapping reaches past EOF (the file is empty after O_TRUNC);
        // nothing touches it before the file covers it.
        if (Status s = map_whole(size); !s.ok()) return s;
      }
      // Returns the error number; errno is not set. On failure the owners
      // unmap and close; the file holds at most zeros up to `size` (what
      // posix_fallocate left), which a failed create may leave.
      const int err = allocate(fd.get(), 0, size);
      if (err != 0) return Status::from_code(err, "posix_fallocate");
    }
  } else {
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return Status::from_errno("fstat");
    file_size = static_cast<uint64_t>(st.st_size);
  }

  if (file_size > 0 && !map) {
    if (Status s = map_whole(file_size); !s.ok()) return s;
  }
  fd_ = std::move(fd);
  map_ = std::move(map);
  size_ = file_size;
  return {};
}

// change_mu_, in the thread-safe style only.
static std::unique_lock<std::mutex> changing(std::mutex& mu) {
  return kThreadSafe ? std::unique_lock<std::mutex>(mu) : std::unique_lock<std::mutex>();
}

Status MappedFile::resize(uint64_t new_size) {
  const auto change = changing(change_mu_);
  Guard guard(mu_, kMutant != Mutant::kThreadsResizeUnexcluded);
  if (!is_open()) return Status(EBADF, "not open");
  if (new_size > kMaxFileSize) return Status(EFBIG, "size");
  if (new_size == size_) return {};
  CallLock lock;
  if (Status s = lock.take(fd_.get(), true); !s.ok()) return s;
  if constexpr (kMutant == Mutant::kThreadsSizeBeforeMapping) {
    if (new_size > size_) return grow_announced(new_size, guard);
  }
  return new_size > size_ ? grow(new_size) : shrink(new_size);
}

// Maps first (a mapping may reach past EOF, and if mapping fails the file is
// untouched), then extends the file in one call. The same in every style
// (style.h): the other order needs a second call to undo a growth.
Status MappedFile::grow(uint64_t new_size) {
  const uint64_t old_size = size_;
  if constexpr (kMutant == Mutant::kNonAtomicResize) {
    // The wrong order: extend the file, then map; a failed map leaves it grown.
    const int err = ::posix_fallocate(fd_.get(), static_cast<off_t>(old_size),
                                      static_cast<off_t>(new_size - old_size));
    if (err != 0) return Status::from_code(err, "posix_fallocate");
    Status s = map_ ? map_.remap(new_size) : map_file(fd_.get(), new_size, &map_);
    if (!s.ok()) return s;
    size_ = new_size;
    return {};
  }
  if constexpr (kMutant != Mutant::kNoRemapAfterGrow) {
    Status s = map_ ? map_.remap(new_size) : map_file(fd_.get(), new_size, &map_);
    if (!s.ok()) return s;
  }
  int err = allocate(fd_.get(), old_size, new_size - old_size);
  if constexpr (kMutant == Mutant::kSwallowedFallocateError) err = 0;
  if (err != 0) {
    // Some filesystems, and glibc's fallback for those without fallocate,
    // extend the file part way before failing: put the old size back.
    struct stat st;
    if (::fstat(fd_.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) != old_size) {
      (void)::ftruncate(fd_.get(), static_cast<off_t>(old_size));
    }
    // Best effort: a mapping longer than the file is harmless.
    if (old_size == 0) {
      (void)map_.unmap();
    } else if (map_.length() > old_size) {
      (void)map_.remap(old_size);
    }
    return Status::from_code(err, "posix_fallocate");
  }
  size_ = new_size;
  return {};
}

// The wrong way round for another thread (kThreadsSizeBeforeMapping): the
// new size is announced, then the lock is let go (readers come in; writers
// stay out, on change_mu_) while a new mapping is made and the file
// extended, and retaken to install the mapping. Alone it is correct: a
// failure puts the old size back.
Status MappedFile::grow_announced(uint64_t new_size, Guard& guard) {
  const uint64_t old_size = size_;
  size_ = new_size;
  guard.unlock();
  UniqueMapping fresh;
  Status s = map_file(fd_.get(), new_size, &fresh);
  if (s.ok()) {
    if (const int err = allocate(fd_.get(), old_size, new_size - old_size); err != 0) {
      struct stat st;
      if (::fstat(fd_.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) != old_size) {
        (void)::ftruncate(fd_.get(), static_cast<off_t>(old_size));
      }
      s = Status::from_code(err, "posix_fallocate");
    }
  }
  guard.lock();
  if (!s.ok()) {
    size_ = old_size;
    return s;  // `fresh` unmaps itself
  }
  map_ = std::move(fresh);
  return {};
}

// Truncates first (if that fails nothing has changed), then reduces the
// mapping; failing to reduce it leaves a harmless longer mapping.
Status MappedFile::shrink(uint64_t new_size) {
  int rc = ::ftruncate(fd_.get(), static_cast<off_t>(new_size));
  if constexpr (kMutant == Mutant::kSwallowedFtruncateError) rc = 0;
  if (rc != 0) return Status::from_errno("ftruncate");
  if constexpr (kMutant == Mutant::kStaleLengthAfterShrink) return {};
  size_ = new_size;
  if (new_size == 0) {
    (void)map_.unmap();
  } else if (map_.length() > new_size) {
    (void)map_.remap(new_size);
  }
  return {};
}

bool MappedFile::in_bounds(uint64_t offset, uint64_t length) const {
  uint64_t limit = size_;
  if constexpr (kMutant == Mutant::kBoundsByPage) limit = round_up(size_, page_size());
  if constexpr (kMutant == Mutant::kBoundsWrap) return offset + length <= limit;
  return offset <= limit && length <= limit - offset;  // cannot overflow
}

Status MappedFile::write(uint64_t offset, std::span<const uint8_t> data) {
  const auto change = changing(change_mu_);
  Guard guard(mu_, true);
  if (!is_open()) return Status(EBADF, "not open");
  if (!in_bounds(offset, data.size())) return Status(EINVAL, "bounds");
  CallLock lock;
  if constexpr (kMutant != Mutant::kLocksIgnoresHeldLock) {
    if (Status s = lock.take(fd_.get(), true); !s.ok()) return s;
  }
  if (!data.empty()) std::memcpy(map_.data() + offset, data.data(), data.size());
  return {};
}

Status MappedFile::read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) {
  Guard guard(mu_, false);
  if (got) *got = 0;
  if (!is_open()) return Status(EBADF, "not open");
  if (!in_bounds(offset, out.size())) return Status(EINVAL, "bounds");
  CallLock lock;
  if (Status s = lock.take(fd_.get(), false); !s.ok()) return s;
  if (!out.empty()) std::memcpy(out.data(), map_.data() + offset, out.size());
  if (got) *got = out.size();
  return {};
}

Status MappedFile::sync(uint64_t offset, uint64_t length) {
  Guard guard(mu_, false);
  if (!is_open()) return Status(EBADF, "not open");
  if (size_ == 0 || !map_) {
    if (::fdatasync(fd_.get()) != 0) return Status::from_errno("fdatasync");
    return {};
  }
  if (length == 0) {
    offset = 0;
    length = size_;
  }
  // msync wants a page-aligned start; take whole pages, clamped to the file
  // (the kernel extends the last partial page itself).
  const uint64_t page = page_size();
  const uint64_t start = offset / page * page;
  if (start >= size_) return {};  // no page of the file is in the range
  const uint64_t end = length > size_ - std::min(offset, size_) ? size_ : offset + length;
  const uint64_t stop = std::min(round_up(end, page), size_);
  uint64_t from = start;
  if constexpr (kMutant == Mutant::kMsyncUnalignedIgnored) from = std::min(offset, stop);
  int rc = ::msync(map_.data() + from, stop - from, MS_SYNC);
  if constexpr (kMutant == Mutant::kMsyncUnalignedIgnored || kMutant == Mutant::kIgnoredMsyncResult) rc = 0;
  if (rc != 0) return Status::from_errno("msync");
  return {};
}

Status MappedFile::close() {
  Guard guard(mu_, true);
  if constexpr (kMutant == Mutant::kFdLeakOnCloseEmpty) {
    if (!map_) {
      (void)fd_.release();
      size_ = 0;
      return {};
    }
  }
  Status unmapped = map_.unmap();
  map_.release();  // if munmap failed there is nothing better to do than forget it
  Status closed = fd_.reset();
  size_ = 0;
  return unmapped.ok() ? closed : unmapped;
}

}  // namespace mapfuzz::reference
