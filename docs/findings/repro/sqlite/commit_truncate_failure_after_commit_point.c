/* SQLite with auto_vacuum=FULL: a COMMIT that frees pages shrinks the
 * database file with ftruncate in pager_end_transaction, after the rollback
 * journal is deleted (the commit point). When that ftruncate fails, COMMIT
 * returns SQLITE_IOERR_TRUNCATE, yet the transaction is committed:
 * sqlite3_get_autocommit() reports no open transaction and a new connection
 * reads the new contents. The database is intact; the error code says the
 * commit failed when it did not.
 *
 *   LD_PRELOAD=fail_shim.so commit_truncate_failure_after_commit_point
 *     -> 1 (COMMIT failed but is committed), 0 (the failed COMMIT left the data)
 */
#include "../repro.h"  /* first: it defines _GNU_SOURCE */

#include <sqlite3.h>

static int count_rows(const char *path) {
  sqlite3 *db;
  sqlite3_stmt *st;
  int n = -1;
  if (sqlite3_open(path, &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

int main(void) {
  char path[4200];
  snprintf(path, sizeof path, "%s/data.db", repro_scratch_dir());
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK ||
      sqlite3_exec(db,
                   "PRAGMA auto_vacuum=FULL; PRAGMA mmap_size=1048576;"
                   "CREATE TABLE t(x BLOB);"
                   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<16)"
                   " INSERT INTO t SELECT zeroblob(4000) FROM n;",
                   NULL, NULL, NULL) != SQLITE_OK)
    return REPRO_SETUP;
  printf("16 rows of 4000 bytes; file %lld bytes\n", repro_file_size(path));

  sqlite3_exec(db, "BEGIN; DELETE FROM t;", NULL, NULL, NULL);
  repro_arm("ftruncate:1:EIO", "/data.db");
  int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  repro_expect_failures(1);
  unsetenv("REPRO_FAIL");
  printf("COMMIT of DELETE FROM t with ftruncate failing: %s (extended code %d)\n",
         sqlite3_errstr(rc), sqlite3_extended_errcode(db));
  printf("sqlite3_get_autocommit: %d (1: no transaction open)\n", sqlite3_get_autocommit(db));
  const int rows = count_rows(path);
  printf("a new connection counts %d rows; file %lld bytes\n", rows, repro_file_size(path));
  sqlite3_close(db);
  if (rc == SQLITE_OK) return REPRO_SETUP;
  return rows == 0 ? REPRO_FOUND : REPRO_FIXED;
}
