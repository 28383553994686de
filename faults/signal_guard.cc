#include "faults/signal_guard.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>

#include <atomic>
#include <cstring>

namespace mapfuzz::faults {
namespace {

constexpr int kSignals[] = {SIGBUS, SIGSEGV};
constexpr size_t kSignalCount = sizeof kSignals / sizeof kSignals[0];
constexpr size_t kAltStackBytes = 64 << 10;

// The handlers install() replaced, to chain to. Written only by install().
struct sigaction g_previous[kSignalCount];
std::atomic<MappingLookup> g_lookup{nullptr};

// This thread's innermost armed run(), or null. initial-exec: the handler
// must not call into the dynamic TLS resolver.
[[gnu::tls_model("initial-exec")]] thread_local detail::GuardFrame* t_frame = nullptr;

size_t index_of(int sig) { return sig == SIGBUS ? 0 : 1; }

void on_fault(int sig, siginfo_t* si, void* ucontext);

bool ours(const struct sigaction& sa) { return (sa.sa_flags & SA_SIGINFO) != 0 && sa.sa_sigaction == on_fault; }

// Hands the signal to whoever handled it before, as the kernel would have.
void chain(int sig, siginfo_t* si, void* ucontext) {
  const struct sigaction& prev = g_previous[index_of(sig)];
  if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(sig, si, ucontext);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
    prev.sa_handler(sig);
    return;
  }
  // Default (or ignored, which the kernel overrides for a fault): put it
  // back; a fault then happens again on return and takes the default
  // action with its own siginfo. A sent signal must be sent again.
  ::sigaction(sig, &prev, nullptr);
  if (si == nullptr || si->si_code <= 0) ::raise(sig);
}

void on_fault(int sig, siginfo_t* si, void* ucontext) {
  const int saved_errno = errno;
  detail::GuardFrame* frame = t_frame;
  if (frame != nullptr && frame->armed && si != nullptr && si->si_code > 0) {
    const MappingLookup lookup = g_lookup.load(std::memory_order_relaxed);
    const uint64_t addr = reinterpret_cast<uint64_t>(si->si_addr);
    uint64_t offset = 0;
    int fd = -1;
    if (lookup != nullptr && lookup(addr, &offset, &fd)) {
      frame->armed = false;  // a fault while leaving is not recovered again
      frame->info = FaultInfo{sig, si->si_code, addr, offset, fd};
      errno = saved_errno;
      siglongjmp(frame->env, 1);  // no mask to restore: sigsetjmp(env, 0) + SA_NODEFER
    }
  }
  errno = saved_errno;
  chain(sig, si, ucontext);
}

void call_function(void* fn) { (*static_cast<const std::function<void()>*>(fn))(); }

}  // namespace

namespace detail {

GuardedScope::GuardedScope(GuardFrame* frame) : frame_(frame) {
  frame_->outer = t_frame;
  t_frame = frame_;
}

GuardedScope::~GuardedScope() {
  frame_->armed = false;
  t_frame = frame_->outer;
}

}  // namespace detail

Status SignalGuard::ensure_alt_stack() {
  stack_t current;
  if (::sigaltstack(nullptr, &current) != 0) return Status::from_unfaulted_errno("sigaltstack");
  if ((current.ss_flags & SS_DISABLE) == 0) return {};  // ASan's or the thread's own
  // Never freed: the thread may take a signal until it ends. Anonymous: the
  // interposer forwards it untouched.
  void* mem = ::mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return Status::from_unfaulted_errno("mmap");
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = kAltStackBytes;
  if (::sigaltstack(&ss, nullptr) != 0) {
    const Status failed = Status::from_unfaulted_errno("sigaltstack");
    ::munmap(mem, kAltStackBytes);
    return failed;
  }
  return {};
}

Status SignalGuard::install(MappingLookup lookup) {
  g_lookup.store(lookup, std::memory_order_relaxed);
  if (Status stack = ensure_alt_stack(); !stack.ok()) return stack;
  for (size_t i = 0; i < kSignalCount; ++i) {
    struct sigaction current;
    if (::sigaction(kSignals[i], nullptr, &current) != 0) return Status::from_unfaulted_errno("sigaction");
    if (ours(current)) continue;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (::sigaction(kSignals[i], &sa, &g_previous[i]) != 0) return Status::from_unfaulted_errno("sigaction");
  }
  return {};
}

void SignalGuard::uninstall() {
  for (size_t i = 0; i < kSignalCount; ++i) {
    struct sigaction current;
    if (::sigaction(kSignals[i], nullptr, &current) == 0 && ours(current)) {
      ::sigaction(kSignals[i], &g_previous[i], nullptr);
    }
  }
}

bool SignalGuard::installed() {
  for (int sig : kSignals) {
    struct sigaction current;
    if (::sigaction(sig, nullptr, &current) != 0 || !ours(current)) return false;
  }
  return true;
}

bool SignalGuard::run(void (*fn)(void*), void* arg, FaultInfo* info) {
  detail::GuardFrame frame;
  detail::GuardedScope scope(&frame);
  if (sigsetjmp(frame.env, 0) != 0) {
    // The handler ran with SA_NODEFER, so the signal is not blocked now;
    // but a sanitizer that routes signals through a handler of its own
    // (ThreadSanitizer) may have blocked it: without this the next fault
    // of this thread would kill the process. Only on this rare path.
    sigset_t faults;
    sigemptyset(&faults);
    for (int sig : kSignals) sigaddset(&faults, sig);
    pthread_sigmask(SIG_UNBLOCK, &faults, nullptr);
    if (info != nullptr) *info = frame.info;
    return false;
  }
  frame.armed = true;
  fn(arg);
  frame.armed = false;
  return true;
}

bool SignalGuard::run(const std::function<void()>& fn, FaultInfo* info) {
  return run(call_function, const_cast<void*>(static_cast<const void*>(&fn)), info);
}

}  // namespace mapfuzz::faults
