/* SQLite, the control: every other fault injected on the database file is a
 * clean error. For each fault, one transaction updates every row; afterwards
 * either COMMIT succeeded and a new connection reads the new rows, or it
 * failed and a new connection reads the old rows, and PRAGMA integrity_check
 * says ok. (The one exception, a failed ftruncate after the commit point with
 * auto_vacuum, is commit_truncate_failure_after_commit_point.c.)
 *
 *   LD_PRELOAD=fail_shim.so faults_are_clean_errors
 *     -> 0 (every fault clean), 1 (a fault left a wrong state)
 */
#include "../repro.h"  /* first: it defines _GNU_SOURCE */

#include <sqlite3.h>

/* The text of the first column of the first row of sql on a new connection. */
static void query(const char *path, const char *sql, char *out, size_t size) {
  sqlite3 *db;
  sqlite3_stmt *st;
  snprintf(out, size, "(error)");
  if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
}

int main(void) {
  static const char *faults[] = {"pwrite:1:ENOSPC", "pwrite:3:EIO", "fdatasync:1:EIO",
                                 "fdatasync:1:ENOSPC", "mremap:1:ENOMEM"};
  char path[4200];
  snprintf(path, sizeof path, "%s/data.db", repro_scratch_dir());
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK ||
      sqlite3_exec(db,
                   "PRAGMA mmap_size=1048576; CREATE TABLE t(v INTEGER, x BLOB);"
                   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<16)"
                   " INSERT INTO t SELECT 0, zeroblob(4000) FROM n;",
                   NULL, NULL, NULL) != SQLITE_OK)
    return REPRO_SETUP;

  int all_clean = 1;
  long fired = 0;
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
    char before[64], after[64], check[64], sql[160];
    query(path, "SELECT group_concat(DISTINCT v) FROM t", before, sizeof before);
    /* Each update grows the table by 16 pages, so the map grows (mremap). */
    snprintf(sql, sizeof sql,
             "BEGIN; UPDATE t SET v = v + 1;"
             " INSERT INTO t SELECT v, zeroblob(4000) FROM t LIMIT 16; COMMIT;");
    repro_arm(faults[i], "/data.db");
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    unsetenv("REPRO_FAIL");
    const long now = repro_shim_failures();
    const int this_fired = now > fired;
    fired = now;
    query(path, "SELECT group_concat(DISTINCT v) FROM t", after, sizeof after);
    query(path, "PRAGMA integrity_check", check, sizeof check);
    const int clean = strcmp(check, "ok") == 0 &&
                      (rc == SQLITE_OK ? strcmp(after, before) != 0 : strcmp(after, before) == 0);
    printf("%-20s %s: %-26s v %s -> %s, integrity %s: %s\n", faults[i],
           this_fired ? "fired" : "did not fire", sqlite3_errstr(rc), before, after, check,
           clean ? "clean" : "NOT CLEAN");
    if (!this_fired) return REPRO_SETUP;
    all_clean &= clean;
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  }
  sqlite3_close(db);
  return all_clean ? REPRO_FIXED : REPRO_FOUND;
}
