// SQLite with memory-mapped I/O (PRAGMA mmap_size) as a mapfuzz target: the
// control, a library expected to turn every fault into a clean error.
//
// The harness's byte file is stored as rows, as LMDB's adapter does:
//   pages(k INTEGER PRIMARY KEY, v BLOB)  k = page index, v = that page's
//        bytes (up to 4096, never past the size; a missing page or a short
//        blob reads as zeros)
//   meta(k INTEGER PRIMARY KEY, size INTEGER)  one row, k = 0
// The model's bytes must equal these rows as they survive commit and reopen
// (contract file_is_raw = false).
//
// Journal mode: the default rollback journal (DELETE) with the default
// synchronous=FULL; auto_vacuum=FULL, so that the database file shrinks
// (ftruncate at COMMIT) when the byte file does. It is what most SQLite users run, and it keeps the
// database file the only mapped file: every injected mmap/mremap/munmap fault
// lands on the mmap_size path under test (WAL would add the -shm index, a
// second mapping, and move writes to the -wal file, which is never mapped).
// With mmap_size SQLite reads pages through the map (remapping with mremap as
// the file grows) and writes them with pwrite.
//
//   open    create: unlink path and its -journal/-wal/-shm, sqlite3_open_v2
//           (READWRITE|CREATE), PRAGMA mmap_size, then one transaction
//           creating both tables and storing the size. existing: ENOENT if
//           the file is absent; a database without the tables has size 0.
//   resize  one transaction: delete the pages past the end, cut the last
//           one, store the size; COMMIT.
//   write   one transaction: read-modify-write every page touched; COMMIT.
//   read    one SELECT over the pages touched.
//   sync    xSync(SQLITE_SYNC_FULL) on the database file, reached with
//           sqlite3_file_control(SQLITE_FCNTL_FILE_POINTER): SQLite has no
//           "sync now" call because every COMMIT already syncs; this is the
//           VFS call COMMIT itself makes.
//   close   sqlite3_close_v2 after finalizing every statement.
// On any error inside a transaction the adapter issues ROLLBACK, as SQLite's
// documentation asks of applications after SQLITE_IOERR / SQLITE_FULL.
// Writes and reads past the end fail with EINVAL before SQLite is called.
//
// SQLite errors become errnos in one function, from_sqlite().
//
// MAPFUZZ_AVOID_KNOWN (environment, comma-separated names or "all") steers
// around findings already confirmed (docs/findings/sqlite.md) so that a fuzz
// run can get past them; unset, the library is driven as above.
//   commit-truncate  create the database without auto_vacuum (no ftruncate
//                    after the commit point)
#include <sqlite3.h>
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

#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME "sqlite"
#endif

namespace mapfuzz {
namespace {

constexpr uint64_t kPage = 4096;
// Smaller than the largest database (4 MiB of pages plus b-tree overhead), so
// both the mapped and the pread paths run; larger than most.
constexpr int64_t kMmapSize = 2 << 20;

const char* intern(const std::string& s) {
  static std::set<std::string>* names = new std::set<std::string>;
  return names->insert(s).first->c_str();
}

// The one place where an SQLite result becomes a Status: the errno of the
// failed system call for SQLITE_IOERR_* / SQLITE_CANTOPEN (sqlite3_system_errno), else the
// nearest errno for the result code. The Status names the call and SQLite's
// message.
Status from_sqlite(sqlite3* db, int rc, const char* call) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return {};
  const int primary = rc & 0xff;
  int code = db ? sqlite3_system_errno(db) : 0;
  // SQLite records the errno (sqlite3_system_errno) for IOERR and CANTOPEN
  // only; for other codes it is left over from an earlier error.
  const bool io = primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN;
  if (code <= 0 || !io) {
    switch (primary) {
      case SQLITE_FULL: code = ENOSPC; break;
      case SQLITE_NOMEM: code = ENOMEM; break;
      case SQLITE_PERM:
      case SQLITE_AUTH: code = EACCES; break;
      case SQLITE_READONLY: code = EROFS; break;
      case SQLITE_BUSY:
      case SQLITE_LOCKED: code = EBUSY; break;
      case SQLITE_CANTOPEN: code = ENOENT; break;
      case SQLITE_TOOBIG: code = EFBIG; break;
      case SQLITE_MISUSE:
      case SQLITE_RANGE:
      case SQLITE_MISMATCH:
      case SQLITE_CONSTRAINT: code = EINVAL; break;
      default: code = EIO; break;  // IOERR, CORRUPT, NOTADB, PROTOCOL, ERROR, ...
    }
  }
  const std::string what = std::string(call) + ": " + sqlite3_errstr(rc) + " (" + std::to_string(rc) + ")";
  return Status(code, intern(what));
}

class SqliteSubject final : public Subject {
 public:
  ~SqliteSubject() override { close_db(); }

