// Ops on other threads and concurrent groups, end to end on small libraries
// written here: handed-over ops run on their threads in program order; a
// correct thread-safe library is never flagged whichever order its racing
// calls take; a torn outcome that no serial order explains is; a library
// that is not thread-safe never races.
#include "harness/executor.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "harness/sandbox.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

// How the little library below behaves when calls race.
enum class Race {
  kMutex,         // one mutex around every call: correct
  kLastFirst,     // correct, and a write waits (up to 2 s) until a read is done: in a group
                  // of a write and a read, the read always goes first
  kTornWrites,    // no mutex; a write copies its halves with a pause between: torn under a race
};

// A fixed-size file (no resize), one MAP_SHARED mapping; records the thread
// of each call.
class RaceSubject final : public Subject {
 public:
  explicit RaceSubject(Race race) : race_(race) {}
  ~RaceSubject() override { (void)close(); }

  Status open(const std::string& path, bool create, uint64_t size) override {
    auto lock = guard();
    note_thread();
    fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
    if (fd_ < 0) return Status::from_errno("open");
    if (!create) size = static_cast<uint64_t>(::lseek(fd_, 0, SEEK_END));
    if (create && ::ftruncate(fd_, static_cast<off_t>(size)) != 0) return fail(Status::from_errno("ftruncate"));
    void* p = size ? ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0) : nullptr;
    if (p == MAP_FAILED) return fail(Status::from_errno("mmap"));
    base_ = static_cast<uint8_t*>(p);
    size_ = size;
    return {};
  }
  Status resize(uint64_t) override { return Status(ENOTSUP, "fixed size"); }
  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (race_ == Race::kLastFirst) wait_for_a_read();
    auto lock = guard();
    note_thread();
    if (offset > size_ || data.size() > size_ - offset) return Status(EINVAL, "bounds");
    const size_t half = data.size() / 2;
    std::memcpy(base_ + offset, data.data(), half);
    // Long enough for the other racing call to be let on even on a loaded
    // machine (the turns see this thread asleep after three looks 100 us apart).
    if (race_ == Race::kTornWrites) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::memcpy(base_ + offset + half, data.data() + half, data.size() - half);
    return {};
  }
  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    {
      auto lock = guard();
      note_thread();
      if (offset > size_ || out.size() > size_ - offset) return Status(EINVAL, "bounds");
      if (!out.empty()) std::memcpy(out.data(), base_ + offset, out.size());
      *got = out.size();
    }
    read_done_ = true;
    return {};
  }
  Status sync(uint64_t, uint64_t) override { return {}; }
  Status close() override {
    auto lock = guard();
    note_thread();
    if (base_) ::munmap(base_, size_);
    if (fd_ >= 0) ::close(fd_);
    base_ = nullptr;
    fd_ = -1;
    size_ = 0;
    return {};
  }
  uint64_t size() const override { return size_; }

  static std::vector<long>& threads() {  // the thread id of each call, in order
    static std::vector<long> t;
    return t;
  }
  static std::mutex& threads_mutex() {
    static std::mutex m;
    return m;
  }

 private:
  std::unique_lock<std::mutex> guard() {
    return race_ == Race::kTornWrites ? std::unique_lock<std::mutex>() : std::unique_lock<std::mutex>(mu_);
  }
  static void note_thread() {
    std::lock_guard lock(threads_mutex());
    threads().push_back(::syscall(SYS_gettid));
  }
  void wait_for_a_read() {
    for (int i = 0; i < 20000 && !read_done_; ++i) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  Status fail(Status s) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return s;
  }

  Race race_;
  std::mutex mu_;
  std::atomic<bool> read_done_{false};
  int fd_ = -1;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

template <Race R>
std::unique_ptr<Subject> make() {
  return std::make_unique<RaceSubject>(R);
}

