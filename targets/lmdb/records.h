// The harness's byte file as LMDB records, the key/value layout of the lmdb
// target:
//   - page p of the file: key = p as a big-endian u64 (8 bytes), value = that
//     page's bytes (up to 4096, never past the size); a missing page or a
//     short value reads as zeros;
//   - the size: a u64 under the 4-byte key "size" (no record: size 0).
// The model's bytes must equal these records as they survive commit and
// reopen (contract file_is_raw = false: the oracle reads them back through a
// fresh instance).
//
// Each function works inside the caller's transaction and returns LMDB's
// code (MDB_SUCCESS or the first failure), except get_size().
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <span>
#include <vector>

#include "harness/status.h"

namespace mapfuzz::lmdb {

constexpr uint64_t kPage = 4096;

// Stores the size record: `n`.
int put_size(MDB_txn* txn, MDB_dbi dbi, uint64_t n);

// Reads the size record into *n (0 when there is none). Fails with EIO
// ("size record") if the record is not 8 bytes, or with mdb_get's error;
// *n is unchanged on failure.
Status get_size(MDB_txn* txn, MDB_dbi dbi, uint64_t* n);

// Resizes a file of `old_size` bytes to `n`: deletes the pages past the end,
// cuts the new last page, stores the size.
int resize_records(MDB_txn* txn, MDB_dbi dbi, uint64_t old_size, uint64_t n);

// Writes `data` at `offset` into a file of `size` bytes (the range must lie
// inside it): read-modify-write of every page touched. `page` is scratch
// space, kept by the caller so that its allocation is reused.
int write_records(MDB_txn* txn, MDB_dbi dbi, uint64_t size, uint64_t offset, std::span<const uint8_t> data,
                  std::vector<uint8_t>& page);

// Reads the bytes at `offset` into `out` (zeros where no record holds them):
// mdb_get of every page touched.
int read_records(MDB_txn* txn, MDB_dbi dbi, uint64_t offset, std::span<uint8_t> out);

}  // namespace mapfuzz::lmdb
