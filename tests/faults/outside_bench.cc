// Not a test: the cost of one outside event (an ftruncate, alternately
// shrinking and regrowing a file on tmpfs) through the long-lived helper
// process, next to a fork per event, a raw pipe and futex round trip with
// a trivial child, the in-process mode; plus the real-fault switches
// (tmpfs remount to full and back, capset drop and restore).
// Usage: bench_outside [events per round, default 20000]
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "faults/disk_full.h"
#include "faults/outside_process.h"
#include "faults/privileges.h"

namespace mf = mapfuzz::faults;

namespace {

constexpr int kRounds = 5;
cpu_set_t g_all_cpus;

void die(const char* what) {
  perror(what);
  exit(1);
}

void pin_here(bool pinned) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  if (sched_setaffinity(0, sizeof(cpu_set_t), pinned ? &one : &g_all_cpus) != 0) die("sched_setaffinity");
}

// Median ns per iteration of run(n) over kRounds rounds.
double measure(long n, const std::function<void(long)>& run) {
  run(n / 10 + 1);  // warm up
  std::vector<double> rounds;
  for (int r = 0; r < kRounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    run(n);
    const auto t1 = std::chrono::steady_clock::now();
    rounds.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(n));
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[kRounds / 2];
}

void row(const char* name, double ns) { printf("  %-58s %10.0f ns\n", name, ns); }

// A trivial child answering each byte on one pipe with a byte on another.
double pipe_round_trip(long n) {
  int to[2], from[2];
  if (pipe(to) != 0 || pipe(from) != 0) die("pipe");
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(to[1]);
    char c;
    while (read(to[0], &c, 1) == 1) (void)!write(from[1], &c, 1);
    _exit(0);
  }
  close(to[0]);
  close(from[1]);
  const double ns = measure(n, [&](long k) {
    char c = 'x';
    for (long i = 0; i < k; ++i) {
      if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1) die("pipe round trip");
    }
  });
  close(to[1]);
  close(from[0]);
  waitpid(pid, nullptr, 0);
  return ns;
}

long futex(std::atomic<uint32_t>* w, int op, uint32_t v) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(w), op, v, nullptr, nullptr, 0);
}

// The same with a futex pair in shared memory (the helper's transport).
double futex_round_trip(long n) {
  auto* w = static_cast<std::atomic<uint32_t>*>(
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (w == MAP_FAILED) die("mmap");
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    uint32_t seen = 0;
    for (;;) {
      uint32_t r;
      while ((r = w[0].load()) == seen) futex(&w[0], FUTEX_WAIT, seen);
      seen = r;
      w[1].store(r);
      futex(&w[1], FUTEX_WAKE, 1);
    }
  }
  uint32_t seq = 0;
  const double ns = measure(n, [&](long k) {
    for (long i = 0; i < k; ++i) {
      w[0].store(++seq);
      futex(&w[0], FUTEX_WAKE, 1);
      uint32_t d;
      while ((d = w[1].load()) != seq) futex(&w[1], FUTEX_WAIT, d);
    }
  });
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  munmap(w, 4096);
  return ns;
}

// Outside events alternating a shrink to 4196 bytes and a regrow to 64 KiB.
double outside_events(mf::Outside& outside, const std::string& file, long n) {
  mf::OutsideEvent shrink, regrow;
  shrink.kind = mf::OutsideKind::kShrink;
  shrink.length = 4096 + 100;
  regrow.kind = mf::OutsideKind::kRegrow;
  regrow.length = 64 << 10;
  return measure(n, [&](long k) {
    for (long i = 0; i < k; ++i) {
      if (!outside.apply(file, i % 2 == 0 ? shrink : regrow).ok()) die("outside event");
    }
  });
}

