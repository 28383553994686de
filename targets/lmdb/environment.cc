#include "targets/lmdb/environment.h"

#include <sys/stat.h>
#include <unistd.h>

#include "harness/known_findings.h"
#include "targets/lmdb/mdb_status.h"
#include "targets/lmdb/records.h"

#ifndef MAPFUZZ_LMDB_WRITEMAP
#define MAPFUZZ_LMDB_WRITEMAP 0
#endif

namespace mapfuzz::lmdb {
namespace {

constexpr unsigned kEnvFlags = MDB_NOSUBDIR | MDB_NOTLS | (MAPFUZZ_LMDB_WRITEMAP ? MDB_WRITEMAP : 0);

uint64_t map_size_for(uint64_t size) {
  const uint64_t mib = 1 << 20;
  return (4 * size + 2 * mib + mib - 1) / mib * mib;
}

}  // namespace

Status Environment::open(const std::string& path, bool create, uint64_t size) {
  path_ = path;
  Status st = open_env(create, size);
  if (!st.ok()) shut_down();
  return st;
}

void Environment::close() {
  shut_down();
  size_ = 0;
}

Status Environment::revive() {
  if (env_ && !fatal_) return {};
  shut_down();
  const uint64_t size = size_;
  Status st = open_env(false, 0);
  if (!st.ok()) {
    shut_down();
    size_ = size;
  }
  return st;
}

Status Environment::grow_map_for(uint64_t size) {
  const uint64_t want = map_size_for(size);
  if (want > map_size_) {
    if (Status st = track(mdb_env_set_mapsize(env_, want), "mdb_env_set_mapsize"); !st.ok()) {
      // LMDB unmapped the old map before the call failed and keeps pointers
      // into it: the next txn would crash (docs/findings/lmdb.md).
      if (avoid_known_finding("set-mapsize-failure")) fatal_ = true;
      return st;
    }
    map_size_ = want;
  }
  return {};
}

Status Environment::begin(unsigned flags, MDB_txn** txn) {
  int rc = mdb_txn_begin(env_, nullptr, flags, txn);
  if (rc == MDB_PANIC) {
    fatal_ = true;
    if (Status st = revive(); !st.ok()) return st;
    rc = mdb_txn_begin(env_, nullptr, flags, txn);
  }
  return track(rc, "mdb_txn_begin");
}

Status Environment::sync() { return track(mdb_env_sync(env_, 1), "mdb_env_sync"); }

Status Environment::track(int rc, const char* call) {
  if (rc == MDB_PANIC) fatal_ = true;
  return from_mdb(rc, call);
}

Status Environment::finish_write_txn(MDB_txn* txn, const char* what, int body_rc, uint64_t size_after) {
  if (body_rc != MDB_SUCCESS) {
    mdb_txn_abort(txn);
    return track(body_rc, intern(std::string(what) + ": mdb_put/mdb_del"));
  }
  if (Status st = track(mdb_txn_commit(txn), "mdb_txn_commit"); !st.ok()) {
    // Did the failure leave the environment fatal? Then shut it down and
    // open it again now, while the failed call is still running.
    MDB_txn* probe = nullptr;
    if (!fatal_ && mdb_txn_begin(env_, nullptr, MDB_RDONLY, &probe) == MDB_SUCCESS) {
      mdb_txn_abort(probe);
    } else {
      fatal_ = true;
      // A second try if the first one failed: a fault that fired once is
      // spent, and the environment is usable again before the call returns.
      if (!revive().ok()) (void)revive();
    }
    return st;
  }
  size_ = size_after;
  return {};
}

void Environment::shut_down() {
  if (env_) mdb_env_close(env_);
  env_ = nullptr;
  map_size_ = 0;
  fatal_ = false;
}

Status Environment::open_env(bool create, uint64_t size) {
  const std::string lock = path_ + "-lock";
  if (create) {
    ::unlink(path_.c_str());
    ::unlink(lock.c_str());
  } else {
    struct stat st;
    if (::stat(path_.c_str(), &st) != 0) return Status::from_errno("stat");
  }
  if (Status st = from_mdb(mdb_env_create(&env_), "mdb_env_create"); !st.ok()) return st;
  if (create) {  // an existing environment keeps the map size stored in it
    map_size_ = map_size_for(size);
    if (Status st = from_mdb(mdb_env_set_mapsize(env_, map_size_), "mdb_env_set_mapsize"); !st.ok()) return st;
  }
  if (Status st = from_mdb(mdb_env_open(env_, path_.c_str(), kEnvFlags, 0644), "mdb_env_open"); !st.ok()) {
    return st;
  }
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) == MDB_SUCCESS) map_size_ = info.me_mapsize;
  MDB_txn* txn = nullptr;
  if (Status st = from_mdb(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin"); !st.ok()) return st;
  if (Status st = from_mdb(mdb_dbi_open(txn, nullptr, 0, &dbi_), "mdb_dbi_open"); !st.ok()) {
    mdb_txn_abort(txn);
    return st;
  }
  if (create) {
    if (Status st = from_mdb(put_size(txn, dbi_, size), "mdb_put"); !st.ok()) {
      mdb_txn_abort(txn);
      return st;
    }
    if (Status st = from_mdb(mdb_txn_commit(txn), "mdb_txn_commit"); !st.ok()) return st;
    size_ = size;
    return {};
  }
  if (Status st = get_size(txn, dbi_, &size_); !st.ok()) {
    mdb_txn_abort(txn);
    return st;
  }
  mdb_txn_abort(txn);
  if (map_size_for(size_) > map_size_) {
    if (Status st = from_mdb(mdb_env_set_mapsize(env_, map_size_for(size_)), "mdb_env_set_mapsize"); !st.ok()) {
      return st;
    }
    map_size_ = map_size_for(size_);
  }
  return {};
}

}  // namespace mapfuzz::lmdb
