#include "harness/oracle.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "faults/raw_syscalls.h"
#include "harness/text_codec.h"

namespace mapfuzz::oracle {
namespace {

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

Finding make(FindingKind kind, int64_t step, std::string detail) {
  return Finding{kind, step, std::move(detail)};
}

}  // namespace

Finding check_step(const StepRecord& step, const Model& model, std::span<const uint8_t> read_data,
                   bool fault_fired) {
  const Op& op = step.op;
  const Expectation& e = step.expected;
  const auto i = static_cast<int64_t>(step.index);
  const unsigned long long before = model.size();
  if (op.kind == OpKind::kFault || op.kind == OpKind::kOutside) return {};  // no library call

  if (step.status.ok() && e.must_fail) {
    return make(FindingKind::kMissingError, i,
                format("%s succeeded but the contract requires failure (file size %llu)",
                       op_kind_name(op.kind), before));
  }
  if (!step.status.ok()) {
    if (!e.must_fail && !fault_fired) {
      return make(FindingKind::kUnexpectedError, i,
                  format("%s failed with %s, no fault was injected (file size %llu)",
                         op_kind_name(op.kind), step.status.describe().c_str(), before));
    }
    // A failed call leaves the library's size as it was (open/close: closed).
    const bool closes = op.kind == OpKind::kOpen || op.kind == OpKind::kReopen || op.kind == OpKind::kClose;
    const uint64_t want = closes ? 0 : model.size();
    if (step.size_after != want) {
      return make(fault_fired ? FindingKind::kNotAtomic : FindingKind::kWrongSize, i,
                  format("after failed %s (%s) the library reports size %llu, expected %llu",
                         op_kind_name(op.kind), step.status.describe().c_str(),
                         (unsigned long long)step.size_after, (unsigned long long)want));
    }
    return {};
  }

  // Success: sizes and bytes must match the model.
  const FindingKind wrong = fault_fired ? FindingKind::kSwallowedError : FindingKind::kWrongSize;
  if (step.size_after != e.size_after) {
    return make(wrong, i,
                format("after %s the library reports size %llu, the model %llu%s", op_kind_name(op.kind),
                       (unsigned long long)step.size_after, (unsigned long long)e.size_after,
                       fault_fired ? " (an injected fault was reported as success)" : ""));
  }
  if (op.kind == OpKind::kRead) {
    const FindingKind bad = fault_fired ? FindingKind::kSwallowedError : FindingKind::kDataMismatch;
    if (step.read_got != e.read_length) {
      return make(bad, i,
                  format("read returned %llu bytes, expected %llu (file size %llu)",
                         (unsigned long long)step.read_got, (unsigned long long)e.read_length, before));
    }
    // Past the file's end (shrunk by another process) the mapping's tail page
    // holds whatever the library wrote there since: not checked.
    const auto& bytes = model.bytes();
    const bool within = op.offset + e.read_length <= bytes.size();
    if (e.read_length == 0 ||
        (within && std::memcmp(read_data.data(), bytes.data() + op.offset, e.read_length) == 0)) {
      return {};
    }
    for (uint64_t k = 0; k < e.read_length; ++k) {
      if (op.offset + k >= bytes.size()) break;
      if (!model.known(op.offset + k)) continue;
      const uint8_t want = bytes[op.offset + k];
      if (read_data[k] != want) {
        return make(bad, i,
                    format("read at file offset %llu returned 0x%02x, the file holds 0x%02x (file size %llu)",
                           (unsigned long long)(op.offset + k), read_data[k], want, before));
      }
    }
  }
  return {};
}

Finding check_sync_backed(const StepRecord& step, const std::set<uint64_t>& dirty,
                          const std::vector<faults::CallRecord>& calls, uint64_t first_call) {
  if (!step.status.ok() || step.op.kind != OpKind::kSync || dirty.empty()) return {};
  const Op& op = step.op;
  const uint64_t size = step.model_size_before;
  if (op.offset >= size) return {};  // nothing of the file in the range
  const bool whole = op.length == 0;
  uint64_t end = whole || op.offset > UINT64_MAX - op.length ? UINT64_MAX : op.offset + op.length;
  end = std::min(end, size);
  std::vector<std::pair<uint64_t, uint64_t>> synced;  // file byte ranges
  std::string failed;
  for (uint64_t c = first_call; c < calls.size(); ++c) {
    const faults::CallRecord& r = calls[c];
    if (r.call == faults::Call::kFsync && r.result_errno == 0) return {};
    if (r.call != faults::Call::kMsync) continue;
    if (r.result_errno != 0) {
      failed = format("; msync(addr=0x%llx, len=%llu) failed with %s%s", (unsigned long long)r.addr,
                      (unsigned long long)r.length, errno_name(r.result_errno),
                      r.injected ? " (injected)" : "");
      continue;
    }
    // The kernel rounds the length up to whole pages.
    if (r.flags & MS_SYNC) synced.emplace_back(r.file_offset, (r.file_offset + r.length + kPageSize - 1) / kPageSize * kPageSize);
  }
  for (uint64_t page : dirty) {
    const uint64_t lo = page * kPageSize;
    if (lo >= end || lo + kPageSize <= op.offset) continue;  // outside the requested range
    const uint64_t hi = lo + kPageSize;
    const bool covered = std::any_of(synced.begin(), synced.end(), [&](const auto& r) {
      return r.first <= lo && r.second >= hi;
    });
    if (!covered) {
      return make(FindingKind::kUnbackedSync, step.index,
                  format("sync returned success but page at file offset %llu written since the last sync "
                         "was not covered by a successful msync(MS_SYNC) or fsync%s",
                         (unsigned long long)lo, failed.c_str()));
    }
  }
  return {};
}

bool read_back(const std::string& path, std::vector<uint8_t>* bytes) {
  const int fd = faults::real_open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    bytes->clear();
    return false;
  }
  struct stat st;
  const uint64_t expect = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  bytes->resize(expect + 1);
  uint64_t total = 0;
  for (;;) {
    if (bytes->size() == total) bytes->resize(total + 65536);
    const long n = faults::real_pread(fd, bytes->data() + total, bytes->size() - total, static_cast<int64_t>(total));
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
  }
  faults::real_close(fd);
  bytes->resize(total);
  return true;
}

