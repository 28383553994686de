// The harness's own files (saved programs, encoded fuzz inputs, decoded
// text): written whole or not at all, and a failure says why.
#pragma once

#include <string>
#include <string_view>

#include "harness/status.h"

namespace mapfuzz {

// Writes `data` to `path` through a temporary file in the same directory
// (".<name>.tmp-<pid>"), renamed over `path` once complete. SIGXFSZ is
// ignored meanwhile, so a file size limit (RLIMIT_FSIZE) makes the write
// fail with EFBIG instead of killing the process; the old disposition is
// restored before returning.
// Success: `path` holds exactly `data` (replacing what it held).
// Failure: returns the Status of the call that failed ("open", "write",
// "close", "rename") with its errno; the temporary file is removed and
// `path` is left as it was: never an empty or partial file.
// Uses stdio (glibc's internal calls, unseen by the fault layer); usable in
// a crash handler, not async-signal-safe. Not thread-safe (SIGXFSZ).
Status write_file_atomically(const std::string& path, std::string_view data);

// "cannot write PATH: No space left on device" (strerror of `status`).
std::string write_error(const std::string& path, const Status& status);

}  // namespace mapfuzz
