// The oracle: compares what a library did with what the model and the
// library's contract say it must do. Pure checks; the executor decides when
// to ask.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "faults/interpose.h"
#include "harness/executor.h"
#include "harness/finding.h"
#include "harness/model.h"

namespace mapfuzz::oracle {

// Checks one step's answer against the expectation. `model` is the state
// before the step, `read_data` the bytes a read returned. `fault_fired`
// means an injected fault hit a call during the step: a failure is then
// allowed (it must be atomic: checked by check_file), a success must still
// be right.
Finding check_step(const StepRecord& step, const Model& model, std::span<const uint8_t> read_data,
                   bool fault_fired);

// A sync that returned success must be backed, among `calls` (this step's
// interposed calls), by a successful msync(MS_SYNC) covering every page in
// `dirty` within the synced range, or by a successful fsync/fdatasync.
Finding check_sync_backed(const StepRecord& step, const std::set<uint64_t>& dirty,
                          const std::vector<faults::CallRecord>& calls, uint64_t first_call);

// Compares the file's contents (`exists`, `got`: read with plain pread, or
// through the library for non-raw formats) with the model. Returns kind
// `kind` (kFileMismatch at the end of a run, kNotAtomic after a failed step,
// kSwallowedError after a fault reported as success) with the first
// differing offset.
Finding check_contents(bool exists, const std::vector<uint8_t>& got, const Model& model, FindingKind kind,
                       int64_t step);

// Reads `path` with plain pread, bypassing the fault layer, into `bytes`
// (whose capacity is reused). Returns false if the file does not exist.
bool read_back(const std::string& path, std::vector<uint8_t>* bytes);

// The size of the file at `path`, or UINT64_MAX if it does not exist.
uint64_t file_size(const std::string& path);

// The bytes past the end of `path` inside its last page, as the page cache
// holds them (what a library wrote through its mapping after another process
// shrank the file; a later growth may reveal them). Empty if the file ends on
// a page boundary or cannot be read. Bypasses the fault layer.
std::vector<uint8_t> read_eof_tail(const std::string& path);

// A failed "open create" may leave the file as it was, absent, or created
// (truncated) with zeros up to the requested size: anything else is
// kNotAtomic. `actual_exists`/`actual` are the file after the failure.
Finding check_failed_create(const Op& op, int64_t step, const Model& model, bool actual_exists,
                            const std::vector<uint8_t>& actual);

// Sandbox fds or mappings still present: kLeak naming the counts.
// `stuck_mappings` mappings are excused: munmap calls that an injected fault
// failed leave their mapping behind through no fault of the library.
Finding check_leaks(int64_t step, const char* when, size_t stuck_mappings);

}  // namespace mapfuzz::oracle
