// The in-memory model of the sandbox file: what it must hold, whether the
// library has it open, which pages were written since the last sync, and what
// other processes did to it. It knows nothing of any library and makes no
// system call.
//
// Its real state:
//  - the library's file (a FileImage: sizes and bytes Known or Unknown, see
//    file_image.h) and the file at the path, which differ after another
//    process unlinked or replaced it;
//  - two sizes: the file's and the one the library last saw (its view).
//    They differ after an outside event changed the file under the library;
//  - the path's permission bits, open/closed, dirty pages.
// One entry point moves it: follow(op, outcome). The executor calls it with
// what really happened; the property test's commands with the predicted
// outcome. Everything an outside event, a stale view, an event in the
// middle of a call or a lost write does is a transition of the FileImage
// lattice; an observation of the real file (learn_file) makes Unknown bytes
// Known again.
#pragma once

#include <cstdint>
#include <set>
#include <span>

#include "harness/contract.h"
#include "harness/file_image.h"
#include "harness/op.h"
#include "harness/outside_locks.h"

namespace mapfuzz {

// What the model predicts for one operation.
struct Expectation {
  bool must_fail = false;   // the contract requires the call to fail
  uint64_t size_after = 0;  // size on success (or unchanged size on failure)
  uint64_t read_length = 0; // kRead: bytes the read must return
};

// What happened in one step, as the model follows it.
struct Outcome {
  bool ok = true;                  // the call (or the outside event) succeeded
  uint64_t size_after = 0;         // the library's size() after the call
  std::span<const uint8_t> read;   // kRead: the bytes returned
  // The file had changed under the library: its view was stale before the
  // call, or an outside event fired inside it.
  bool unsettled = false;
  // An outside event that fired inside the call, or null; in_call_ok says
  // whether it did its work.
  const faults::OutsideEvent* in_call = nullptr;
  bool in_call_ok = false;

  // The library's wait for a lock ended because the outside let go of all
  // its locks inside the call (the executor's lock-wait hook).
  bool locks_released = false;
  // A successful outside lock (at the boundary, or in the call): the file
  // the outside locked.
  faults::FileId locked;

  // The outcome the model predicts when no fault fires (the property test's).
  static Outcome predicted(const Expectation& e) { return Outcome{.ok = !e.must_fail, .size_after = e.size_after}; }
};

class Model {
 public:
  // ---- state ----
  // A file exists at the sandbox path (false while that is Unknown).
  bool exists() const { return path_file().exists(); }
  bool is_open() const { return open_; }
  // The size the library saw last (its open, resize or growing write).
  uint64_t size() const { return lib_size_; }
  // The library's file (the one at the path unless it was unlinked or replaced).
  const FileImage& file() const { return lib_; }
  // The file at the path.
  const FileImage& path_file() const { return path_is_lib_ ? lib_ : other_; }
  // The library's file is the one at the path.
  bool library_file_at_path() const { return path_is_lib_; }
  // The library has the file open and its size differs from the library's
  // view (or is Unknown). A closed library has no view to be stale.
  bool view_stale() const { return open_ && (!lib_.size_known() || lib_size_ != lib_.size()); }
  // Another process replaced or unlinked the library's file at the path.
  bool is_replaced() const { return !path_is_lib_ && other_.exists(); }
  // Permission bits of the file at the path.
  uint32_t mode() const { return mode_; }
  // The locks another process holds (outside lock events).
  const OutsideLocks& outside_locks() const { return locks_; }
  // The other process let go of all its locks (the end of a run).
  void let_go_of_locks() { locks_.clear(); }
  // Pages written (by byte offset / kPageSize) and not yet synced.
  const std::set<uint64_t>& dirty_pages() const { return dirty_; }

  // True iff `op` may be sent to a library in the model's state (open only
  // when closed, the others only when open; reopen and open-existing only
  // when the file exists).
  bool applicable(const Op& op) const;
  // What `op` must do under `contract`, assuming no fault is injected.
  Expectation expect(const Op& op, const Contract& contract) const;

  // ---- transitions ----
  // Back to "no file", keeping allocated memory for the next run.
  void reset();
  // Follows one step: `op` (a library call, an armed fault or an outside
  // event) with its `outcome`. Call only when the oracle found nothing:
  //  - success: the op's effect (open, resize, growing write, sync, close);
  //    a read's bytes teach the model what it did not know;
  //  - failure: the file as before; an open/reopen/close leaves it closed;
  //    a failed "open create" leaves the file as before, absent, or zeros up
  //    to the requested size (a disjunction the next observation collapses);
  //  - an outside event at an operation boundary: its effect on the file at
  //    the path (a failed one, e.g. a partial pwrite on a full disk, makes the
  //    file Unknown);
  //  - an event inside the call: its effect, after the call's; a lock wait
//    the outside ended by letting go (locks_released): no lock held;
//  - an outside lock or unlock: the locks held (outside_locks()); a failed
//    one changes nothing;
  //  - unsettled: the library acted on a file that changed under it. What it
  //    did there (a rollback, a regrow, writes past the new end) is its own
  //    business: its file becomes Unknown, and its EOF page may hold writes.
  void follow(const Op& op, const Outcome& outcome, const Contract& contract);
  // The file at the path observed as (`exists`, `bytes`): Unknown parts and
  // a failed create's disjunction take what is there. Call after the oracle
  // compared the observation with path_file().
  void learn_file(bool exists, std::span<const uint8_t> bytes);

 private:
  FileImage& path_image() { return path_is_lib_ ? lib_ : other_; }
  void follow_open(const Op& op, const Outcome& o);
  void follow_write(const Op& op);
  void follow_sync(const Op& op, const Contract& contract);
  void follow_event(const faults::OutsideEvent& event, bool ok, faults::FileId locked);
  void mark_dirty(uint64_t offset, uint64_t length);
  void trim_dirty(uint64_t size);

  FileImage lib_;    // the library's file
  FileImage other_;  // the file at the path when it is not the library's (replaced or absent)
  std::set<uint64_t> dirty_;
  OutsideLocks locks_;
  uint64_t lib_size_ = 0;
  uint32_t mode_ = 0644;
  bool path_is_lib_ = true;
  bool open_ = false;
};

// True iff `kind` is a library call that may change the file.
bool modifies_file(OpKind kind);
// True iff `kind` calls the library (not an armed fault or an outside event).
bool calls_library(OpKind kind);

}  // namespace mapfuzz
