// LMDB as a mapfuzz target: the file as LMDB sees it, a key/value store.
// Built twice from this file: `lmdb` (the default mode: LMDB writes pages
// with pwrite/writev, the map is read-only) and `lmdb_writemap`
// (MAPFUZZ_LMDB_WRITEMAP=1: MDB_WRITEMAP, pages written in the shared map and
// made durable with msync).
//
// The harness's byte file is stored as records: key = page index as a
// big-endian u64 (8 bytes), value = that page's bytes (up to 4096, never past
// the size; a missing page or a short value reads as zeros), and the size
// under the 4-byte key "size". The model's bytes must equal these records as
// they survive commit and reopen (contract file_is_raw = false: the oracle
// reads them back through a fresh instance).
//
//   open    create: unlink path and path-lock, then mdb_env_create,
//           mdb_env_set_mapsize, mdb_env_open(path, MDB_NOSUBDIR | MDB_NOTLS
//           [| MDB_WRITEMAP], 0644) and one write txn storing the size.
//           existing: the same on the existing file (ENOENT if absent; a
//           store without a size record has size 0).
//   resize  one write txn: delete the pages past the end, cut the last one,
//           store the size; commit.
//   write   one write txn: read-modify-write every page touched; commit.
//   read    one read-only txn: get every page touched.
//   sync    mdb_env_sync(env, 1).
//   close   mdb_env_close (reports nothing).
// Writes and reads past the end fail with EINVAL before LMDB is called (the
// adapter's bounds, as the byte file has them).
//
// The map size follows the size: at least 4 x size + 2 MiB, rounded to 1 MiB
// (a 4096-byte value takes two LMDB pages, and copy-on-write keeps the old
// ones until the next txn); a resize that needs more calls
// mdb_env_set_mapsize on the open environment first (LMDB remaps, and in
// WRITEMAP mode grows the file to the map size with ftruncate).
//
// After MDB_PANIC ("a fatal error occurred earlier and the environment must
// be shut down") the environment is closed and opened again, as an LMDB user
// must: before the next call, or when mdb_txn_begin reports it (a commit that
// failed writing the meta page returns the write's errno, not MDB_PANIC, and
// leaves the environment fatal).
//
// LMDB errors become errnos in one function, from_mdb().
//
// MAPFUZZ_AVOID_KNOWN (environment, comma-separated names or "all") steers
// around findings already confirmed (docs/findings/lmdb.md) so that a fuzz
// run can get past them; unset, the library is driven as above.
//   set-mapsize-failure  after mdb_env_set_mapsize fails, shut the
//                        environment down and open it again before the next
//                        call (as after MDB_PANIC)
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "harness/known_findings.h"
#include "harness/subject.h"

#ifndef MAPFUZZ_LMDB_WRITEMAP
#define MAPFUZZ_LMDB_WRITEMAP 0
#endif
#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME (MAPFUZZ_LMDB_WRITEMAP ? "lmdb_writemap" : "lmdb")
#endif

