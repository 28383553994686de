// The LMDB environment on the harness's file, and its lifecycle: opening it
// (creating a fresh store), keeping the map size ahead of the file, write
// transactions, and coming back after LMDB's fatal state.
//
// Opening: create unlinks path and path-lock, then mdb_env_create,
// mdb_env_set_mapsize, mdb_env_open(path, MDB_NOSUBDIR | MDB_NOTLS
// [| MDB_WRITEMAP], 0644) and one write txn storing the size; an existing
// store is opened the same way (ENOENT if absent) and its size read
// (records.h). MDB_WRITEMAP is used when built with MAPFUZZ_LMDB_WRITEMAP=1
// (target lmdb_writemap): pages are then written in the shared map and made
// durable with msync instead of pwrite/writev behind a read-only map.
//
// The map size follows the size: at least 4 x size + 2 MiB, rounded to 1 MiB
// (a 4096-byte value takes two LMDB pages, and copy-on-write keeps the old
// ones until the next txn); growing past it calls mdb_env_set_mapsize on the
// open environment first (LMDB remaps, and in WRITEMAP mode grows the file to
// the map size with ftruncate).
//
// After MDB_PANIC ("a fatal error occurred earlier and the environment must
// be shut down") the environment is closed and opened again, as an LMDB user
// must: before the next call (revive()), or when mdb_txn_begin reports it (a
// commit that failed writing the meta page returns the write's errno, not
// MDB_PANIC, and leaves the environment fatal).
//
// MAPFUZZ_AVOID_KNOWN (environment, comma-separated names or "all") steers
// around findings already confirmed (docs/findings/lmdb.md) so that a fuzz
// run can get past them; unset, the library is driven as above.
//   set-mapsize-failure  after mdb_env_set_mapsize fails, shut the
//                        environment down and open it again before the next
//                        call (as after MDB_PANIC)
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <string>

#include "harness/status.h"

namespace mapfuzz::lmdb {

class Environment {
 public:
  Environment() = default;
  ~Environment() { shut_down(); }
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // Opens the store at `path`: create = a fresh one holding `size` zero bytes,
  // else the existing one. On failure the environment is shut down.
  Status open(const std::string& path, bool create, uint64_t size);

  // The harness closed the file: shuts the environment down (mdb_env_close
  // reports nothing); size() is 0 until the next open().
  void close();

  // Makes the environment usable: after MDB_PANIC (or a failed revival) it
  // is shut down and opened again on the same file. On failure it stays shut
  // down and size() is unchanged.
  Status revive();

  // Grows the map size for a file of `size` bytes if it is too small.
  Status grow_map_for(uint64_t size);

  // mdb_txn_begin. A failed commit may have left the environment in LMDB's
  // fatal state without saying so; when mdb_txn_begin says MDB_PANIC the
  // environment is revived and the begin retried once.
  Status begin(unsigned flags, MDB_txn** txn);

  // Runs `body` (MDB_txn* → LMDB code) in a write txn and commits; on success
  // size() is `size_after`. A failed commit that left the environment fatal
  // revives it before returning.
  template <typename Body>
  Status in_write_txn(const char* what, Body&& body, uint64_t size_after) {
    MDB_txn* txn = nullptr;
    if (Status st = begin(0, &txn); !st.ok()) return st;
    return finish_write_txn(txn, what, body(txn), size_after);
  }

  // mdb_env_sync(env, 1): the whole environment.
  Status sync();

  // `rc` as a Status (mdb_status.h), remembering MDB_PANIC so that the next
  // call starts from a fresh environment.
  Status track(int rc, const char* call);

  MDB_dbi dbi() const { return dbi_; }
  // The file's size as the store holds it (as of the last open or commit).
  uint64_t size() const { return size_; }

 private:
  Status open_env(bool create, uint64_t size);
  void shut_down();
  // Aborts `txn` if `body_rc` failed, else commits it.
  Status finish_write_txn(MDB_txn* txn, const char* what, int body_rc, uint64_t size_after);

  std::string path_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  uint64_t size_ = 0;
  uint64_t map_size_ = 0;
  bool fatal_ = false;  // MDB_PANIC seen: env_ must be shut down
};

}  // namespace mapfuzz::lmdb
