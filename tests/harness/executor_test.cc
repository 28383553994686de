// The executor end to end, on small libraries written here in two correct
// styles and with planted bugs: outside events at boundaries and in the
// middle of a call must never be blamed on a correct library, and the same
// programs must still catch a wrong one.
#include "harness/executor.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>

#include <boost/test/unit_test.hpp>

#include "faults/outside_process.h"
#include "harness/sandbox.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

// How the little library below orders its calls, and which bug it carries.
enum class Style { kGrowThenMap, kMapThenGrow, kFailedCreateLeavesData, kResizeLeavesFileGrown };
// How its write locks the file: not at all, waiting (F_SETLKW), trying
// (F_SETLK: contention is an error), or against itself (flock through a
// second open file description while holding one: a self-deadlock).
enum class WriteLock { kNone, kWaits, kTries, kSelfDeadlock, kHoldsWhileOpen };

// One whole-file MAP_SHARED mapping; bounds-checked; whole-file sync.
class TinySubject final : public Subject {
 public:
  explicit TinySubject(Style style, WriteLock lock = WriteLock::kNone) : style_(style), lock_(lock) {}
  ~TinySubject() override { (void)close(); }

  Status open(const std::string& path, bool create, uint64_t size) override {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
    if (fd_ < 0) return Status::from_errno("open");
    if (!create) size = static_cast<uint64_t>(::lseek(fd_, 0, SEEK_END));
    if (Status s = create ? grow(size) : Status(); !s.ok()) return fail_open(s);
    if (Status s = map(size); !s.ok()) return fail_open(s);
    if (lock_ == WriteLock::kHoldsWhileOpen) {  // an exclusive lock for as long as the file is open
      struct flock fl = {};
      fl.l_type = F_WRLCK;
      fl.l_whence = SEEK_SET;
      if (::fcntl(fd_, F_SETLK, &fl) != 0) return fail_open(Status::from_errno("fcntl"));
    }
    return {};
  }
  Status resize(uint64_t n) override {
    if (n > size_) {
      if (style_ == Style::kResizeLeavesFileGrown) {
        if (int err = ::posix_fallocate(fd_, 0, static_cast<off_t>(n))) return Status(err, "posix_fallocate");
        return map(n);  // on failure the file stays grown: the planted bug
      }
      return grow(n);
    }
    if (::ftruncate(fd_, static_cast<off_t>(n)) != 0) return Status::from_errno("ftruncate");
    return map(n);
  }
  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (offset > size_ || data.size() > size_ - offset) return Status(EINVAL, "bounds");
    if (Status s = lock_for_write(true); !s.ok()) return s;
    if (!data.empty()) std::memcpy(base_ + offset, data.data(), data.size());
    return lock_for_write(false);
  }
  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    if (offset > size_ || out.size() > size_ - offset) return Status(EINVAL, "bounds");
    if (!out.empty()) std::memcpy(out.data(), base_ + offset, out.size());
    *got = out.size();
    return {};
  }
  Status sync(uint64_t, uint64_t) override {
    if (size_ > 0 && ::msync(base_, size_, MS_SYNC) != 0) return Status::from_errno("msync");
    if (size_ == 0 && ::fdatasync(fd_) != 0) return Status::from_errno("fdatasync");
    return {};
  }
  Status close() override {
    Status s;
    if (base_ && ::munmap(base_, size_) != 0) s = Status::from_errno("munmap");
    if (fd_ >= 0 && ::close(fd_) != 0 && s.ok()) s = Status::from_errno("close");
    base_ = nullptr;
    fd_ = -1;
    size_ = 0;
    return s;
  }
  uint64_t size() const override { return size_; }

 private:
  Status lock_for_write(bool take) {
    if (lock_ == WriteLock::kNone || lock_ == WriteLock::kHoldsWhileOpen) return {};
    if (lock_ == WriteLock::kSelfDeadlock) {
      if (!take) return {};
      const int other = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
      Status s = ::flock(fd_, LOCK_EX) == 0 && ::flock(other, LOCK_EX) == 0 ? Status() : Status::from_errno("flock");
      ::close(other);
      ::flock(fd_, LOCK_UN);
      return s;
    }
    struct flock fl = {};
    fl.l_type = take ? F_WRLCK : F_UNLCK;
    fl.l_whence = SEEK_SET;
    const int cmd = take && lock_ == WriteLock::kWaits ? F_SETLKW : F_SETLK;
    return ::fcntl(fd_, cmd, &fl) == 0 ? Status() : Status::from_errno("fcntl");
  }

  // Grows the file to `n` bytes and the mapping with it, atomically.
  Status grow(uint64_t n) {
    if (style_ == Style::kGrowThenMap) {
      if (int err = ::posix_fallocate(fd_, 0, static_cast<off_t>(n))) return Status(err, "posix_fallocate");
      return map(n);
    }
    // Map first (a mapping may reach past EOF), then allocate: nothing to undo.
    uint8_t* old = base_;
    const uint64_t old_size = size_;
    base_ = nullptr;
    if (Status s = map(n); !s.ok()) {
      base_ = old;
      return s;
    }
    if (int err = ::posix_fallocate(fd_, 0, static_cast<off_t>(n))) {
      if (style_ == Style::kFailedCreateLeavesData && old == nullptr) (void)!::pwrite(fd_, "ZZZZ", 4, 0);
      ::munmap(base_, n);
      base_ = old;
      size_ = old_size;
      return Status(err, "posix_fallocate");
    }
    if (old) ::munmap(old, old_size);
    return {};
  }
  // Replaces the mapping by one of `n` bytes (none for 0).
  Status map(uint64_t n) {
    void* p = n ? ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0) : nullptr;
    if (p == MAP_FAILED) return Status::from_errno("mmap");
    if (base_) ::munmap(base_, size_);
    base_ = static_cast<uint8_t*>(p);
    size_ = n;
    return {};
  }
  Status fail_open(Status s) {
    (void)close();
    return s;
  }

  Style style_;
  WriteLock lock_;
  std::string path_;
  int fd_ = -1;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