namespace mapfuzz {
namespace {

constexpr uint64_t kPage = 4096;
constexpr char kSizeKey[] = "size";
constexpr unsigned kEnvFlags = MDB_NOSUBDIR | MDB_NOTLS | (MAPFUZZ_LMDB_WRITEMAP ? MDB_WRITEMAP : 0);

// "<call>: <LMDB error name>" as a string that lives as long as the program.
const char* intern(const std::string& s) {
  static std::set<std::string>* names = new std::set<std::string>;
  return names->insert(s).first->c_str();
}

// The one place where an LMDB return code becomes a Status. Positive codes
// are errnos already; LMDB's own (negative) codes map to the nearest errno.
Status from_mdb(int rc, const char* call) {
  if (rc == MDB_SUCCESS) return {};
  if (rc > 0) return Status(rc, call);
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

uint64_t map_size_for(uint64_t size) {
  const uint64_t mib = 1 << 20;
  return (4 * size + 2 * mib + mib - 1) / mib * mib;
}

void page_key(uint64_t page, uint8_t out[8]) {
  for (int i = 7; i >= 0; --i, page >>= 8) out[i] = static_cast<uint8_t>(page);
}

class LmdbSubject final : public Subject {
 public:
  ~LmdbSubject() override { close_env(); }

  Status open(const std::string& path, bool create, uint64_t size) override {
    path_ = path;
    Status st = open_env(create, size);
    if (!st.ok()) {
      close_env();
      return st;
    }
    open_ = true;
    return {};
  }

  Status resize(uint64_t n) override {
    if (Status st = revive(); !st.ok()) return st;
    const uint64_t want = map_size_for(n);
    if (want > map_size_) {
      if (Status st = track(mdb_env_set_mapsize(env_, want), "mdb_env_set_mapsize"); !st.ok()) {
        // LMDB unmapped the old map before the call failed and keeps pointers
        // into it: the next txn would crash (docs/findings/lmdb.md).
        if (avoid_known_finding("set-mapsize-failure")) fatal_ = true;
        return st;
      }
      map_size_ = want;
    }
    return in_write_txn("resize", [&](MDB_txn* txn) -> int {
      const uint64_t keep = (n + kPage - 1) / kPage;  // pages that stay
      for (uint64_t p = keep; p < (size_ + kPage - 1) / kPage; ++p) {
        uint8_t k[8];
        page_key(p, k);
        MDB_val key{8, k};
        const int rc = mdb_del(txn, dbi_, &key, nullptr);
        if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return rc;
      }
      if (n < size_ && n % kPage != 0) {  // cut the new last page
        uint8_t k[8];
        page_key(n / kPage, k);
        MDB_val key{8, k}, val;
        const int rc = mdb_get(txn, dbi_, &key, &val);
        if (rc == MDB_SUCCESS && val.mv_size > n % kPage) {
          std::vector<uint8_t> cut(static_cast<const uint8_t*>(val.mv_data),
                                   static_cast<const uint8_t*>(val.mv_data) + n % kPage);
          MDB_val nv{cut.size(), cut.data()};
          if (const int r = mdb_put(txn, dbi_, &key, &nv, 0); r != MDB_SUCCESS) return r;
        } else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
          return rc;
        }
      }
      return put_size(txn, n);
    }, n);
  }

  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (offset > size_ || data.size() > size_ - offset) return Status(EINVAL, "bounds");
    if (Status st = revive(); !st.ok()) return st;
    if (data.empty()) return {};
    return in_write_txn("write", [&](MDB_txn* txn) -> int {
      uint64_t at = offset;
      const uint64_t end = offset + data.size();
      while (at < end) {
        const uint64_t p = at / kPage, page_start = p * kPage;
        const uint64_t page_len = std::min(kPage, size_ - page_start);
        page_.assign(page_len, 0);
        uint8_t k[8];
        page_key(p, k);
        MDB_val key{8, k}, val;
        const int rc = mdb_get(txn, dbi_, &key, &val);
        if (rc == MDB_SUCCESS) {
          std::memcpy(page_.data(), val.mv_data, std::min<uint64_t>(val.mv_size, page_len));
        } else if (rc != MDB_NOTFOUND) {
          return rc;
        }
        const uint64_t chunk = std::min(end, page_start + page_len) - at;
        std::memcpy(page_.data() + (at - page_start), data.data() + (at - offset), chunk);
        MDB_val nv{page_.size(), page_.data()};
        if (const int r = mdb_put(txn, dbi_, &key, &nv, 0); r != MDB_SUCCESS) return r;
        at += chunk;
      }
      return MDB_SUCCESS;
    }, size_);
  }

  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    *got = 0;
    if (offset > size_ || out.size() > size_ - offset) return Status(EINVAL, "bounds");
    if (Status st = revive(); !st.ok()) return st;
    if (out.empty()) return {};
    MDB_txn* txn = nullptr;
    if (Status st = begin(MDB_RDONLY, &txn); !st.ok()) return st;
    std::memset(out.data(), 0, out.size());
    uint64_t at = offset;
    const uint64_t end = offset + out.size();
    while (at < end) {
      const uint64_t p = at / kPage, page_start = p * kPage;
      const uint64_t chunk = std::min(end, page_start + kPage) - at;
      uint8_t k[8];
      page_key(p, k);
      MDB_val key{8, k}, val;
      const int rc = mdb_get(txn, dbi_, &key, &val);
      if (rc == MDB_SUCCESS) {
        const uint64_t in_page = at - page_start;
        if (val.mv_size > in_page) {
          std::memcpy(out.data() + (at - offset), static_cast<const uint8_t*>(val.mv_data) + in_page,
                      std::min<uint64_t>(chunk, val.mv_size - in_page));
        }
      } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return track(rc, "mdb_get");
      }
      at += chunk;
    }
    mdb_txn_abort(txn);
    *got = out.size();
    return {};
  }

  Status sync(uint64_t, uint64_t) override {
    if (Status st = revive(); !st.ok()) return st;
    return track(mdb_env_sync(env_, 1), "mdb_env_sync");
  }

  Status close() override {
    close_env();
    open_ = false;
    size_ = 0;
    return {};
  }

  uint64_t size() const override { return open_ ? size_ : 0; }

 private:
  // Remembers MDB_PANIC so that the next call starts from a fresh environment.
  Status track(int rc, const char* call) {
    if (rc == MDB_PANIC) fatal_ = true;
    return from_mdb(rc, call);
  }

  // mdb_txn_begin. A failed commit may have left the environment in LMDB's
  // fatal state without saying so (it returns the errno of the failed write);
  // the next mdb_txn_begin says MDB_PANIC: shut down, open again, retry once.
  Status begin(unsigned flags, MDB_txn** txn) {
    int rc = mdb_txn_begin(env_, nullptr, flags, txn);
    if (rc == MDB_PANIC) {
      fatal_ = true;
      if (Status st = revive(); !st.ok()) return st;
      rc = mdb_txn_begin(env_, nullptr, flags, txn);
    }
    return track(rc, "mdb_txn_begin");
  }

  // The environment to work in: after MDB_PANIC (or a failed revival) a
  // fresh one on the same file.
  Status revive() {
    if (env_ && !fatal_) return {};
    close_env();
    const uint64_t size = size_;
    Status st = open_env(false, 0);
    if (!st.ok()) {
      close_env();
      size_ = size;
    }
    return st;
  }

  void close_env() {
    if (env_) mdb_env_close(env_);
    env_ = nullptr;
    map_size_ = 0;
    fatal_ = false;
  }

  int put_size(MDB_txn* txn, uint64_t n) {
    MDB_val key{4, const_cast<char*>(kSizeKey)};
    MDB_val val{sizeof n, &n};
    return mdb_put(txn, dbi_, &key, &val, 0);
  }

  // Runs `body` in a write txn and commits; on success the size is `size_after`.
  template <typename Body>
  Status in_write_txn(const char* what, Body&& body, uint64_t size_after) {
    MDB_txn* txn = nullptr;
    if (Status st = begin(0, &txn); !st.ok()) return st;
    if (const int rc = body(txn); rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return track(rc, intern(std::string(what) + ": mdb_put/mdb_del"));
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

  Status open_env(bool create, uint64_t size) {
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
      if (Status st = from_mdb(put_size(txn, size), "mdb_put"); !st.ok()) {
        mdb_txn_abort(txn);
        return st;
      }
      if (Status st = from_mdb(mdb_txn_commit(txn), "mdb_txn_commit"); !st.ok()) return st;
      size_ = size;
      return {};
    }
    MDB_val key{4, const_cast<char*>(kSizeKey)}, val;
    const int rc = mdb_get(txn, dbi_, &key, &val);
    if (rc == MDB_SUCCESS && val.mv_size == sizeof(uint64_t)) {
      std::memcpy(&size_, val.mv_data, sizeof size_);
    } else if (rc == MDB_NOTFOUND) {
      size_ = 0;
    } else {
      mdb_txn_abort(txn);
      return rc == MDB_SUCCESS ? Status(EIO, "size record") : from_mdb(rc, "mdb_get");
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

  std::string path_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  uint64_t size_ = 0;
  uint64_t map_size_ = 0;
  bool open_ = false;   // open as the harness sees it (env_ may be lost after MDB_PANIC)
  bool fatal_ = false;  // MDB_PANIC seen: env_ must be shut down
  std::vector<uint8_t> page_;
};

std::unique_ptr<Subject> make_subject() { return std::make_unique<LmdbSubject>(); }

}  // namespace

const Target& this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          .write_past_end = PastEnd::kFails,
          .read_past_end = PastEnd::kFails,
          .opens_empty_file = true,
          .resizes_to_zero = true,
          // mdb_env_sync syncs the whole environment.
          .syncs_ranges = false,
          // The lock file is grown with ftruncate and initialised through its
          // mapping: on a full disk mdb_env_open dies of SIGBUS
          // (docs/findings/lmdb.md); counted as a hazard so fuzzing goes on.
          .allocates_on_growth = false,
          .file_is_raw = false,
      },
      &make_subject,
  };
  return target;
}

}  // namespace mapfuzz
