#include "faults/outside_process.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace mapfuzz::faults {

// One page-aligned shared anonymous mapping, made before the fork: the
// command, its answer, and (after it) the helper's scratch buffer. The two
// counters are the futex words: the caller bumps `request`, the helper sets
// `reply` to it when done.
struct OutsideProcess::Channel {
  std::atomic<uint32_t> request{0};
  std::atomic<uint32_t> reply{0};
  // The helper's answer. Its call name points into the program's read-only
  // data, at the same address in both processes (a fork without exec).
  Status result;
  FileId locked;     // the file a successful kLock locked
  int32_t cpu = -1;  // the caller's CPU for this request; -1: do not pin
  OutsideEvent event;
  bool release_locks = false;  // let go of every lock instead of performing `event`
  char path[PATH_MAX] = {};  // "" = only answer (the start-up handshake)
  char dir[PATH_MAX] = {};
};

namespace {

constexpr size_t kScratch = 64 << 10;
constexpr long kReplyPollNs = 200 * 1000 * 1000;  // how often a waiting caller checks that the helper lives
constexpr size_t kChannelBytes = (sizeof(OutsideProcess::Channel) + 4095) & ~size_t{4095};

static_assert(std::atomic<uint32_t>::is_always_lock_free);

long futex(std::atomic<uint32_t>* word, int op, uint32_t value, const timespec* timeout = nullptr) {
  // Shared futexes (no FUTEX_PRIVATE_FLAG): the word lives in two processes.
  return ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, timeout, nullptr, 0);
}

// The helper's life: system calls only, no allocation, no return.
[[noreturn]] void serve(OutsideProcess::Channel* ch, uint8_t* scratch, FillFn fill, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(0);  // the parent died before prctl took effect
  ::prctl(PR_SET_NAME, "mapfuzz-outside");
  ::syscall(SYS_close_range, 3u, ~0u, 0u);  // hold no fd of the parent's open (best effort)
  int pinned = -1;
  uint32_t seen = 0;
  LockFds locks;
  for (;;) {
    uint32_t r;
    while ((r = ch->request.load(std::memory_order_acquire)) == seen) futex(&ch->request, FUTEX_WAIT, seen);
    seen = r;
    if (ch->cpu >= 0 && ch->cpu != pinned) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(ch->cpu, &set);
      if (::syscall(SYS_sched_setaffinity, 0, sizeof set, &set) == 0) pinned = ch->cpu;
    }
    Status result;
    if (ch->release_locks) {
      release_locks(&locks);
    } else if (ch->path[0] != '\0') {
      result = path_inside(ch->dir, ch->path)
                   ? perform_outside_event(ch->path, ch->event, fill, scratch, kScratch, &locks, &ch->locked)
                   : Status(EPERM, "path_inside");
    }
    ch->result = result;
    ch->reply.store(r, std::memory_order_release);
    futex(&ch->reply, FUTEX_WAKE, 1);
  }
}

}  // namespace

// --- In-process.

InProcessOutside::InProcessOutside(std::string sandbox_dir, FillFn fill)
    : dir_(std::move(sandbox_dir)), fill_(fill), scratch_(kScratch) {
  locks_.fcntl_as_ofd = true;
}

Status InProcessOutside::apply(const std::string& path, const OutsideEvent& event, FileId* locked) {
  if (!path_inside(dir_.c_str(), path.c_str())) return Status(EPERM, "path_inside");
  return perform_outside_event(path.c_str(), event, fill_, scratch_.data(), scratch_.size(), &locks_, locked);
}

// --- The helper process.