template <Style S>
std::unique_ptr<Subject> make() {
  return std::make_unique<TinySubject>(S);
}

template <WriteLock L>
std::unique_ptr<Subject> make_locking() {
  return std::make_unique<TinySubject>(Style::kGrowThenMap, L);
}
constexpr Contract locking(LockPromise promise) {
  return Contract{.syncs_ranges = false, .locks = {.promise = promise}};
}
const Target kWaits{"tiny_waits_for_locks", locking(LockPromise::kWaits), &make_locking<WriteLock::kWaits>};
const Target kWaitsUnpromised{"tiny_waits_unpromised", locking(LockPromise::kNone), &make_locking<WriteLock::kWaits>};
const Target kWaitsButPromisesErrors{"tiny_waits_but_promises_errors", locking(LockPromise::kErrors),
                                     &make_locking<WriteLock::kWaits>};
const Target kTriesUnpromised{"tiny_tries_unpromised", locking(LockPromise::kNone), &make_locking<WriteLock::kTries>};
const Target kHoldsWhileOpen{"tiny_holds_a_lock_while_open", locking(LockPromise::kNone),
                             &make_locking<WriteLock::kHoldsWhileOpen>};
const Target kSelfDeadlock{"tiny_self_deadlock", locking(LockPromise::kNone), &make_locking<WriteLock::kSelfDeadlock>};

const Target kGrowThenMap{"tiny_grow_then_map", Contract{.syncs_ranges = false}, &make<Style::kGrowThenMap>};
const Target kMapThenGrow{"tiny_map_then_grow", Contract{.syncs_ranges = false}, &make<Style::kMapThenGrow>};
const Target kLeavesData{"tiny_failed_create_leaves_data", Contract{.syncs_ranges = false},
                         &make<Style::kFailedCreateLeavesData>};
const Target kLeavesGrown{"tiny_resize_leaves_file_grown", Contract{.syncs_ranges = false},
                          &make<Style::kResizeLeavesFileGrown>};

