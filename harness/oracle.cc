#include "harness/oracle.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

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

// A failed call: allowed when the contract requires it or a cause excuses
// it; it must leave the library's size as it was (open/close: closed).
Finding check_failure(const StepRecord& step, const Model& model) {
  const Op& op = step.op;
  const bool excused = step.causes.excuses_failure();
  const auto i = static_cast<int64_t>(step.index);
  if (!step.expected.must_fail && !excused) {
    return make(FindingKind::kUnexpectedError, i,
                format("%s failed with %s, no fault was injected (file size %llu)", op_kind_name(op.kind),
                       step.status.describe().c_str(), (unsigned long long)model.size()));
  }
  const bool closes = op.kind == OpKind::kOpen || op.kind == OpKind::kReopen || op.kind == OpKind::kClose;
  const uint64_t want = closes ? 0 : model.size();
  if (step.size_after == want) return {};
  return make(excused ? FindingKind::kNotAtomic : FindingKind::kWrongSize, i,
              format("after failed %s (%s) the library reports size %llu, expected %llu", op_kind_name(op.kind),
                     step.status.describe().c_str(), (unsigned long long)step.size_after,
                     (unsigned long long)want));
}

// A successful read: its length, and its bytes where the model knows them.
// Past the file's end (shrunk by another process) the mapping's tail page
// holds whatever the library wrote there since: not checked.
Finding check_read(const StepRecord& step, const Model& model, std::span<const uint8_t> read_data) {
  const Op& op = step.op;
  const uint64_t length = step.expected.read_length;
  const auto i = static_cast<int64_t>(step.index);
  const bool swallowed = step.causes.excuses_failure() && step.causes.call_failed();
  const FindingKind bad = swallowed ? FindingKind::kSwallowedError : FindingKind::kDataMismatch;
  const unsigned long long before = model.size();
  if (step.read_got != length) {
    return make(bad, i,
                format("read returned %llu bytes, expected %llu (file size %llu)",
                       (unsigned long long)step.read_got, (unsigned long long)length, before));
  }
  const FileImage& file = model.file();
  const auto& bytes = file.values();
  const bool within = file.fully_known() && op.offset + length <= file.size();
  if (length == 0 || (within && std::memcmp(read_data.data(), bytes.data() + op.offset, length) == 0)) return {};
  for (uint64_t k = 0; k < length; ++k) {
    if (!file.known(op.offset + k) || read_data[k] == bytes[op.offset + k]) continue;
    return make(bad, i,
                format("read at file offset %llu returned 0x%02x, the file holds 0x%02x (file size %llu)",
                       (unsigned long long)(op.offset + k), read_data[k], bytes[op.offset + k], before));
  }
  return {};
}

}  // namespace

Finding check_step(const StepRecord& step, const Model& model, std::span<const uint8_t> read_data) {
  const Op& op = step.op;
  const Expectation& e = step.expected;
  const auto i = static_cast<int64_t>(step.index);
  if (!calls_library(op.kind)) return {};
  if (step.status.ok() && e.must_fail) {
    return make(FindingKind::kMissingError, i,
                format("%s succeeded but the contract requires failure (file size %llu)", op_kind_name(op.kind),
                       (unsigned long long)model.size()));
  }
  if (!step.status.ok()) return check_failure(step, model);
  // Success: sizes and bytes must match the model. Only a call that failed
  // inside the step makes a wrong answer a swallowed error.
  const bool swallowed = step.causes.excuses_failure() && step.causes.call_failed();
  if (step.size_after != e.size_after) {
    return make(swallowed ? FindingKind::kSwallowedError : FindingKind::kWrongSize, i,
                format("after %s the library reports size %llu, the model %llu%s", op_kind_name(op.kind),
                       (unsigned long long)step.size_after, (unsigned long long)e.size_after,
                       swallowed ? " (a failed call was reported as success)" : ""));
  }
  return op.kind == OpKind::kRead ? check_read(step, model, read_data) : Finding{};
}

