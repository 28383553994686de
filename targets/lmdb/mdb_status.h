// LMDB return codes as mapfuzz Status values: the one place where they are
// translated.
#pragma once

#include <string>

#include "harness/status.h"

namespace mapfuzz::lmdb {

// MDB_SUCCESS → success. Positive codes are errnos already and keep `call`
// as the call's name; LMDB's own (negative) codes map to the nearest errno
// (MDB_MAP_FULL → ENOSPC, MDB_NOTFOUND → ENOENT, ..., unknown → EIO) and the
// Status names "<call>: <MDB_NAME>".
Status from_mdb(int rc, const char* call);

// `s` as a string that lives as long as the program (Status keeps a plain
// pointer to its call name).
const char* intern(const std::string& s);

}  // namespace mapfuzz::lmdb