// Runs `text` against `target` with in-process outside events (in-call
// events on) and size limits; returns the finding (and, if `statuses` is
// not null, each step's status, and if `causes` is not null, each step's
// causes as reports print them).
Finding run(const Target& target, const char* text, std::vector<Status>* statuses = nullptr,
            std::vector<std::string>* causes = nullptr) {
  ::signal(SIGXFSZ, SIG_IGN);
  Program program;
  std::string error;
  BOOST_REQUIRE_MESSAGE(parse_program(text, &program, &error), error);
  Sandbox sandbox;
  std::string why;
  auto outside = faults::make_outside(false, sandbox.dir(), &fill_pattern, &why);
  DiskConditions disk;  // no tmpfs: size limits only
  RunOptions options;
  options.outside = outside.get();
  options.in_call_events = true;
  options.disk = &disk;
  Executor executor(target, sandbox.dir(), options);
  const Finding f = executor.run(program);
  if (statuses) {
    for (const StepRecord& r : executor.trace()) statuses->push_back(r.status);
  }
  if (causes) {
    for (const StepRecord& r : executor.trace()) causes->push_back(r.causes.describe());
  }
  BOOST_TEST_MESSAGE(target.name << ": " << finding_name(f.kind) << " " << f.detail);
  return f;
}

// Issue 9's false positive: another process writes the file in the middle
// of a failed "open create" of a library that maps before it grows.
constexpr const char* kPwriteInFailedCreate =
    "outside sizelimit size=1\n"
    "outside pwrite offset=0 length=6016 seed=162 after-mmap\n"
    "open create size=241664\n";

BOOST_AUTO_TEST_SUITE(executor)

BOOST_AUTO_TEST_CASE(an_event_inside_a_failed_create_is_not_the_librarys_doing) {
  BOOST_TEST(!run(kMapThenGrow, kPwriteInFailedCreate));
  BOOST_TEST(!run(kGrowThenMap, kPwriteInFailedCreate));
}

BOOST_AUTO_TEST_CASE(a_regrowth_inside_a_failed_create_is_not_the_librarys_doing) {
  constexpr const char* text =
      "outside sizelimit size=1\n"
      "outside regrow size=9000 after-mmap\n"
      "open create size=241664\n";
  BOOST_TEST(!run(kMapThenGrow, text));
}

BOOST_AUTO_TEST_CASE(a_failed_create_that_writes_is_still_caught) {
  const Finding f = run(kLeavesData, "outside sizelimit size=1\nopen create size=241664\n");
  BOOST_TEST((f.kind == FindingKind::kNotAtomic));
}

BOOST_AUTO_TEST_CASE(a_failed_growth_that_keeps_the_file_grown_is_still_caught) {
  const Finding f = run(kLeavesGrown,
                        "open create size=4096\n"
                        "fault call=mmap errno=ENOMEM nth=1 once\n"
                        "resize size=65536\n");
  BOOST_TEST((f.kind == FindingKind::kNotAtomic));
}

BOOST_AUTO_TEST_CASE(truncate_then_regrow_between_calls_reads_zeros) {
  constexpr const char* text =
      "open create size=8192\n"
      "write offset=0 length=8192 seed=3\n"
      "outside shrink size=100\n"
      "outside regrow size=8192\n"
      "read offset=0 length=8192\n"
      "close\n";
  BOOST_TEST(!run(kGrowThenMap, text));
  BOOST_TEST(!run(kMapThenGrow, text));
}

BOOST_AUTO_TEST_CASE(bytes_written_past_a_shrunk_end_may_come_back_with_a_regrowth) {
  constexpr const char* text =
      "open create size=8192\n"
      "outside shrink size=100\n"
      "write offset=50 length=200 seed=4\n"
      "outside regrow size=8192\n"
      "read offset=0 length=8192\n"
      "close\n";
  BOOST_TEST(!run(kGrowThenMap, text));
  BOOST_TEST(!run(kMapThenGrow, text));
}

BOOST_AUTO_TEST_CASE(a_replaced_file_is_reopened_as_the_new_one) {
  constexpr const char* text =
      "open create size=4096\n"
      "write offset=0 length=10 seed=1\n"
      "outside replace size=300\n"
      "write offset=0 length=10 seed=2\n"
      "reopen\n"
      "read offset=0 length=300\n"
      "close\n";
  BOOST_TEST(!run(kGrowThenMap, text));
}

BOOST_AUTO_TEST_CASE(a_shrink_inside_a_growth_is_not_the_librarys_doing) {
  constexpr const char* text =
      "open create size=4096\n"
      "outside shrink size=0 after-mmap\n"
      "resize size=65536\n"
      "close\n";
  BOOST_TEST(!run(kGrowThenMap, text));
  BOOST_TEST(!run(kMapThenGrow, text));
}

