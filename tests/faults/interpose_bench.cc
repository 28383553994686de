// Not a test: the interposer's cost per ftruncate on a tmpfs file: plain,
// unarmed, active on a non-sandbox fd, active on a sandbox fd (logged), and
// armed (injected failure, no syscall); plus the EBADF path, whose cheap
// syscall shows the unarmed overhead more sharply.
// Usage: bench_interpose [iterations per round, default 200000]
// bench_interpose_plain is the same without sanitizers; bench_vs_libfiu.sh
// runs it alone and under libfiu's fiu-run -x and prints both side by side.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "faults/interpose.h"

namespace mf = mapfuzz::faults;

namespace {

std::string base_dir() {
  if (access("/dev/shm", W_OK) == 0) return "/dev/shm";  // tmpfs
  const char* tmp = getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

void expect(int r, int want) {
  if (r != want) {
    fprintf(stderr, "bench_interpose: ftruncate returned %d (errno %d), expected %d\n", r, errno, want);
    exit(1);
  }
}

// One measured state: `enter` sets the interposer up, `run(n)` is timed.
struct Mode {
  const char* name;
  std::function<void()> enter;
  std::function<void(long)> run;
  std::vector<double> rounds;
};

// A run(n) that calls `f(i)` n times with `f` inlined into the loop.
template <typename F>
std::function<void(long)> loop(F f) {
  return [f](long n) {
    for (long i = 0; i < n; ++i) f(i);
  };
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? atol(argv[1]) : 200000;
  std::string dir = base_dir() + "/mapfuzz-bench-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    perror("mkdtemp");
    return 1;
  }
  const std::string outside = dir + "/outside";
  const std::string sandbox = dir + "/sandbox";
  std::filesystem::create_directory(sandbox);
  const int ofd = mf::real_open(outside.c_str(), O_RDWR | O_CREAT, 0600);
  if (ofd < 0) {
    perror("open");
    return 1;
  }
  auto size = [](long i) { return static_cast<off_t>(i & 1 ? 8192 : 4096); };
  const std::string sandbox_file = sandbox + "/file";
  int sfd = -1;
  auto inactive = [] { mf::deactivate(); };
  auto active = [&] {
    mf::activate(sandbox.c_str());
    if (sfd >= 0) mf::real_close(sfd);
    sfd = open(sandbox_file.c_str(), O_RDWR | O_CREAT, 0600);  // tracked
    mf::arm({mf::Call::kWrite, 1, ENOSPC, true});                // armed, but never matches
  };
  auto armed = [&] {
    active();
    mf::arm({mf::Call::kFtruncate, 1, EIO, true});
  };
  auto logged = [&](long i, int want) {
    if ((i & 4095) == 0) mf::clear_log();
    expect(ftruncate(sfd, size(i)), want);
  };
  std::vector<Mode> modes = {
      {"plain syscall (real_ftruncate)", inactive, loop([&](long i) { expect(mf::real_ftruncate(ofd, size(i)), 0); }), {}},
      {"interposed, unarmed", inactive, loop([&](long i) { expect(ftruncate(ofd, size(i)), 0); }), {}},
      {"interposed, active, fd not in the sandbox", active, loop([&](long i) { expect(ftruncate(ofd, size(i)), 0); }), {}},
      {"interposed, active, sandbox fd, no fault", active, loop([&](long i) { logged(i, 0); }), {}},
      {"interposed, armed, injected EIO (no syscall)", armed, loop([&](long i) { logged(i, -1); }), {}},
      {"EBADF: plain syscall (real_ftruncate)", inactive, loop([&](long) { expect(mf::real_ftruncate(-1, 0), -1); }), {}},
      {"EBADF: interposed, unarmed", inactive, loop([&](long) { expect(ftruncate(-1, 0), -1); }), {}},
  };
  for (int r = 0; r < 7; ++r) {  // rounds interleave the modes, so drift hits them alike
    for (Mode& m : modes) {
      m.enter();
      const auto t0 = std::chrono::steady_clock::now();
      m.run(n);
      const auto t1 = std::chrono::steady_clock::now();
      m.rounds.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(n));
    }
  }
  mf::deactivate();
  mf::real_close(sfd);
  mf::real_close(ofd);
  std::filesystem::remove_all(dir);

  printf("ftruncate on %s, %ld calls x 7 interleaved rounds, median ns/call:\n", base_dir().c_str(), n);
  for (Mode& m : modes) {
    std::sort(m.rounds.begin(), m.rounds.end());
    printf("  %-46s %8.1f\n", m.name, m.rounds[m.rounds.size() / 2]);
  }
  return 0;
}
