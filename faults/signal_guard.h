// The SIGBUS/SIGSEGV guard: turns a fault on a sandbox mapping, raised while
// guarded code runs, into a plain value (FaultInfo) and a return from
// SignalGuard::run(); every other fault goes on to the handler that was
// installed before (ASan's report, libFuzzer's crash handling, the
// harness's crash report), as if the guard were not there.
//
// Cost when nothing faults: one sigsetjmp(env, 0) (~2 ns, no system call)
// and two thread-local stores per run(). Recovery costs ~1 us per fault.
// The handlers use SA_NODEFER, so after a recovered fault the signal is not
// left blocked and the next one is caught too.
//
// After a recovered fault, the code that faulted was abandoned mid-way: its
// stack frames were not unwound (no destructors ran, no lock it held was
// released). Treat whatever it was using (the library instance) as dead.
#pragma once

#include <csetjmp>
#include <cstdint>
#include <functional>

#include "faults/mapping_lookup.h"
#include "faults/status.h"

namespace mapfuzz::faults {

// What the kernel said about a recovered fault.
struct FaultInfo {
  int signo = 0;             // SIGBUS or SIGSEGV
  int code = 0;              // si_code: BUS_ADRERR, BUS_OBJERR, SEGV_MAPERR, SEGV_ACCERR, ...
  uint64_t addr = 0;         // si_addr: the faulting byte
  uint64_t file_offset = 0;  // the file offset addr maps (from the lookup)
  int fd = -1;               // the fd the mapping was made from (possibly closed since)
};

// Says whether `addr` is in a guarded mapping, and which file byte it maps.
// Called from the signal handler: must be async-signal-safe.
using MappingLookup = bool (*)(uint64_t addr, uint64_t* file_offset, int* fd);

class SignalGuard {
 public:
  // Installs the SIGBUS and SIGSEGV handlers (SA_SIGINFO | SA_NODEFER |
  // SA_ONSTACK), remembering the handlers in place to chain to, and gives
  // the calling thread an alternate signal stack if it has none. `lookup`
  // decides which addresses are guarded (default: the interposer's tracked
  // sandbox mappings). Calling it again only updates `lookup`, unless
  // someone replaced the handlers since (Boost.Test does per test case):
  // then it installs them again over the new ones. Returns ok, or the
  // Status of the "sigaction" or alternate-stack call (ensure_alt_stack())
  // that failed; handlers already installed then stay. Not thread-safe:
  // call while setting up.
  static Status install(MappingLookup lookup = sandbox_mapping_at);
  // Puts the handlers that install() found back, if ours are still in
  // place. For tests.
  static void uninstall();
  // Returns true iff both handlers installed are the guard's.
  static bool installed();
  // Gives the calling thread an alternate signal stack if it has none (a
  // stack of its own for the handlers, needed only to survive stack
  // overflow). Returns ok, or the Status of the "sigaltstack" or "mmap"
  // that failed (then the thread's stack is unchanged). install() does it
  // for its thread; call it on other threads that run guarded code.
  static Status ensure_alt_stack();

  // Runs fn(arg). Returns true when it returns normally. Returns false, and
  // fills *info (if non-null), if a SIGBUS or SIGSEGV raised by the kernel
  // (si_code > 0) on this thread during fn hit an address the lookup
  // guards: fn was abandoned at the faulting instruction (see above). A
  // fault on an unguarded address, or a signal sent by kill/raise, goes to
  // the previous handler. Nested runs recover to the innermost. Faults are
  // only caught when install() is in effect. Thread-safe: each thread has
  // its own guarded scope.
  static bool run(void (*fn)(void*), void* arg, FaultInfo* info);
  static bool run(const std::function<void()>& fn, FaultInfo* info);
};

namespace detail {

// The armed state of one run(): where the handler jumps back to.
struct GuardFrame {
  sigjmp_buf env;
  FaultInfo info;
  bool armed = false;
  GuardFrame* outer = nullptr;
};

// RAII: makes `frame` this thread's innermost guarded scope while alive.
// The caller must sigsetjmp(frame->env, 0) in a frame that outlives it.
class GuardedScope {
 public:
  explicit GuardedScope(GuardFrame* frame);
  ~GuardedScope();
  GuardedScope(const GuardedScope&) = delete;
  GuardedScope& operator=(const GuardedScope&) = delete;

 private:
  GuardFrame* frame_;
};

}  // namespace detail
}  // namespace mapfuzz::faults