constexpr const char* kWriteUnderLock =
    "open create size=8192\n"
    "outside lock kind=fcntl mode=exclusive offset=0 length=0\n"
    "write offset=0 length=100 seed=1\n"
    "outside lock kind=fcntl mode=shared offset=0 length=10\n"  // the outside let go: it can lock again
    "read offset=0 length=100\n";

BOOST_AUTO_TEST_CASE(a_library_that_waits_for_a_lock_goes_on_when_the_other_process_lets_go) {
  BOOST_TEST(!run(kWaits, kWriteUnderLock));
  BOOST_TEST(!run(kWaitsUnpromised, kWriteUnderLock));
}

BOOST_AUTO_TEST_CASE(a_wait_the_contract_rules_out_is_a_hang_naming_the_holder) {
  const Finding f = run(kWaitsButPromisesErrors, kWriteUnderLock);
  BOOST_TEST((f.kind == FindingKind::kHang));
  BOOST_TEST(f.step == 2);
  BOOST_TEST(f.detail.find("another process (an fcntl exclusive lock on bytes from 0 on of the data file)") !=
             std::string::npos, f.detail);
  BOOST_TEST(f.detail.find("contention is an error") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_lock_the_library_holds_itself_is_a_hang) {
  const Finding f = run(kSelfDeadlock, "open create size=4096\nwrite offset=0 length=10 seed=1\n");
  BOOST_TEST((f.kind == FindingKind::kHang));
  BOOST_TEST(f.detail.find("held by the library itself") != std::string::npos, f.detail);
  BOOST_TEST(f.detail.find("a blocking flock exclusive lock on the whole file") != std::string::npos, f.detail);
}

BOOST_AUTO_TEST_CASE(contention_met_by_the_librarys_own_lock_call_is_excused_without_a_promise) {
  BOOST_TEST(!run(kTriesUnpromised, kWriteUnderLock));
  // Without a lock held by another process, the same EAGAIN would be the library's.
  BOOST_TEST(!run(kTriesUnpromised, "open create size=4096\nwrite offset=0 length=10 seed=1\n"));
}

BOOST_AUTO_TEST_CASE(contention_names_the_lock_the_librarys_call_met) {
  // The outside holds a flock lock first, then an fcntl one: the library's
  // fcntl lock call meets only the second, which the cause must name.
  std::vector<Status> statuses;
  std::vector<std::string> causes;
  BOOST_TEST(!run(kTriesUnpromised,
                  "open create size=8192\n"
                  "outside lock kind=flock mode=shared offset=0 length=0\n"
                  "outside lock kind=fcntl mode=exclusive offset=0 length=0\n"
                  "write offset=0 length=100 seed=1\n",
                  &statuses, &causes));
  BOOST_REQUIRE(causes.size() >= 4u);  // and the close at the end
  BOOST_TEST(!statuses[3].ok());
  BOOST_TEST(causes[3].find("fcntl exclusive") != std::string::npos, causes[3]);
  BOOST_TEST(causes[3].find("flock") == std::string::npos, causes[3]);
}

BOOST_AUTO_TEST_CASE(the_harness_reading_the_file_never_drops_the_librarys_locks) {
  // The failed resize makes the executor read the file (is it as before?);
  // closing an fd of the file would drop the lock the library holds while
  // open, and another process's lock would then succeed.
  std::vector<Status> statuses;
  BOOST_TEST(!run(kHoldsWhileOpen,
                  "open create size=8192\n"
                  "fault call=fallocate errno=ENOSPC nth=1 once\n"
                  "resize size=16384\n"
                  "outside lock kind=ofd mode=shared offset=0 length=0\n"
                  "close\n"
                  "outside lock kind=ofd mode=shared offset=0 length=0\n",
                  &statuses));
  BOOST_REQUIRE(statuses.size() == 6u);
  BOOST_TEST(!statuses[2].ok());                                   // the failed resize, then the read
  BOOST_TEST((statuses[3].code() == EAGAIN || statuses[3].code() == EACCES));  // the library's lock stands
  BOOST_TEST(statuses[5].ok());                                    // closed: it is gone
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