// Lock events alternating an exclusive fcntl lock on the whole file and its
// unlock: what `outside lock` / `outside unlock` cost a program.
double lock_events(mf::Outside& outside, const std::string& file, long n) {
  mf::OutsideEvent lock, unlock;
  lock.kind = mf::OutsideKind::kLock;
  lock.lock_mode = mf::LockMode::kExclusive;
  unlock.kind = mf::OutsideKind::kUnlock;
  const double ns = measure(n, [&](long k) {
    for (long i = 0; i < k; ++i) {
      if (!outside.apply(file, i % 2 == 0 ? lock : unlock).ok()) die("lock event");
    }
  });
  (void)outside.release_locks();
  return ns;
}

double fork_per_event(int fd, long n) {
  return measure(n, [&](long k) {
    for (long i = 0; i < k; ++i) {
      const pid_t pid = fork();
      if (pid < 0) die("fork");
      if (pid == 0) _exit(ftruncate(fd, i % 2 == 0 ? 4196 : 65536) == 0 ? 0 : 1);
      int status = 0;
      if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) die("forked event");
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? atol(argv[1]) : 20000;
  if (n <= 0) return 2;
  if (sched_getaffinity(0, sizeof g_all_cpus, &g_all_cpus) != 0) die("sched_getaffinity");
  const char* tmp = getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/mapfuzz-bench-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) die("mkdtemp");

  // First the private tmpfs (the helper forked after it shares the mount).
  mf::LimitedTmpfs fs;
  const mapfuzz::Status mounted = fs.mount(dir, 16 << 20);
  const std::string file = dir + "/f";
  const int fd = open(file.c_str(), O_RDWR | O_CREAT, 0600);
  if (fd < 0) die("open");
  printf("bench_outside: %ld events per round, median of %d rounds, %d CPUs, file on %s\n", n, kRounds,
         CPU_COUNT(&g_all_cpus), mounted.ok() ? "a private tmpfs" : dir.c_str());

  std::string why;
  auto helper = mf::OutsideProcess::start(dir, nullptr, &why);
  auto fixed = mf::OutsideProcess::start(dir, nullptr, mf::OutsideProcess::Options{false}, &why);
  if (!helper || !fixed) {
    fprintf(stderr, "bench_outside: %s\n", why.c_str());
    return 1;
  }
  mf::InProcessOutside local(dir, nullptr);

  pin_here(true);
  const double pipe_pinned = pipe_round_trip(n);
  row("raw pipe round trip, same CPU", pipe_pinned);
  row("raw futex round trip, same CPU", futex_round_trip(n));
  const double helper_pinned = outside_events(*helper, file, n);
  row("outside event via helper, caller pinned (helper follows)", helper_pinned);
  pin_here(false);
  row("raw pipe round trip, unpinned", pipe_round_trip(n));
  row("outside event via helper, unpinned caller, helper follows", outside_events(*helper, file, n));
  row("outside event via helper, neither pinned", outside_events(*fixed, file, n));
  row("outside event in-process (second fd)", outside_events(local, file, n));
  pin_here(true);
  row("lock event via helper (fcntl lock / unlock), caller pinned", lock_events(*helper, file, n));
  row("lock event in-process (OFD lock / unlock)", lock_events(local, file, n));
  pin_here(false);
  row("fork per event (fork + child ftruncate + waitpid)", fork_per_event(fd, std::max(n / 20, 50L)));
  printf("  helper / raw pipe round trip (same CPU): %.2fx\n", helper_pinned / pipe_pinned);

  if (mounted.ok()) {
    row("tmpfs fill_now() + set_free(1 MiB) pair", measure(n, [&](long k) {
          for (long i = 0; i < k; ++i) {
            if (!fs.fill_now().ok() || !fs.set_free(1 << 20).ok()) die("remount");
          }
        }));
  } else {
    printf("  tmpfs remount: skipped (%s)\n", fs.why_not().c_str());
  }
  if (mf::overrides_permissions()) {
    row("capset drop + restore pair (DroppedPrivileges)", measure(n, [&](long k) {
          for (long i = 0; i < k; ++i) mf::DroppedPrivileges drop;
        }));
  }
  close(fd);
  helper.reset();
  fixed.reset();
  fs.unmount();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
