// Prints what one test case costs through the harness (decode, executor,
// model, oracle, fault layer, reference library) next to the same operation
// sequence done with raw syscalls, so the harness's own overhead is visible.
//
//   bench_harness_overhead [iterations]
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "harness/binary_codec.h"
#include "harness/executor.h"
#include "harness/sandbox.h"
#include "harness/text_codec.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kSize = 64 << 10;
constexpr int kWrites = 16;
constexpr uint64_t kWriteLength = 256;

// The sequence of FACTS.md's "one test case": create, size 64 KiB, map, 16
// writes, msync, unmap, close, reopen + read, remove.
const char* kProgram =
    "open create size=65536\n"
    "write offset=0 length=256 seed=1\nwrite offset=4096 length=256 seed=2\n"
    "write offset=8192 length=256 seed=3\nwrite offset=12288 length=256 seed=4\n"
    "write offset=16384 length=256 seed=5\nwrite offset=20480 length=256 seed=6\n"
    "write offset=24576 length=256 seed=7\nwrite offset=28672 length=256 seed=8\n"
    "write offset=32768 length=256 seed=9\nwrite offset=36864 length=256 seed=10\n"
    "write offset=40960 length=256 seed=11\nwrite offset=45056 length=256 seed=12\n"
    "write offset=49152 length=256 seed=13\nwrite offset=53248 length=256 seed=14\n"
    "write offset=57344 length=256 seed=15\nwrite offset=61440 length=256 seed=16\n"
    "sync\nclose\nreopen\nread offset=0 length=65536\nclose\n";

// Both sequences' first half: create, size, map, 16 writes, msync, unmap, close.
void create_and_write(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::posix_fallocate(fd, 0, kSize) != 0) std::abort();
  auto* p = static_cast<uint8_t*>(::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (p == MAP_FAILED) std::abort();
  for (int i = 0; i < kWrites; ++i) std::memset(p + i * 4096, i + 1, kWriteLength);
  if (::msync(p, kSize, MS_SYNC) != 0) std::abort();
  ::munmap(p, kSize);
  ::close(fd);
}

// FACTS.md's test case as written there: the file is read back with pread.
void facts_sequence(const std::string& path, std::vector<uint8_t>& buf) {
  create_and_write(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (::pread(fd, buf.data(), kSize, 0) != static_cast<ssize_t>(kSize)) std::abort();
  ::close(fd);
  ::unlink(path.c_str());
}

// The syscalls the reference library makes for kProgram (checked with
// strace), with nothing around them: it reads through a new mapping, so the
// read costs an mmap, page faults and a munmap (a TLB flush) where pread
// costs one copy. The harness overhead is measured against this one.
void raw_sequence(const std::string& path, std::vector<uint8_t>& buf) {
  create_and_write(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != kSize) std::abort();
  auto* p = static_cast<uint8_t*>(::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (p == MAP_FAILED) std::abort();
  std::memcpy(buf.data(), p, kSize);
  ::munmap(p, kSize);
  ::close(fd);
  ::unlink(path.c_str());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
  mapfuzz::Sandbox sandbox;
  mapfuzz::Program program;
  std::string error;
  if (!mapfuzz::parse_program(kProgram, &program, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  const std::vector<uint8_t> input = mapfuzz::encode_binary(program);
  mapfuzz::Executor executor(mapfuzz::this_target(), sandbox.dir());
  std::vector<uint8_t> buf(kSize);
  const std::string raw_path = sandbox.dir() + "/raw";

  std::vector<double> facts_us, raw_us, harness_us;
  for (int round = 0; round < 7; ++round) {
    auto tf = Clock::now();
    for (int i = 0; i < iterations / 7; ++i) facts_sequence(raw_path, buf);
    auto t0 = Clock::now();
    for (int i = 0; i < iterations / 7; ++i) raw_sequence(raw_path, buf);
    auto t1 = Clock::now();
    for (int i = 0; i < iterations / 7; ++i) {
      const mapfuzz::Program p = mapfuzz::decode_binary(input.data(), input.size());
      if (executor.run(p)) {
        std::fprintf(stderr, "unexpected finding\n");
        return 1;
      }
    }
    auto t2 = Clock::now();
    facts_us.push_back(std::chrono::duration<double, std::micro>(t0 - tf).count() / (iterations / 7));
    raw_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / (iterations / 7));
    harness_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count() / (iterations / 7));
  }
  const double facts = median(facts_us), raw = median(raw_us), harness = median(harness_us);
  std::printf("one test case (create, 64 KiB, map, 16 writes, msync, close, reopen, read 64 KiB), "
              "median of 7 rounds, %d iterations, sandbox %s:\n",
              iterations, sandbox.dir().c_str());
  std::printf("  FACTS.md's sequence (pread):  %8.2f us  (%8.0f per second)\n", facts, 1e6 / facts);
  std::printf("  raw syscalls:                 %8.2f us  (%8.0f per second; the library's own calls)\n", raw,
              1e6 / raw);
  std::printf("  through the harness:          %8.2f us  (%8.0f per second)\n", harness, 1e6 / harness);
  std::printf("  harness overhead:             %8.2f us  (%.1fx)\n", harness - raw, harness / raw);
  return 0;
}