  Status open(const std::string& path, bool create, uint64_t size) override {
    Status st = open_db(path, create, size);
    if (!st.ok()) close_db();
    return st;
  }

  Status resize(uint64_t n) override {
    return in_txn("resize", [&]() -> int {
      const int64_t keep = static_cast<int64_t>((n + kPage - 1) / kPage);
      if (int rc = exec_bind(del_from_, {keep}); rc != SQLITE_DONE) return rc;
      if (n < size_ && n % kPage != 0) {
        if (int rc = exec_bind(cut_, {static_cast<int64_t>(n % kPage), static_cast<int64_t>(n / kPage)});
            rc != SQLITE_DONE) {
          return rc;
        }
      }
      return exec_bind(set_size_, {static_cast<int64_t>(n)});
    }, n);
  }

  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (offset > size_ || data.size() > size_ - offset) return Status(EINVAL, "bounds");
    if (data.empty()) return {};
    return in_txn("write", [&]() -> int {
      uint64_t at = offset;
      const uint64_t end = offset + data.size();
      while (at < end) {
        const uint64_t p = at / kPage, page_start = p * kPage;
        const uint64_t page_len = std::min(kPage, size_ - page_start);
        page_.assign(page_len, 0);
        sqlite3_reset(get_);
        sqlite3_bind_int64(get_, 1, static_cast<int64_t>(p));
        int rc = sqlite3_step(get_);
        if (rc == SQLITE_ROW) {
          const void* b = sqlite3_column_blob(get_, 0);
          const uint64_t n = static_cast<uint64_t>(sqlite3_column_bytes(get_, 0));
          if (b) std::memcpy(page_.data(), b, std::min(n, page_len));
        } else if (rc != SQLITE_DONE) {
          sqlite3_reset(get_);
          return rc;
        }
        sqlite3_reset(get_);
        const uint64_t chunk = std::min(end, page_start + page_len) - at;
        std::memcpy(page_.data() + (at - page_start), data.data() + (at - offset), chunk);
        sqlite3_reset(put_);
        sqlite3_bind_int64(put_, 1, static_cast<int64_t>(p));
        sqlite3_bind_blob(put_, 2, page_.data(), static_cast<int>(page_.size()), SQLITE_STATIC);
        rc = sqlite3_step(put_);
        sqlite3_reset(put_);
        if (rc != SQLITE_DONE) return rc;
        at += chunk;
      }
      return SQLITE_DONE;
    }, size_);
  }

  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    *got = 0;
    if (offset > size_ || out.size() > size_ - offset) return Status(EINVAL, "bounds");
    if (out.empty()) return {};
    std::memset(out.data(), 0, out.size());
    const uint64_t end = offset + out.size();
    sqlite3_reset(range_);
    sqlite3_bind_int64(range_, 1, static_cast<int64_t>(offset / kPage));
    sqlite3_bind_int64(range_, 2, static_cast<int64_t>((end - 1) / kPage));
    int rc;
    while ((rc = sqlite3_step(range_)) == SQLITE_ROW) {
      const uint64_t page_start = static_cast<uint64_t>(sqlite3_column_int64(range_, 0)) * kPage;
      const auto* b = static_cast<const uint8_t*>(sqlite3_column_blob(range_, 1));
      const uint64_t n = static_cast<uint64_t>(sqlite3_column_bytes(range_, 1));
      const uint64_t lo = std::max(offset, page_start), hi = std::min(end, page_start + n);
      if (b && lo < hi) std::memcpy(out.data() + (lo - offset), b + (lo - page_start), hi - lo);
    }
    sqlite3_reset(range_);
    if (rc != SQLITE_DONE) return from_sqlite(db_, rc, "sqlite3_step(SELECT)");
    *got = out.size();
    return {};
  }

  Status sync(uint64_t, uint64_t) override {
    sqlite3_file* file = nullptr;
    const int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_FILE_POINTER, &file);
    if (rc != SQLITE_OK) return from_sqlite(db_, rc, "sqlite3_file_control");
    if (file == nullptr || file->pMethods == nullptr) return Status(EBADF, "sqlite3_file");
    return from_sqlite(db_, file->pMethods->xSync(file, SQLITE_SYNC_FULL), "xSync");
  }

  Status close() override {
    const int rc = close_db();
    return from_sqlite(nullptr, rc, "sqlite3_close_v2");
  }

  uint64_t size() const override { return db_ ? size_ : 0; }

 private:
  int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

  // Binds `args` to `stmt`, steps it once and resets it.
  int exec_bind(sqlite3_stmt* stmt, std::initializer_list<int64_t> args) {
    sqlite3_reset(stmt);
    int i = 1;
    for (int64_t a : args) sqlite3_bind_int64(stmt, i++, a);
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc;
  }

  // BEGIN IMMEDIATE, `body` (SQLITE_DONE on success), COMMIT; ROLLBACK on
  // any error. On success the size is `size_after`.
  template <typename Body>
  Status in_txn(const char* what, Body&& body, uint64_t size_after) {
    if (int rc = exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
      return from_sqlite(db_, rc, intern(std::string(what) + ": BEGIN"));
    }
    int rc = body();
    const char* call = "statement";
    if (rc == SQLITE_DONE) {
      rc = exec("COMMIT");
      call = "COMMIT";
    }
    if (rc == SQLITE_OK || rc == SQLITE_DONE) {
      size_ = size_after;
      return {};
    }
    Status st = from_sqlite(db_, rc, intern(std::string(what) + ": " + call));
    if (!sqlite3_get_autocommit(db_)) (void)exec("ROLLBACK");
    return st;
  }

  int prepare(const char* sql, sqlite3_stmt** stmt) { return sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr); }

  Status prepare_all() {
    struct {
      const char* sql;
      sqlite3_stmt** stmt;
    } const all[] = {
        {"SELECT v FROM pages WHERE k = ?1", &get_},
        {"INSERT OR REPLACE INTO pages(k, v) VALUES (?1, ?2)", &put_},
        {"SELECT k, v FROM pages WHERE k BETWEEN ?1 AND ?2 ORDER BY k", &range_},
        {"DELETE FROM pages WHERE k >= ?1", &del_from_},
        {"UPDATE pages SET v = substr(v, 1, ?1) WHERE k = ?2", &cut_},
        {"INSERT OR REPLACE INTO meta(k, size) VALUES (0, ?1)", &set_size_},
    };
    for (const auto& s : all) {
      if (int rc = prepare(s.sql, s.stmt); rc != SQLITE_OK) return from_sqlite(db_, rc, "sqlite3_prepare_v2");
    }
    return {};
  }

  Status open_db(const std::string& path, bool create, uint64_t size) {
    if (create) {
      for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
    } else {
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) return Status::from_errno("stat");
    }
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
      return from_sqlite(db_, rc, "sqlite3_open_v2");
    }
    sqlite3_extended_result_codes(db_, 1);
    // SQLITE_OPEN_READWRITE opens read-only when the OS refuses write access
    // (documented); the harness asked for read-write: report the refusal.
    if (sqlite3_db_readonly(db_, "main") == 1) return Status(EACCES, "sqlite3_open_v2: opened read-only");
    const std::string pragma = "PRAGMA mmap_size=" + std::to_string(kMmapSize);
    if (int rc = exec(pragma.c_str()); rc != SQLITE_OK) return from_sqlite(db_, rc, "PRAGMA mmap_size");
    const char* schema =
        "CREATE TABLE IF NOT EXISTS pages(k INTEGER PRIMARY KEY, v BLOB NOT NULL);"
        "CREATE TABLE IF NOT EXISTS meta(k INTEGER PRIMARY KEY, size INTEGER NOT NULL);";
    if (create) {
      // Before the first table: freed pages are given back at COMMIT, so a
      // shrinking database is ftruncate()d (and its map shrunk) too.
      if (!avoid_known_finding("commit-truncate")) {
        if (int rc = exec("PRAGMA auto_vacuum=FULL"); rc != SQLITE_OK) return from_sqlite(db_, rc, "PRAGMA auto_vacuum");
      }
      if (int rc = exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) return from_sqlite(db_, rc, "create: BEGIN");
      int rc = exec(schema);
      if (rc == SQLITE_OK) {
        const std::string set = "INSERT OR REPLACE INTO meta(k, size) VALUES (0, " + std::to_string(size) + ")";
        rc = exec(set.c_str());
      }
      if (rc == SQLITE_OK) rc = exec("COMMIT");
      if (rc != SQLITE_OK) {
        Status st = from_sqlite(db_, rc, "create: schema");
        if (!sqlite3_get_autocommit(db_)) (void)exec("ROLLBACK");
        return st;
      }
      size_ = size;
      return prepare_all();
    }
    // An existing database: its size, or 0 without the tables.
    sqlite3_stmt* q = nullptr;
    int rc = prepare("SELECT size FROM meta WHERE k = 0", &q);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(q);
      if (rc != SQLITE_ERROR) return from_sqlite(db_, rc, "SELECT size");
      // "no such table": a database that never got its schema.
      if (int r = exec(schema); r != SQLITE_OK) return from_sqlite(db_, r, "CREATE TABLE");
      size_ = 0;
      return prepare_all();
    }
    rc = sqlite3_step(q);
    size_ = rc == SQLITE_ROW ? static_cast<uint64_t>(sqlite3_column_int64(q, 0)) : 0;
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return from_sqlite(db_, rc, "SELECT size");
    return prepare_all();
  }

  int close_db() {
    for (sqlite3_stmt** s : {&get_, &put_, &range_, &del_from_, &cut_, &set_size_}) {
      sqlite3_finalize(*s);
      *s = nullptr;
    }
    const int rc = db_ ? sqlite3_close_v2(db_) : SQLITE_OK;
    db_ = nullptr;
    size_ = 0;
    return rc;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* range_ = nullptr;
  sqlite3_stmt* del_from_ = nullptr;
  sqlite3_stmt* cut_ = nullptr;
  sqlite3_stmt* set_size_ = nullptr;
  uint64_t size_ = 0;
  std::vector<uint8_t> page_;
};

std::unique_ptr<Subject> make_subject() { return std::make_unique<SqliteSubject>(); }

}  // namespace

const Target& this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          .write_past_end = PastEnd::kFails,
          .read_past_end = PastEnd::kFails,
          .opens_empty_file = true,
          .resizes_to_zero = true,
          // xSync syncs the whole database file.
          .syncs_ranges = false,
          .file_is_raw = false,
          // The unix VFS's fcntl lock bytes: PENDING (0x40000000), RESERVED
          // and the SHARED range (510 bytes). A write takes RESERVED, then
          // PENDING and all of SHARED exclusively; another process's lock on
          // any of them makes it fail with SQLITE_BUSY (no busy timeout).
          .locks = {.promise = LockPromise::kErrors, .offset = 0x40000000, .length = 512},
      },
      &make_subject,
  };
  return target;
}

}  // namespace mapfuzz
