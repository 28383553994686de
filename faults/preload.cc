// libmapfuzz_preload.so: the fault layer for an unmodified program, loaded
// with LD_PRELOAD by `mapfuzz run` (harness/run/). Its constructor reads the
// run's environment (run_protocol.h), activates the interposer on the
// scoped files only, arms the faults and the events, and from then on
// writes one record per scoped call to the runner's log fd. Everything else
// the process does (its imports, logs, stdout, other files) passes through
// untouched: those files are never tracked.
//
// In any process other than the one named by MAPFUZZ_RUN_PID (the
// program's children) it does nothing at all.
#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "faults/interpose.h"
#include "faults/preload_signals.h"
#include "faults/raw_syscalls.h"
#include "faults/record_line.h"
#include "faults/run_protocol.h"
#include "faults/sandbox_path.h"

// Breakpoints for `mapfuzz run --gdb`: the debugger stops in the first right
// after an injected fault failed a call (its caller is the program's frame
// that made the call), in the second right before an outside event.
extern "C" [[gnu::noinline, gnu::visibility("default")]] void mapfuzz_fault_fired(int call, int err) {
  asm volatile("" ::"r"(call), "r"(err) : "memory");
}
extern "C" [[gnu::noinline, gnu::visibility("default")]] void mapfuzz_event_due(unsigned index) {
  asm volatile("" ::"r"(index) : "memory");
}

