#include "faults/preload_signals.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "faults/mapping_lookup.h"
#include "faults/raw_syscalls.h"
#include "faults/record_line.h"

namespace mapfuzz::faults::preload {
namespace {

int g_log_fd = -1;
struct sigaction g_prev[2];                // the handlers found, per signal (SIGBUS, SIGSEGV)
constexpr int kMaxRecords = 16;
volatile sig_atomic_t g_recorded = 0;        // faults on scoped mappings recorded
volatile sig_atomic_t g_depth[2] = {0, 0};   // inside the previous handler (per signal)

constexpr int kPathFds = 1024;
constexpr size_t kPathLen = 512;
char g_mapped[kPathFds][kPathLen];  // per fd, the file its latest mapping was made from

int slot(int signo) { return signo == SIGBUS ? 0 : 1; }

// Records a fault on a scoped mapping (nothing for any other address: a
// program may take faults elsewhere on purpose, as a JVM does).
void record(int signo, const siginfo_t* info) {
  const uint64_t addr = reinterpret_cast<uint64_t>(info->si_addr);
  uint64_t offset = 0;
  int fd = -1;
  if (g_recorded >= kMaxRecords || !sandbox_mapping_at(addr, &offset, &fd)) return;
  g_recorded = g_recorded + 1;
  detail::RecordLine line;
  line.text("signal ").number(static_cast<uint64_t>(signo)).space().signed_number(info->si_code).space().hex(addr);
  // The file as it was mapped; its size now through the fd if that still
  // names it, else through the path (-1: gone).
  const char* path = mapped_path(fd);
  char now[kPathLen] = {};
  char link[40];
  detail::RecordLine::fd_link(fd, link);
  const long len = sys::readlink(link, now, sizeof now - 1);
  struct stat st {};
  const bool same = len > 0 && path[0] != '\0' && std::strncmp(now, path, kPathLen) == 0;
  const bool sized = same ? sys::fstat(fd, &st) == 0 : (path[0] != '\0' && sys::stat(path, &st) == 0);
  line.space().number(static_cast<uint64_t>(fd)).space().number(offset).space();
  line.signed_number(sized ? st.st_size : -1).space();
  if (path[0] != '\0') {
    line.text(path);
  } else {
    line.fd_path(fd);
  }
  line.emit(g_log_fd);
}

// Calls the handler that was installed before; false if there was none
// (the default action, or ignored).
bool call_previous(int signo, siginfo_t* info, void* context) {
  const struct sigaction& prev = g_prev[slot(signo)];
  if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(signo, info, context);
    return true;
  }
  if ((prev.sa_flags & SA_SIGINFO) == 0 && prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN &&
      prev.sa_handler != nullptr) {
    prev.sa_handler(signo);
    return true;
  }
  return false;
}

// Dies of the signal as the program would have: a fault raised by an access
// happens again when the instruction reruns; a sent signal is sent again.
void default_action(int signo, const siginfo_t* info) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(signo, &dfl, nullptr);
  if (info->si_code <= 0) raise(signo);
}

void on_fault(int signo, siginfo_t* info, void* context) {
  const int saved = errno;
  const int s = slot(signo);
  if (info->si_code <= 0 && g_depth[s] > 0) {
    // Sent from inside the previous handler (faulthandler re-raises after
    // printing the Python stack): that handler is done with it.
    default_action(signo, info);
    errno = saved;
    return;
  }
  // A new fault. (A previous handler that recovered with siglongjmp never
  // came back to lower the depth: a fault raised by an access starts over.)
  if (info->si_code > 0) {
    g_depth[s] = 0;
    record(signo, info);
  }
  g_depth[s] = g_depth[s] + 1;
  const bool handled = call_previous(signo, info, context);
  g_depth[s] = g_depth[s] - 1;
  // A previous handler that returns has dealt with it (a program may recover
  // from faults on purpose); with none, the default action.
  if (!handled) default_action(signo, info);
  errno = saved;
}

}  // namespace

void note_mapped_path(int fd, const char* path, size_t length) {
  if (fd < 0 || fd >= kPathFds) return;
  const size_t n = length < kPathLen - 1 ? length : kPathLen - 1;
  std::memcpy(g_mapped[fd], path, n);
  g_mapped[fd][n] = '\0';
}

const char* mapped_path(int fd) { return fd >= 0 && fd < kPathFds ? g_mapped[fd] : ""; }

void ensure_signal_handlers(int log_fd) {
  g_log_fd = log_fd;
  for (const int signo : {SIGBUS, SIGSEGV}) {
    struct sigaction now {};
    if (sigaction(signo, nullptr, &now) != 0) continue;
    if ((now.sa_flags & SA_SIGINFO) != 0 && now.sa_sigaction == on_fault) continue;
    g_prev[slot(signo)] = now;
    struct sigaction mine {};
    mine.sa_sigaction = on_fault;
    mine.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&mine.sa_mask);
    sigaction(signo, &mine, nullptr);
  }
}

}  // namespace mapfuzz::faults::preload
