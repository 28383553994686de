// The bug-finding benchmark's baseline (scripts/benchmark): the fuzz target
// a team would write for the reference library without mapfuzz. It calls
// MappedFile (targets/reference/mapped_file.h) at random from the fuzz input
// -- open, resize, write, read, sync, close -- keeps a plain in-memory copy
// of the file, and aborts with one "BASELINE MISMATCH: <kind>: <what>" line
// when an answer disagrees with the copy or with the header's contract.
// No mapfuzz harness code: no model, oracle, interposer or outside events.
//
// BASELINE_FAULTS=1 (set when the benchmark runs it under libfiu's fiu-run
// with random faults): a failed call is allowed, and must leave the file as
// it was (the header's contract), so the copy is left alone; a failed
// create ends the input, as the file's contents are then unspecified.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "targets/reference/mapped_file.h"

namespace {

using mapfuzz::Status;
using mapfuzz::reference::MappedFile;

constexpr uint64_t kMaxSize = 64 * 1024;
constexpr size_t kMaxIo = 16 * 1024;

std::string g_path;
bool g_faults = false;

[[noreturn]] void mismatch(const char* kind, const std::string& what) {
  std::fprintf(stderr, "BASELINE MISMATCH: %s: %s\n", kind, what.c_str());
  std::abort();
}

// The in-memory copy: what the file must hold, and whether it is open.
struct Copy {
  std::vector<uint8_t> bytes;
  bool open = false;
};

bool in_range(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

// An offset: mostly near the data, sometimes anywhere in 64 bits.
uint64_t pick_offset(FuzzedDataProvider& in, uint64_t size) {
  if (in.ConsumeBool()) return in.ConsumeIntegral<uint64_t>();
  return in.ConsumeIntegralInRange<uint64_t>(0, size + 4096);
}

// A failed call: fine under injected faults (nothing changes), else a bug.
void expect_ok(const Status& s, const char* op) {
  if (!s.ok() && !g_faults) mismatch("unexpected-error", std::string(op) + ": " + s.describe());
}

void check_size(const MappedFile& f, const Copy& c, const char* op) {
  if (f.size() != c.bytes.size())
    mismatch("wrong-size", std::string("after ") + op + ": size() " + std::to_string(f.size()) + ", expected " +
                               std::to_string(c.bytes.size()));
}

void do_open(FuzzedDataProvider& in, MappedFile& f, Copy& c) {
  if (c.open) return;
  bool create = in.ConsumeBool() || access(g_path.c_str(), F_OK) != 0;
  uint64_t size = in.ConsumeIntegralInRange<uint64_t>(0, kMaxSize);
  Status s = f.open(g_path, create, size);
  expect_ok(s, create ? "open create" : "open existing");
  if (!s.ok()) {
    if (create) c.bytes.clear(), (void)unlink(g_path.c_str());
    return;
  }
  if (create) c.bytes.assign(size, 0);
  c.open = true;
  check_size(f, c, "open");
}

void do_resize(FuzzedDataProvider& in, MappedFile& f, Copy& c) {
  uint64_t size = in.ConsumeIntegralInRange<uint64_t>(0, kMaxSize);
  Status s = f.resize(size);
  expect_ok(s, "resize");
  if (s.ok()) c.bytes.resize(size, 0);
  check_size(f, c, "resize");
}

void do_write(FuzzedDataProvider& in, MappedFile& f, Copy& c) {
  uint64_t off = pick_offset(in, c.bytes.size());
  size_t len = in.ConsumeIntegralInRange<size_t>(1, kMaxIo);
  std::vector<uint8_t> data(len, in.ConsumeIntegral<uint8_t>());
  Status s = f.write(off, data);
  bool fits = in_range(off, len, c.bytes.size());
  if (!fits && s.ok()) mismatch("missing-error", "write past the end succeeded at " + std::to_string(off));
  if (fits) expect_ok(s, "write");
  if (fits && s.ok()) std::memcpy(c.bytes.data() + off, data.data(), len);
  check_size(f, c, "write");
}

void do_read(FuzzedDataProvider& in, MappedFile& f, Copy& c) {
  uint64_t off = pick_offset(in, c.bytes.size());
  size_t len = in.ConsumeIntegralInRange<size_t>(1, kMaxIo);
  std::vector<uint8_t> out(len);
  uint64_t got = 0;
  Status s = f.read(off, out, &got);
  bool fits = in_range(off, len, c.bytes.size());
  if (!fits && s.ok()) mismatch("missing-error", "read past the end succeeded at " + std::to_string(off));
  if (fits) expect_ok(s, "read");
  if (fits && s.ok() && std::memcmp(out.data(), c.bytes.data() + off, len) != 0)
    mismatch("data-mismatch", "read at " + std::to_string(off) + " differs from what was written");
}

void do_sync(FuzzedDataProvider& in, MappedFile& f, Copy& c) {
  uint64_t off = in.ConsumeIntegralInRange<uint64_t>(0, c.bytes.size());
  uint64_t len = in.ConsumeIntegralInRange<uint64_t>(0, c.bytes.size());
  expect_ok(f.sync(off, len), "sync");
}

void do_close(MappedFile& f, Copy& c) {
  expect_ok(f.close(), "close");
  c.open = false;  // closed either way (the header's contract)
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("TMPDIR");
  g_path = std::string(dir && *dir ? dir : "/tmp") + "/baseline-" + std::to_string(getpid()) + ".bin";
  const char* faults = std::getenv("BASELINE_FAULTS");
  g_faults = faults && std::strcmp(faults, "1") == 0;
  std::atexit([] { (void)unlink(g_path.c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  (void)unlink(g_path.c_str());
  MappedFile f;
  Copy c;
  for (int steps = 0; steps < 64 && in.remaining_bytes() > 0; ++steps) {
    if (!c.open) {
      do_open(in, f, c);
      continue;
    }
    switch (in.ConsumeIntegralInRange(0, 4)) {
      case 0: do_resize(in, f, c); break;
      case 1: do_write(in, f, c); break;
      case 2: do_read(in, f, c); break;
      case 3: do_sync(in, f, c); break;
      default: do_close(f, c); break;
    }
  }
  if (c.open) do_close(f, c);
  return 0;
}
