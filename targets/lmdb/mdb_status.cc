#include "targets/lmdb/mdb_status.h"

#include <lmdb.h>

#include <cerrno>
#include <set>

namespace mapfuzz::lmdb {

const char* intern(const std::string& s) {
  static std::set<std::string>* names = new std::set<std::string>;
  return names->insert(s).first->c_str();
}

Status from_mdb(int rc, const char* call) {
  if (rc == MDB_SUCCESS) return {};
  if (rc > 0) return Status::from_code(rc, call);
  int code = EIO;
  const char* name = "MDB_ERROR";
  switch (rc) {
    case MDB_MAP_FULL: code = ENOSPC; name = "MDB_MAP_FULL"; break;
    case MDB_NOTFOUND: code = ENOENT; name = "MDB_NOTFOUND"; break;
    case MDB_KEYEXIST: code = EEXIST; name = "MDB_KEYEXIST"; break;
    case MDB_PAGE_NOTFOUND: code = EIO; name = "MDB_PAGE_NOTFOUND"; break;
    case MDB_CORRUPTED: code = EIO; name = "MDB_CORRUPTED"; break;
    case MDB_PANIC: code = EIO; name = "MDB_PANIC"; break;
    case MDB_VERSION_MISMATCH: code = EINVAL; name = "MDB_VERSION_MISMATCH"; break;
    case MDB_INVALID: code = EINVAL; name = "MDB_INVALID"; break;
    case MDB_DBS_FULL: code = ENOMEM; name = "MDB_DBS_FULL"; break;
    case MDB_READERS_FULL: code = EAGAIN; name = "MDB_READERS_FULL"; break;
    case MDB_TLS_FULL: code = ENOMEM; name = "MDB_TLS_FULL"; break;
    case MDB_TXN_FULL: code = ENOMEM; name = "MDB_TXN_FULL"; break;
    case MDB_CURSOR_FULL: code = ENOMEM; name = "MDB_CURSOR_FULL"; break;
    case MDB_PAGE_FULL: code = ENOMEM; name = "MDB_PAGE_FULL"; break;
    case MDB_MAP_RESIZED: code = EAGAIN; name = "MDB_MAP_RESIZED"; break;
    case MDB_INCOMPATIBLE: code = EINVAL; name = "MDB_INCOMPATIBLE"; break;
    case MDB_BAD_RSLOT: code = EINVAL; name = "MDB_BAD_RSLOT"; break;
    case MDB_BAD_TXN: code = EINVAL; name = "MDB_BAD_TXN"; break;
    case MDB_BAD_VALSIZE: code = EINVAL; name = "MDB_BAD_VALSIZE"; break;
    case MDB_BAD_DBI: code = EINVAL; name = "MDB_BAD_DBI"; break;
    default: break;
  }
  return Status(code, intern(std::string(call) + ": " + name));
}

}  // namespace mapfuzz::lmdb
