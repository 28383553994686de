// The oracle: compares what a library did with what the model and the
// library's contract say it must do. Pure checks over values: it reads no
// file and changes nothing; the executor decides when to ask and observes
// the file for it (file_view.h).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <vector>

#include "faults/interpose.h"
#include "harness/file_image.h"
#include "harness/finding.h"
#include "harness/model.h"
#include "harness/step_record.h"

namespace mapfuzz::oracle {

// Checks one step's answer against the expectation. `model` is the state
// before the step, `read_data` the bytes a read returned. When the step's
// causes excuse a failure (an injected fault, an outside event inside the
// call, a disk condition, a file changed under the library) a failure is
// allowed (its atomicity is checked on the file, check_contents); a success
// must still be right. Bytes the model does not know are not checked.
Finding check_step(const StepRecord& step, const Model& model, std::span<const uint8_t> read_data);

// A sync that returned success must be backed, among `calls` (this step's
// interposed calls), by a successful msync(MS_SYNC) covering every page in
// `dirty` within the synced range, or by a successful fsync/fdatasync.
// The finding names the step's last failed msync in Finding::call/error.
Finding check_sync_backed(const StepRecord& step, const std::set<uint64_t>& dirty,
                          const std::vector<faults::CallRecord>& calls, uint64_t first_call);

// Compares the file as observed (`exists`, `got`: read with plain pread, or
// through the library for non-raw formats) with what the model knows of it
// (`want`). Returns kind `kind` (kFileMismatch at the end of a run,
// kNotAtomic after a failed step, kSwallowedError after a fault reported as
// success) with the first differing offset, or no finding.
Finding check_contents(bool exists, std::span<const uint8_t> got, const FileImage& want, FindingKind kind,
                       int64_t step);

// After a failed "open create" (`want` holds the model's disjunction: the
// file as before, absent, or zeros up to the requested size): anything else
// is kNotAtomic.
Finding check_failed_create(const Op& op, int64_t step, const FileImage& want, bool exists,
                            std::span<const uint8_t> got);

// A write (of at least one byte) or a resize (to another size) that
// succeeded while another process held, for the whole call, a lock
// conflicting with the one `contract` says the library takes first
// (Contract::locks): kLockIgnored naming both locks. The kernel would have
// refused the library's lock, so it either took none or went on after it
// failed. Nothing under LockPromise::kNone, or when the outside let go
// during the call (`locks_released`). `model` is the state before the step.
// Only locks `confirmed` holds for count: the executor confirms with the
// real file that the library has the locked file open (faults::sandbox_fd_on),
// so a lock the model places on the wrong file never makes a finding.
Finding check_lock_honoured(const StepRecord& step, const Model& model, const Contract& contract,
                            bool locks_released, const std::function<bool(const HeldLock&)>& confirmed);

// `fds` sandbox fds or `maps` mappings present `when`: kLeak naming the
// counts. `stuck_mappings` mappings are excused: munmap calls that an
// injected fault failed leave their mapping behind through no fault of the
// library.
Finding check_leaks(int64_t step, const char* when, size_t fds, size_t maps, size_t stuck_mappings);

}  // namespace mapfuzz::oracle
