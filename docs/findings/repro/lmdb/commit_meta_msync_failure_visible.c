/* LMDB with MDB_WRITEMAP: mdb_txn_commit syncs the data pages (msync), then
 * mdb_env_write_meta stores the new meta page into the map and msyncs it.
 * When that msync fails, the commit returns the error (and the environment is
 * then MDB_PANIC), but the new meta page is already in the map, so the
 * "failed" transaction is committed: reopening the environment reads it.
 *
 *   LD_PRELOAD=fail_shim.so commit_meta_msync_failure_visible
 *     -> 1 (the failed commit is visible after reopening), 0 (the old value)
 */
#include "../repro.h"  /* first: it defines _GNU_SOURCE */

#include <lmdb.h>

/* Opens path, puts key=value in one transaction, returns the commit's code. */
static int put(const char *path, const char *value, const char *fault) {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_val key = {1, "k"}, val = {strlen(value), (void *)value};
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, 64 * 1024);
  if (mdb_env_open(env, path, MDB_NOSUBDIR | MDB_WRITEMAP, 0644) ||
      mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, NULL, 0, &dbi) ||
      mdb_put(txn, dbi, &key, &val, 0))
    exit(REPRO_SETUP);
  if (fault) repro_arm(fault, "/data.mdb");
  int rc = mdb_txn_commit(txn);
  unsetenv("REPRO_FAIL");
  mdb_env_close(env);
  return rc;
}

int main(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/data.mdb", repro_scratch_dir());
  if (put(path, "old", NULL) != 0) return REPRO_SETUP;
  /* The commit's first msync is the data pages', the second the meta page's. */
  int rc = put(path, "new", "msync:2:EIO");
  repro_expect_failures(1);
  printf("commit of k=new with the meta page's msync failing: %s\n", mdb_strerror(rc));
  if (rc == 0) return REPRO_SETUP;

  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_val key = {1, "k"}, val;
  mdb_env_create(&env);
  if (mdb_env_open(env, path, MDB_NOSUBDIR | MDB_WRITEMAP | MDB_RDONLY, 0644) ||
      mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) || mdb_dbi_open(txn, NULL, 0, &dbi) ||
      mdb_get(txn, dbi, &key, &val))
    return REPRO_SETUP;
  printf("after reopening, k = %.*s\n", (int)val.mv_size, (const char *)val.mv_data);
  int visible = val.mv_size == 3 && memcmp(val.mv_data, "new", 3) == 0;
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return visible ? REPRO_FOUND : REPRO_FIXED;
}
