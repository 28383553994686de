/* LMDB: mdb_env_set_mapsize on an open environment munmaps the map, then maps
 * it again (mdb_env_map). When the new mmap fails (or, with MDB_WRITEMAP, the
 * ftruncate before it), it returns the error but leaves env->me_metas pointing
 * into the unmapped memory; the next mdb_txn_begin reads them: SIGSEGV.
 *
 *   LD_PRELOAD=fail_shim.so set_mapsize_failure_segv mmap|ftruncate default|writemap
 *     -> 1 (SIGSEGV after the failed call), 0 (the environment stays usable)
 */
#include "../repro.h"  /* first: it defines _GNU_SOURCE */

#include <lmdb.h>

int main(int argc, char **argv) {
  const char *call = argc > 1 ? argv[1] : "mmap";
  const int writemap = argc > 2 && strcmp(argv[2], "writemap") == 0;
  repro_catch_signals();
  char path[4096];
  snprintf(path, sizeof path, "%s/data.mdb", repro_scratch_dir());

  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_val key = {1, "k"}, val = {5, "hello"};
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, 64 * 1024);
  if (mdb_env_open(env, path, MDB_NOSUBDIR | (writemap ? MDB_WRITEMAP : 0), 0644) ||
      mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, NULL, 0, &dbi) ||
      mdb_put(txn, dbi, &key, &val, 0) || mdb_txn_commit(txn))
    return REPRO_SETUP;

  char fault[64];
  snprintf(fault, sizeof fault, "%s:1:%s", call, strcmp(call, "mmap") == 0 ? "ENOMEM" : "EIO");
  repro_arm(fault, "/data.mdb");
  int rc = mdb_env_set_mapsize(env, 1024 * 1024);
  repro_expect_failures(1);
  unsetenv("REPRO_FAIL");
  printf("mdb_env_set_mapsize(1 MiB) with %s failing: %s\n", call, mdb_strerror(rc));
  printf("mdb_txn_begin(MDB_RDONLY) + mdb_get ...\n");
  fflush(stdout);
  rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
  if (rc == 0) rc = mdb_get(txn, dbi, &key, &val);
  printf("read: %s\n", mdb_strerror(rc));
  return REPRO_FIXED;
}