uint64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
}

std::vector<uint8_t> read_eof_tail(const std::string& path) {
  std::vector<uint8_t> tail;
  const int fd = faults::sys::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return tail;
  struct stat st;
  if (faults::sys::fstat(fd, &st) == 0 && st.st_size % kPageSize != 0) {
    const uint64_t page = static_cast<uint64_t>(st.st_size) / kPageSize * kPageSize;
    // A hole holds nothing, and touching one on a full tmpfs raises SIGBUS.
    const bool allocated = faults::sys::lseek(fd, static_cast<int64_t>(page), SEEK_DATA) == static_cast<int64_t>(page);
    void* map = !allocated ? MAP_FAILED : faults::sys::mmap(nullptr, kPageSize, PROT_READ, MAP_SHARED, fd, page);
    if (map != MAP_FAILED) {
      const auto* bytes = static_cast<const uint8_t*>(map);
      tail.assign(bytes + st.st_size % kPageSize, bytes + kPageSize);
      faults::sys::munmap(map, kPageSize);
    }
  }
  faults::sys::close(fd);
  return tail;
}

Finding check_failed_create(const Op& op, int64_t step, const Model& model, bool actual_exists,
                            const std::vector<uint8_t>& actual) {
  if (!actual_exists) return {};
  if (model.exists() && actual == model.path_bytes()) return {};
  const bool zeros = std::all_of(actual.begin(), actual.end(), [](uint8_t b) { return b == 0; });
  if (zeros && actual.size() <= op.size) return {};
  return make(FindingKind::kNotAtomic, step,
              format("a failed open create left %zu bytes that are neither the old file nor zeros up to "
                     "the requested size %llu",
                     actual.size(), (unsigned long long)op.size));
}

Finding check_contents(bool exists, const std::vector<uint8_t>& got, const Model& model, FindingKind kind,
                       int64_t step) {
  if (!exists) {
    if (!model.exists()) return {};
    return make(kind, step, "the file is gone (or cannot be opened) but the model has it");
  }
  const auto& want = model.path_bytes();
  const uint64_t total = got.size();
  if (total != want.size()) {
    return make(kind, step,
                format("the file holds %s%llu bytes, the model %llu", total > want.size() ? "more than " : "",
                       (unsigned long long)(total > want.size() ? want.size() : total),
                       (unsigned long long)want.size()));
  }
  if (!model.exists()) {
    return make(kind, step, format("the file exists (%llu bytes) but the model has none", (unsigned long long)total));
  }
  if (want.empty() || std::memcmp(want.data(), got.data(), want.size()) == 0) return {};
  const auto diff = std::mismatch(want.begin(), want.end(), got.begin());
  if (diff.first != want.end()) {
    const auto off = static_cast<unsigned long long>(diff.first - want.begin());
    return make(kind, step,
                format("file offset %llu holds 0x%02x, the model 0x%02x (file size %llu)", off, *diff.second,
                       *diff.first, (unsigned long long)want.size()));
  }
  return {};
}

Finding check_leaks(int64_t step, const char* when, size_t stuck_mappings) {
  const size_t fds = faults::open_sandbox_fds();
  const size_t maps = faults::live_sandbox_mappings();
  if (fds == 0 && maps <= stuck_mappings) return {};
  return make(FindingKind::kLeak, step,
              format("%zu fd(s) and %zu mapping(s) of sandbox files remain %s", fds, maps, when));
}

}  // namespace mapfuzz::oracle
