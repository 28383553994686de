// The in-memory model of the sandbox file: its bytes, its size, whether it is
// open, which pages were written since the last sync, and what other
// processes did to it. The model is what the file must hold; it knows
// nothing of any library.
//
// Two sizes: the file's (bytes().size()) and the one the library last saw
// (size()). They differ after an outside event changed the file under the
// library; the library's bounds follow its own view, and bytes it writes
// beyond the file's end are lost, not its bug.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "harness/contract.h"
#include "harness/op.h"

namespace mapfuzz {

// What the model predicts for one operation.
struct Expectation {
  bool must_fail = false;   // the contract requires the call to fail
  uint64_t size_after = 0;  // size on success (or unchanged size on failure)
  uint64_t read_length = 0; // kRead: bytes the read must return
};

class Model {
 public:
  // The file at the sandbox path (after an outside replace, a new file).
  bool exists() const { return exists_; }
  const std::vector<uint8_t>& path_bytes() const { return replaced_ ? *replaced_ : bytes_; }
  bool is_open() const { return open_; }
  // The size the library saw last (its open, resize or growing write).
  uint64_t size() const { return lib_size_; }
  // The bytes of the file the library has open (the one at the path unless
  // it was unlinked or replaced).
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  // An outside event changed the file's size under the library.
  bool view_stale() const { return lib_size_ != bytes_.size(); }
  // Another process replaced the file at the path by a new one.
  bool is_replaced() const { return replaced_.has_value(); }
  // Permission bits of the file at the path.
  uint32_t mode() const { return mode_; }
  // Pages written (by byte offset / kPageSize) and not yet synced.
  const std::set<uint64_t>& dirty_pages() const { return dirty_; }

  // True iff `op` may be sent to a library in the model's state (open only
  // when closed, the others only when open; reopen and open-existing only
  // when the file exists).
  bool applicable(const Op& op) const;

  // Back to "no file", keeping allocated memory for the next run.
  void reset();

  // What `op` must do under `contract`, assuming no fault is injected.
  Expectation expect(const Op& op, const Contract& contract) const;

  // Applies the successful outcome of `op` (call only when the library
  // reported success and the expectation was not must_fail).
  void apply_success(const Op& op, const Contract& contract);
  // Applies a failed open/reopen: the instance is closed.
  void apply_failed_open();
  // After a failed "open create" the file is whatever the failure left
  // (the oracle checks it is a permitted state): take it as the truth.
  void adopt_file(bool exists, const std::vector<uint8_t>& bytes);
  // Takes `bytes` as the content of the library's file, keeping the
  // library's view: after the library acted on a file another process had
  // changed under it, what it did there is its own business.
  void set_file_bytes(const std::vector<uint8_t>& bytes) { bytes_.assign(bytes.begin(), bytes.end()); }
  // Takes `bytes` as the content of the file at the path (the library's,
  // or the one that replaced it).
  void set_path_bytes(const std::vector<uint8_t>& bytes) { path_file().assign(bytes.begin(), bytes.end()); }
  // The library saw the file at `size` (an event inside its call came before
  // it looked): its view is that size.
  void set_library_size(uint64_t size) { lib_size_ = size; }
  // close() always leaves the instance closed.
  void apply_close();
  // Follows another process's event on the path (call only when it succeeded).
  void apply_outside(const faults::OutsideEvent& event);
  // After another process grew the library's file from `old_size`: bytes the
  // library wrote through its mapping past that end, inside the last page
  // (`tail`, read before the event), stay in the page cache, and growth may
  // reveal them (filesystems differ). Takes those `file` now shows, where the
  // library's view covered them; [keep_from, keep_to) is the event's own data.
  void reveal_tail(uint64_t old_size, const std::vector<uint8_t>& tail, const std::vector<uint8_t>& file,
                   uint64_t keep_from, uint64_t keep_to);
  // The library acted on a stale view (or during an in-call event): it may
  // have written past the file's end inside the last page, where a later
  // growth can reveal it. A truncation to a smaller size zeroes that tail.
  void note_tail_writes() { tail_written_ = true; }
  bool tail_may_hold_writes() const { return tail_written_; }
  // Bytes of the library's file the harness cannot know: what a growth may
  // have revealed of such writes in a file no longer reachable by path
  // (unlinked or replaced), so not readable by the oracle. Reads there are
  // not checked.
  void mark_unknown(uint64_t from, uint64_t to) { unknown_.emplace_back(from, to); }
  bool known(uint64_t offset) const {
    for (const auto& [from, to] : unknown_) {
      if (offset >= from && offset < to) return false;
    }
    return true;
  }

 private:
  void mark_dirty(uint64_t offset, uint64_t length);
  std::vector<uint8_t>& path_file() { return replaced_ ? *replaced_ : bytes_; }
  std::vector<uint8_t> bytes_;
  std::optional<std::vector<uint8_t>> replaced_;  // the new file at the path after an outside replace
  std::set<uint64_t> dirty_;
  uint64_t lib_size_ = 0;
  uint32_t mode_ = 0644;
  bool exists_ = false;
  bool open_ = false;
  bool tail_written_ = false;
  std::vector<std::pair<uint64_t, uint64_t>> unknown_;  // [from, to) ranges
};

}  // namespace mapfuzz
