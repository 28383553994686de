// Reads of the sandbox file as it really is, bypassing the fault layer: what
// the executor observes to check the model and teach it what it did not know.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mapfuzz::file_view {

// Reads `path` with plain pread into `bytes` (whose capacity is reused).
// `size_hint` is the size the caller expects: a file of at most that size
// takes one pread (a short read of a regular file is its end), a larger one
// more. Returns false (and empties `bytes`) if the file does not exist.
bool read_back(const std::string& path, std::vector<uint8_t>* bytes, uint64_t size_hint = 0);

// The size of the file at `path`, or UINT64_MAX if it does not exist.
uint64_t file_size(const std::string& path);

}  // namespace mapfuzz::file_view
