// The adapter interface: the one header through which any mapping library is
// driven. An adapter is one small .cc file that implements Subject for its
// library and defines mapfuzz::this_target(). See docs/ADAPTERS.md.
//
// The harness calls a Subject only in valid states: open/reopen only when
// closed; resize/write/read/sync/close only when open. After any call returns
// a failure the harness keeps calling the instance (a library must stay usable
// after an error), unless the failure was a crash or signal.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "harness/contract.h"
#include "harness/status.h"
#include "harness/transcript.h"

namespace mapfuzz {

class Subject {
 public:
  virtual ~Subject() = default;

  // create: creates `path` (or truncates it) to `size` zero bytes, maps it.
  // !create: opens the existing `path` and maps all of it (size ignored).
  // On success the file is open and size() is its size. On failure the
  // instance is closed and holds no fd or mapping.
  virtual Status open(const std::string& path, bool create, uint64_t size) = 0;

  // Resizes the file and its mapping to `new_size` bytes; bytes past the old
  // end read as zeros. On failure the size and contents are as before (unless
  // the contract allows otherwise).
  virtual Status resize(uint64_t new_size) = 0;

  // Copies `data` to file offset `offset`. Past the end: see Contract.
  virtual Status write(uint64_t offset, std::span<const uint8_t> data) = 0;

  // Copies bytes at `offset` into `out`; on success *got is the number of
  // bytes copied (out.size(), or fewer under PastEnd::kShort).
  virtual Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) = 0;

  // Makes [offset, offset+length) durable (length 0: the whole file). Success
  // means the bytes are on the file, not only in the mapping.
  virtual Status sync(uint64_t offset, uint64_t length) = 0;

  // Unmaps and closes. Always leaves the instance closed, even on failure.
  virtual Status close() = 0;

  // The size the library believes the file has (0 when closed).
  virtual uint64_t size() const = 0;

  // While `transcript` is set (not null), says each library call it makes,
  // before making it (harness/transcript.h). Only adapters whose Target has
  // an exporter need to override it.
  virtual void set_transcript(Transcript* transcript) { (void)transcript; }
};

// What an adapter exports: a name, its contract and a factory.
struct Target {
  const char* name;
  Contract contract;
  std::unique_ptr<Subject> (*make)();
  // How `export` writes a standalone program for it; null: not exportable.
  const Exporter* exporter = nullptr;
};

// Defined once by each adapter .cc file.
const Target& this_target();

}  // namespace mapfuzz
