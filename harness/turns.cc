#include "harness/turns.h"

#include "faults/tsan_hidden.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace mapfuzz {
namespace {

// Which call of the round this thread makes, or -1.
thread_local int t_call = -1;

// The scheduler state of thread `tid` of this process ('R', 'S', 'D', ...),
// or 0 if unknown.
char thread_state(long tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* end = std::strrchr(buf, ')');  // "tid (comm) S ..."
  return end && end[1] == ' ' ? end[2] : 0;
}

}  // namespace

void Turns::reset(size_t count) {
  std::lock_guard lock(mu_);
  count_ = count < kMaxThreads ? count : kMaxThreads;
  turn_ = count_ ? 0 : -1;
  for (size_t i = 0; i < kMaxThreads; ++i) {
    tid_[i] = 0;
    waiting_[i] = false;
    ended_[i] = false;
  }
}

int Turns::next_after(size_t call) const {
  for (size_t k = 1; k <= count_; ++k) {
    const size_t c = (call + k) % count_;
    if (!ended_[c]) return static_cast<int>(c);
  }
  return -1;
}

bool Turns::holder_asleep(size_t holder) {
  if (waiting_[holder] || ended_[holder] || tid_[holder] == 0) return false;
  const char state = thread_state(tid_[holder]);
  return state == 'S' || state == 'D';
}

void Turns::wait_for_turn(size_t call, std::unique_lock<std::mutex>& lock) {
  const auto deadline = std::chrono::steady_clock::now() + kMaxWait;
  int asleep = 0;  // consecutive looks that found the holder asleep
  waiting_[call] = true;
  while (turn_ != static_cast<int>(call) && turn_ >= 0 && std::chrono::steady_clock::now() < deadline) {
    if (cv_.wait_for(lock, std::chrono::microseconds(100)) == std::cv_status::no_timeout) continue;
    const int holder = turn_;
    if (holder < 0 || holder == static_cast<int>(call)) break;
    asleep = holder_asleep(static_cast<size_t>(holder)) ? asleep + 1 : 0;
    if (asleep >= 3) break;  // blocked in the library: go on without it
  }
  waiting_[call] = false;
  turn_ = static_cast<int>(call);
}

void Turns::begin(size_t call) {
  if (call >= kMaxThreads) return;
  const faults::HiddenFromTsan hidden;  // the turns are not the library's order
  std::unique_lock lock(mu_);
  t_call = static_cast<int>(call);
  tid_[call] = ::syscall(SYS_gettid);
  wait_for_turn(call, lock);
}

void Turns::end(size_t call) {
  if (call >= kMaxThreads) return;
  const faults::HiddenFromTsan hidden;
  std::lock_guard lock(mu_);
  ended_[call] = true;
  if (turn_ == static_cast<int>(call)) turn_ = next_after(call);
  t_call = -1;
  cv_.notify_all();
}

void Turns::switch_point(void* self) {
  if (t_call < 0) return;
  auto* t = static_cast<Turns*>(self);
  const auto call = static_cast<size_t>(t_call);
  const faults::HiddenFromTsan hidden;
  std::unique_lock lock(t->mu_);
  if (t->turn_ == static_cast<int>(call)) {  // else another call went on while this one was blocked
    const int next = t->next_after(call);
    if (next < 0 || next == static_cast<int>(call)) return;  // alone now: keep going
    t->turn_ = next;
    t->cv_.notify_all();
  }
  t->wait_for_turn(call, lock);
}

}  // namespace mapfuzz
