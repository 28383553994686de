// export_isolated() (harness/export.h): the replay runs in a child process,
// so that a library that crashes it still leaves a program behind.
//
// The child sends frames through a pipe: 'C' the crash version (on every
// statement said during a library call), then 'F' (a line "<kind> <step> <hazard step>", the
// program) or 'E' (the error). Each frame is one type byte, an 8-byte
// length and the bytes.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "harness/export.h"
#include "harness/runtime.h"

namespace mapfuzz {
namespace {

bool write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void send(int fd, char type, const std::string& payload) {
  const uint64_t n = payload.size();
  write_all(fd, &type, 1);
  write_all(fd, &n, sizeof n);
  write_all(fd, payload.data(), payload.size());
}

bool read_all(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

[[noreturn]] void child(int fd, const Program& program, ExportLanguage language, const std::string& origin,
                        const std::string& replay_command, const std::string& source_name) {
  runtime::install_crash_hooks();
  std::string text;
  const ExportResult r = export_program(runtime::executor(), program, language, origin, replay_command, source_name,
                                        &text, [fd](const std::string& crash) { send(fd, 'C', crash); });
  if (r.ok) {
    send(fd, 'F', std::to_string(static_cast<int>(r.finding.kind)) + " " + std::to_string(r.finding.step) + " " +
                      std::to_string(r.hazard_step) + "\n" + text);
  } else {
    send(fd, 'E', r.error);
  }
  ::close(fd);
  std::exit(0);  // runs the runtime's cleanup (the sandbox)
}

}  // namespace

ExportResult export_isolated(const Program& program, ExportLanguage language, const std::string& origin,
                             const std::string& replay_command, const std::string& source_name, std::string* out) {
  int fds[2];
  if (::pipe(fds) != 0) return {false, std::string("pipe: ") + std::strerror(errno), {}};
  const pid_t pid = ::fork();
  if (pid < 0) return {false, std::string("fork: ") + std::strerror(errno), {}};
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], program, language, origin, replay_command, source_name);
  }
  ::close(fds[1]);
  std::string crash, final_text, error;
  bool finished = false;
  for (char type; read_all(fds[0], &type, 1);) {
    uint64_t n = 0;
    if (!read_all(fds[0], &n, sizeof n)) break;
    std::string payload(n, '\0');
    if (!read_all(fds[0], payload.data(), n)) break;
    if (type == 'C') crash = std::move(payload);
    if (type == 'F') final_text = std::move(payload), finished = true;
    if (type == 'E') error = std::move(payload), finished = true;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (finished && error.empty()) {
    const size_t nl = final_text.find('\n');
    ExportResult r{true, "", {}};
    char* end = nullptr;
    r.finding.kind = static_cast<FindingKind>(std::strtol(final_text.c_str(), &end, 10));
    r.finding.step = std::strtoll(end, &end, 10);
    r.hazard_step = std::strtoll(end, nullptr, 10);
    *out = final_text.substr(nl + 1);
    return r;
  }
  if (finished) return {false, error, {}};
  if (crash.empty()) return {false, "the replay died before the library was called (see its report above)", {}};
  *out = std::move(crash);
  ExportResult r{true, "", {}};
  r.crashed = true;
  return r;
}

}  // namespace mapfuzz