constexpr uint32_t kRacing = concurrent_bit(OpKind::kWrite) | concurrent_bit(OpKind::kRead);
constexpr Contract kThreadSafe{.syncs_ranges = false, .concurrent_ops = kRacing};
const Target kMutex{"tiny_mutex", kThreadSafe, &make<Race::kMutex>};
const Target kLastFirst{"tiny_last_first", kThreadSafe, &make<Race::kLastFirst>};
const Target kTorn{"tiny_torn_writes", kThreadSafe, &make<Race::kTornWrites>};
const Target kTornUnclaimed{"tiny_torn_not_thread_safe", Contract{.syncs_ranges = false}, &make<Race::kTornWrites>};

struct Ran {
  Finding finding;
  std::vector<StepRecord> trace;
};

Ran run(const Target& target, const char* text) {
  Program program;
  std::string error;
  BOOST_REQUIRE_MESSAGE(parse_program(text, &program, &error), error);
  Sandbox sandbox;
  Executor executor(target, sandbox.dir());
  Ran r{executor.run(program), executor.trace()};
  BOOST_TEST_MESSAGE(target.name << ": " << finding_name(r.finding.kind) << " " << r.finding.detail);
  return r;
}

// Two overlapping writes and a read, racing.
constexpr const char* kOverlappingWrites =
    "open create size=16384\n"
    "write offset=0 length=12000 seed=1 thread=1\n"
    "write offset=4000 length=12000 seed=2 thread=2 concurrent\n"
    "read offset=0 length=16384\n"
    "close\n";

BOOST_AUTO_TEST_SUITE(executor_threads)

BOOST_AUTO_TEST_CASE(handed_over_ops_run_on_their_threads_in_program_order) {
  RaceSubject::threads().clear();
  const Ran r = run(kMutex,
                    "open create size=8192 thread=1\n"
                    "write offset=0 length=100 seed=3 thread=2\n"
                    "read offset=0 length=100\n"
                    "write offset=50 length=100 seed=4 thread=1\n"
                    "close thread=2\n");
  BOOST_TEST(!r.finding);
  const std::vector<long>& t = RaceSubject::threads();
  BOOST_REQUIRE(t.size() >= 5);
  BOOST_TEST(t[0] != ::getpid());  // thread 1
  BOOST_TEST(t[1] != ::getpid());  // thread 2
  BOOST_TEST(t[1] != t[0]);
  BOOST_TEST(t[2] == ::getpid());  // thread 0: the caller
  BOOST_TEST(t[3] == t[0]);        // thread 1 again: the same worker
  BOOST_TEST(t[4] == t[1]);
}

BOOST_AUTO_TEST_CASE(a_correct_library_is_clean_in_whichever_order_its_racing_calls_run) {
  for (int i = 0; i < 5; ++i) BOOST_TEST(!run(kMutex, kOverlappingWrites).finding);
}

BOOST_AUTO_TEST_CASE(an_order_other_than_the_programs_is_accepted_and_recorded) {
  // Thread 1's write waits for thread 2's read: the read sees the file
  // before the write, although the program lists it after.
  const Ran r = run(kLastFirst,
                    "open create size=8192\n"
                    "write offset=0 length=8192 seed=5 thread=1\n"
                    "read offset=0 length=8192 thread=2 concurrent\n"
                    "close\n");
  BOOST_TEST(!r.finding);
  BOOST_REQUIRE(r.trace.size() >= 3);
  BOOST_TEST(r.trace[1].serial_position == 2);  // the write went second
  BOOST_TEST(r.trace[2].serial_position == 1);
}

BOOST_AUTO_TEST_CASE(a_torn_outcome_no_serial_order_explains_is_a_finding) {
  const Ran r = run(kTorn, kOverlappingWrites);
  BOOST_TEST((r.finding.kind == FindingKind::kFileMismatch));
  BOOST_TEST(r.finding.detail.find("no serial order") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_library_that_is_not_thread_safe_never_races) {
  const Ran r = run(kTornUnclaimed, kOverlappingWrites);
  BOOST_TEST(!r.finding);
  for (const StepRecord& s : r.trace) BOOST_TEST(s.serial_position == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