std::unique_ptr<OutsideProcess> OutsideProcess::start(const std::string& sandbox_dir, FillFn fill, Options options,
                                                      std::string* why) {
  auto fail = [&](const char* what) {
    if (why) *why = std::string("outside process: ") + what + ": " + std::strerror(errno);
    return nullptr;
  };
  if (sandbox_dir.empty() || sandbox_dir.size() >= PATH_MAX) {
    errno = EINVAL;
    return fail("bad sandbox directory");
  }
  void* mem = ::mmap(nullptr, kChannelBytes + kScratch, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return fail("mmap");
  std::unique_ptr<OutsideProcess> p(new OutsideProcess());
  p->options_ = options;
  p->dir_ = sandbox_dir;
  p->channel_ = new (mem) Channel();
  std::memcpy(p->channel_->dir, sandbox_dir.c_str(), sandbox_dir.size() + 1);
  uint8_t* scratch = static_cast<uint8_t*>(mem) + kChannelBytes;
  if (fill != nullptr) fill(0, 0, scratch, 1);  // builds a lazy table now, not in the child

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return fail("fork");
  if (pid == 0) serve(p->channel_, scratch, fill, parent);
  p->pid_ = pid;
  p->alive_ = true;
  p->channel_->path[0] = '\0';  // the handshake: the helper answers without acting
  const uint32_t seq = 1;
  p->channel_->request.store(seq, std::memory_order_release);
  futex(&p->channel_->request, FUTEX_WAKE, 1);
  if (!p->await_reply(seq)) {
    errno = ECHILD;
    return fail("the helper died before answering");
  }
  return p;
}

OutsideProcess::~OutsideProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (channel_ != nullptr) ::munmap(channel_, kChannelBytes + kScratch);
}

bool OutsideProcess::await_reply(uint32_t seq) {
  for (;;) {
    const uint32_t r = channel_->reply.load(std::memory_order_acquire);
    if (r == seq) return true;
    const timespec poll{0, kReplyPollNs};
    if (futex(&channel_->reply, FUTEX_WAIT, r, &poll) == 0 || errno != ETIMEDOUT) continue;
    int status = 0;
    const pid_t w = ::waitpid(pid_, &status, WNOHANG);
    if (w == pid_ || (w < 0 && errno == ECHILD && ::kill(pid_, 0) != 0)) {
      if (w == pid_) pid_ = -1;  // reaped: the number may be reused
      alive_ = false;
      return false;
    }
  }
}

Status OutsideProcess::apply(const std::string& path, const OutsideEvent& event, FileId* locked) {
  if (!alive_) return Status(ECHILD, "outside process");
  if (!path_inside(dir_.c_str(), path.c_str())) return Status(EPERM, "path_inside");
  if (path.size() >= sizeof channel_->path) return Status(ENAMETOOLONG, "outside process");
  std::memcpy(channel_->path, path.c_str(), path.size() + 1);
  channel_->event = event;
  channel_->release_locks = false;
  channel_->locked = {};
  const Status status = round_trip();
  if (locked != nullptr && status.ok()) *locked = channel_->locked;
  return status;
}

Status OutsideProcess::release_locks() {
  if (!alive_) return Status(ECHILD, "outside process");
  channel_->release_locks = true;
  const Status status = round_trip();
  channel_->release_locks = false;
  return status;
}

Status OutsideProcess::round_trip() {
  channel_->cpu = options_.follow_cpu ? ::sched_getcpu() : -1;
  // The number comes from the shared channel, not from this object: a child
  // forked from the owner (the property tests' fork per sequence) starts with
  // a copy of the object, and a reused number would read as already served.
  const uint32_t seq = channel_->request.load(std::memory_order_relaxed) + 1;
  channel_->request.store(seq, std::memory_order_release);
  futex(&channel_->request, FUTEX_WAKE, 1);
  if (!await_reply(seq)) return Status(ECHILD, "outside process");
  return channel_->result;
}

std::unique_ptr<Outside> make_outside(bool allow_child, const std::string& sandbox_dir, FillFn fill,
                                      std::string* why) {
  if (allow_child) {
    if (auto p = OutsideProcess::start(sandbox_dir, fill, why)) return p;
  }
  return std::make_unique<InProcessOutside>(sandbox_dir, fill);
}

}  // namespace mapfuzz::faults
