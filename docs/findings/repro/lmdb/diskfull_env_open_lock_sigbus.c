/* LMDB: mdb_env_open on a full disk. mdb_env_setup_locks grows the lock file
 * with ftruncate (sparse: it succeeds), maps it and initialises the reader
 * table header through the mapping; the first store to the unallocated page
 * raises SIGBUS instead of returning ENOSPC. Same with MDB_WRITEMAP.
 *
 *   diskfull_env_open_lock_sigbus   (as root: a 64 KiB tmpfs in a private mount namespace)
 *     -> 1 (SIGBUS), 0 (mdb_env_open returns an error)
 */
#include "../repro.h"  /* first: it defines _GNU_SOURCE */

#include <lmdb.h>

int main(void) {
  repro_catch_signals();
  const char *dir = repro_scratch_dir();
  repro_small_disk(dir, "64k");
  repro_fill_disk(dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  MDB_env *env;
  mdb_env_create(&env);
  printf("mdb_env_open(%s) on a full disk ...\n", path);
  fflush(stdout);
  int rc = mdb_env_open(env, path, MDB_NOSUBDIR, 0644);
  printf("mdb_env_open: %s\n", mdb_strerror(rc));
  mdb_env_close(env);
  return rc != 0 ? REPRO_FIXED : REPRO_SETUP;
}
