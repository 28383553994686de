// The lmdb subject: the harness's byte file kept in an LMDB store, as
// records (records.h) in one environment (environment.h).
//
//   open    create: a fresh store holding `size` zero bytes; existing: the
//           store on the file (ENOENT if absent; no size record = size 0).
//   resize  one write txn: delete the pages past the end, cut the last one,
//           store the size; commit. The map is grown first if needed.
//   write   one write txn: read-modify-write every page touched; commit.
//   read    one read-only txn: get every page touched.
//   sync    mdb_env_sync(env, 1).
//   close   mdb_env_close (reports nothing).
// Writes and reads past the end fail with EINVAL before LMDB is called (the
// adapter's bounds, as the byte file has them). Every call but open and close
// first revives an environment left fatal by an earlier one.
//
// LMDB errors become errnos in one function, from_mdb() (mdb_status.h).
#pragma once

#include <memory>

#include "harness/subject.h"

namespace mapfuzz::lmdb {

// A closed subject.
std::unique_ptr<Subject> make_subject();

}  // namespace mapfuzz::lmdb