Finding check_lock_honoured(const StepRecord& step, const Model& model, const Contract& contract,
                            bool locks_released, const std::function<bool(const HeldLock&)>& confirmed) {
  const LockScope& scope = contract.locks;
  const Op& op = step.op;
  if (scope.promise == LockPromise::kNone || locks_released || !step.status.ok()) return {};
  const bool changes = (op.kind == OpKind::kWrite && op.length > 0) ||
                       (op.kind == OpKind::kResize && op.size != model.size());
  if (!changes) return {};
  const HeldLock* held =
      model.outside_locks().conflicting_confirmed(scope.api, scope.file, scope.offset, scope.length, confirmed);
  if (held == nullptr) return {};
  HeldLock own{.api = scope.api, .mode = faults::LockMode::kExclusive, .file = scope.file, .offset = scope.offset,
               .length = scope.length};
  return make(FindingKind::kLockIgnored, static_cast<int64_t>(step.index),
              format("%s succeeded while another process held %s; the contract says the library takes %s "
                     "first (file size %llu)",
                     op_kind_name(op.kind), held->describe().c_str(), own.describe().c_str(),
                     (unsigned long long)model.size()));
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
  int failed_errno = 0;
  for (uint64_t c = first_call; c < calls.size(); ++c) {
    const faults::CallRecord& r = calls[c];
    if (r.call == faults::Call::kFsync && r.result_errno == 0) return {};
    if (r.call != faults::Call::kMsync) continue;
    if (r.result_errno != 0) {
      failed = format("; msync(addr=0x%llx, len=%llu) failed with %s%s", (unsigned long long)r.addr,
                      (unsigned long long)r.length, errno_name(r.result_errno),
                      r.injected ? " (injected)" : "");
      failed_errno = r.result_errno;
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
      Finding f = make(FindingKind::kUnbackedSync, step.index,
                       format("sync returned success but page at file offset %llu written since the last sync "
                              "was not covered by a successful msync(MS_SYNC) or fsync%s",
                              (unsigned long long)lo, failed.c_str()));
      if (failed_errno) f.call = faults::call_name(faults::Call::kMsync);
      f.error = failed_errno;
      return f;
    }
  }
  return {};
}

Finding check_failed_create(const Op& op, int64_t step, const FileImage& want, bool exists,
                            std::span<const uint8_t> got) {
  if (!want.compare(exists, got)) return {};
  return make(FindingKind::kNotAtomic, step,
              format("a failed open create left %zu bytes that are neither the old file nor zeros up to "
                     "the requested size %llu",
                     got.size(), (unsigned long long)op.size));
}

Finding check_contents(bool exists, std::span<const uint8_t> got, const FileImage& want, FindingKind kind,
                       int64_t step) {
  const ImageMismatch m = want.compare(exists, got);
  using What = ImageMismatch::What;
  switch (m.what) {
    case What::kNone:
      return {};
    case What::kMissing:
      return make(kind, step, "the file is gone (or cannot be opened) but the model has it");
    case What::kUnexpected:
      return make(kind, step, format("the file exists (%llu bytes) but the model has none", (unsigned long long)m.got_size));
    case What::kSize: {
      const bool more = m.got_size > m.want_size;
      return make(kind, step,
                  format("the file holds %s%llu bytes, the model %llu", more ? "more than " : "",
                         (unsigned long long)(more ? m.want_size : m.got_size), (unsigned long long)m.want_size));
    }
    case What::kByte:
      return make(kind, step,
                  format("file offset %llu holds 0x%02x, the model 0x%02x (file size %llu)",
                         (unsigned long long)m.offset, m.got, m.want, (unsigned long long)m.want_size));
  }
  return {};
}

Finding check_leaks(int64_t step, const char* when, size_t fds, size_t maps, size_t stuck_mappings) {
  if (fds == 0 && maps <= stuck_mappings) return {};
  return make(FindingKind::kLeak, step,
              format("%zu fd(s) and %zu mapping(s) of sandbox files remain %s", fds, maps, when));
}

}  // namespace mapfuzz::oracle