namespace mapfuzz::faults::preload {
namespace {

inline constexpr size_t kMaxEvents = 64;
inline constexpr int kStackFrames = 48;

struct State {
  int log_fd = -1;
  int event_fd = -1;
  uint32_t event_after[kMaxEvents] = {};  // event i fires after this mmap (or call) number
  bool event_after_call[kMaxEvents] = {};  // counted in calls, not mmaps
  std::atomic<bool> event_done[kMaxEvents] = {};
  size_t events = 0;
  std::atomic<uint32_t> mmaps{0};  // successful scoped mmaps so far (counted under the fault layer's lock)
  uint32_t calls = 0;        // scoped calls so far
  int last_fd = -1;          // the fd of the latest scoped call that named one
  int last_mmap_fd = -1;     // the fd of the latest one
  uintptr_t own_base = 0;    // this library's load address (its frames are left out of stacks)
  using DumpTraceback = void (*)(int, void*);
  using ThisThreadState = void* (*)();
  DumpTraceback py_dump = nullptr;
  ThisThreadState py_tstate = nullptr;
};
State g;

uint64_t number(const char*& s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  s = end;
  return v;
}

// "call:errno:nth:once|persistent;..."
void arm_faults(const char* spec) {
  while (spec != nullptr && *spec != '\0') {
    FaultSpec f;
    f.call = static_cast<Call>(number(spec));
    if (*spec == ':') ++spec;
    f.err = static_cast<int>(number(spec));
    if (*spec == ':') ++spec;
    f.nth = static_cast<uint16_t>(number(spec));
    if (*spec == ':') ++spec;
    f.persistent = std::strncmp(spec, "persistent", 10) == 0;
    if (f.call < Call::kCount && f.err > 0) arm(f);
    spec = std::strchr(spec, ';');
    if (spec != nullptr) ++spec;
  }
}

void read_events(const char* spec) {
  while (spec != nullptr && *spec != '\0' && g.events < kMaxEvents) {
    g.event_after_call[g.events] = *spec == 'c';
    if (*spec == 'c' || *spec == 'm') ++spec;
    g.event_after[g.events++] = static_cast<uint32_t>(number(spec));
    if (*spec != ';') break;
    ++spec;
  }
}

// MAPFUZZ_RUN_SCOPE: patterns, one per line. Returns true iff any was given.
bool read_scope(const char* spec) {
  if (spec == nullptr || *spec == '\0') return false;
  char pattern[PATH_MAX];
  while (*spec != '\0') {
    const char* end = std::strchr(spec, '\n');
    const size_t len = end != nullptr ? static_cast<size_t>(end - spec) : std::strlen(spec);
    if (len > 0 && len < sizeof pattern) {
      std::memcpy(pattern, spec, len);
      pattern[len] = '\0';
      add_scope_pattern(pattern);
    }
    spec += len;
    if (*spec == '\n') ++spec;
  }
  return true;
}

void record_stack() {
  void* frames[kStackFrames];
  const int n = backtrace(frames, kStackFrames);
  for (int i = 0; i < n; ++i) {
    Dl_info info{};
    const uintptr_t pc = reinterpret_cast<uintptr_t>(frames[i]);
    if (dladdr(frames[i], &info) == 0 || info.dli_fbase == nullptr) continue;
    if (reinterpret_cast<uintptr_t>(info.dli_fbase) == g.own_base) continue;
    const char* module = info.dli_fname != nullptr && info.dli_fname[0] != '\0' ? info.dli_fname : "?";
    detail::RecordLine line;
    line.text("stack ").text(module).text("+").hex(pc - reinterpret_cast<uintptr_t>(info.dli_fbase) - 1);
    line.space().text(info.dli_sname != nullptr ? info.dli_sname : "?");
    line.emit(g.log_fd);
  }
  if (g.py_dump == nullptr) return;
  void* tstate = g.py_tstate();
  if (tstate == nullptr) return;
  detail::RecordLine begin;
  begin.text("pystack-begin").emit(g.log_fd);
  g.py_dump(g.log_fd, tstate);
  detail::RecordLine end;
  end.text("pystack-end").emit(g.log_fd);
}

void perform_event(uint32_t index, const char* path);

// The file `r` acted on, into out (cap bytes): its fd's, the path a failed
// open asked for (made absolute: the runner works elsewhere), the mapped
// file of an address call, else the file of the latest call with an fd.
// "" if unknown.
void path_of_call(const CallRecord& r, char* out, size_t cap) {
  out[0] = '\0';
  const int fd = r.fd >= 0 && r.call != Call::kClose ? r.fd : -1;
  if (fd < 0 && r.path != nullptr) {
    char cwd[PATH_MAX];
    if (r.path[0] == '/' || ::getcwd(cwd, sizeof cwd) != nullptr) {
      detail::normalize_path(r.path[0] == '/' ? nullptr : cwd, r.path, out, cap);
    }
    return;
  }
  if (fd < 0 && mapped_path(r.mapped_fd)[0] != '\0') {
    std::snprintf(out, cap, "%s", mapped_path(r.mapped_fd));
    return;
  }
  char link[40];
  detail::RecordLine::fd_link(fd >= 0 ? fd : g.last_fd, link);
  const long len = (fd >= 0 || g.last_fd >= 0) ? sys::readlink(link, out, cap - 1) : -1;
  out[len > 0 ? len : 0] = '\0';
}

// Past this many calls, a long-running program's records would only grow:
// from then on a call is recorded when it failed, or once per kThinning
// calls (the counts in those lines keep enumeration's plan close).
inline constexpr uint32_t kRecordAll = 100000;
inline constexpr uint32_t kThinning = 1024;

void record_call(const CallRecord& r, uint64_t count) {
  if (g.calls >= kRecordAll && r.result_errno == 0 && g.calls % kThinning != 0) return;
  detail::RecordLine line;
  line.text("call ").text(call_name(r.call)).space().number(count).space().signed_number(r.fd).space();
  line.number(r.file_offset).space().number(r.length).space().number(static_cast<uint64_t>(r.result_errno));
  line.text(r.injected ? " 1 " : " 0 ");
  if (r.fd < 0 && r.path != nullptr) {
    line.text(r.path);  // a failed open: the path asked for
  } else if (r.fd < 0 && mapped_path(r.mapped_fd)[0] != '\0') {
    line.text(mapped_path(r.mapped_fd));  // an address call: the mapped file
  } else {
    line.fd_path(r.fd);
  }
  line.emit(g.log_fd);
}

void observe(void*, const CallRecord& r, uint64_t count) {
  record_call(r, count);
  if (r.call == Call::kMmap && r.result_errno == 0) {
    g.mmaps.fetch_add(1, std::memory_order_relaxed);
    g.last_mmap_fd = r.fd;
    char path[512];
    char link[40];
    detail::RecordLine::fd_link(r.fd, link);
    const long len = sys::readlink(link, path, sizeof path);
    if (len > 0) note_mapped_path(r.fd, path, static_cast<size_t>(len));
  }
  if (r.injected) {
    record_stack();
    mapfuzz_fault_fired(static_cast<int>(r.call), r.result_errno);
  }
  if (r.fd >= 0 && r.call != Call::kClose) g.last_fd = r.fd;
  ++g.calls;
  // after-call events: here, under the fault layer's lock (other threads'
  // scoped calls wait the round trip); the runner acts from its own process.
  for (size_t i = 0; i < g.events; ++i) {
    if (g.event_after_call[i] && g.event_after[i] == g.calls && !g.event_done[i].exchange(true)) {
      char path[sizeof(run::EventRequest::path)];
      path_of_call(r, path, sizeof path);
      perform_event(static_cast<uint32_t>(i), path);
    }
  }
}

// Asks the runner to perform event `index` on the file of `fd` and waits
// until it has.
void perform_event(uint32_t index, const char* path) {
  run::EventRequest req{};
  req.index = index;
  req.mmap_number = g.mmaps.load(std::memory_order_relaxed);
  std::snprintf(req.path, sizeof req.path, "%s", path);
  detail::RecordLine line;
  line.text("event ").number(index).space().number(req.mmap_number).space().text(path[0] != '\0' ? path : "-");
  line.emit(g.log_fd);
  mapfuzz_event_due(index);
  if (g.event_fd < 0 || sys::write(g.event_fd, &req, sizeof req) != static_cast<long>(sizeof req)) return;
  char answer = 0;
  sys::read(g.event_fd, &answer, 1);
}

// Right after a scoped mmap returns, outside the fault layer's lock, on the
// thread that made it (one thread at a time: the hook is taken, then set
// again). An mmap by another thread in between is counted all the same
// (in observe), so an event due by then fires now.
void after_mmap(void*) {
  ensure_signal_handlers(g.log_fd);
  const uint32_t mmaps = g.mmaps.load(std::memory_order_relaxed);
  for (size_t i = 0; i < g.events; ++i) {
    if (!g.event_after_call[i] && g.event_after[i] <= mmaps && !g.event_done[i].exchange(true)) {
      perform_event(static_cast<uint32_t>(i), mapped_path(g.last_mmap_fd));
    }
  }
  call_after_next_mmap(after_mmap, nullptr);
}

int env_fd(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : -1;
}

void resolve_python() {
  g.py_dump = reinterpret_cast<State::DumpTraceback>(dlsym(RTLD_DEFAULT, "_Py_DumpTraceback"));
  g.py_tstate = reinterpret_cast<State::ThisThreadState>(dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState"));
  if (g.py_tstate == nullptr) g.py_dump = nullptr;
}

[[gnu::constructor]] void start() {
  const char* pid = std::getenv(run::kEnvPid);
  if (pid == nullptr || (std::strcmp(pid, "0") != 0 && std::atol(pid) != static_cast<long>(getpid()))) return;
  g.log_fd = env_fd(run::kEnvLogFd);
  g.event_fd = env_fd(run::kEnvEventFd);
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&observe), &self) != 0) g.own_base = reinterpret_cast<uintptr_t>(self.dli_fbase);
  void* warm[2];
  backtrace(warm, 2);  // loads the unwinder now, not under the fault layer's lock
  resolve_python();
  read_events(std::getenv(run::kEnvEvents));
  const bool patterns = read_scope(std::getenv(run::kEnvScope));
  activate(patterns ? nullptr : std::getenv(run::kEnvSandbox));
  arm_faults(std::getenv(run::kEnvFaults));
  set_call_observer(observe, nullptr);
  call_after_next_mmap(after_mmap, nullptr);
  ensure_signal_handlers(g.log_fd);
  detail::RecordLine line;
  line.text("start ").number(static_cast<uint64_t>(getpid())).emit(g.log_fd);
}

}  // namespace
}  // namespace mapfuzz::faults::preload
