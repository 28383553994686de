/* repro.h: what the reproducers share (C and C++).
 *
 * Exit codes, the same in every reproducer:
 *   0  the library behaved correctly: the finding is gone
 *   1  the finding reproduced (a wrong result, or a SIGBUS/SIGSEGV caught)
 *   2  the reproducer could not set up, or the fault it armed did not fire
 */
#ifndef REPRO_H
#define REPRO_H

#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

enum { REPRO_FIXED = 0, REPRO_FOUND = 1, REPRO_SETUP = 2 };

static inline void repro_on_fatal_signal(int sig, siginfo_t *info, void *ctx) {
  (void)ctx;
  char msg[160];
  int n = snprintf(msg, sizeof msg, "caught %s (si_code %d) at address %p: finding reproduced\n",
                   sig == SIGBUS ? "SIGBUS" : "SIGSEGV", info->si_code, info->si_addr);
  if (write(2, msg, (size_t)n) < 0) { /* exiting anyway */ }
  _exit(REPRO_FOUND);
}

/* A SIGBUS or SIGSEGV ends the program with REPRO_FOUND and one line on stderr. */
static inline void repro_catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = repro_on_fatal_signal;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
}

/* A fresh directory under $TMPDIR or /tmp (exits with REPRO_SETUP on failure). */
static inline const char *repro_scratch_dir(void) {
  static char dir[4096];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/repro.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(REPRO_SETUP);
  }
  return dir;
}

/* Mounts a tmpfs of `size` (e.g. "64k") on dir, in a mount namespace of this
 * process only (needs root): a small disk that fills up. */
static inline void repro_small_disk(const char *dir, const char *size) {
  char opts[64];
  snprintf(opts, sizeof opts, "size=%s", size);
  if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
    perror("private tmpfs (run as root)");
    exit(REPRO_SETUP);
  }
}

/* Fills the file system holding dir: the next block it allocates fails. */
static inline void repro_fill_disk(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/filler", dir);
  FILE *f = fopen(path, "w");
  static char block[4096];
  while (f && fwrite(block, 1, sizeof block, f) == sizeof block && fflush(f) == 0) {
  }
  if (f) fclose(f);
}

/* Arms the LD_PRELOAD shim (fail_shim.c): the n-th call of `fault`
 * ("ftruncate:1:EIO") on a file whose path ends with `suffix` fails. */
static inline void repro_arm(const char *fault, const char *suffix) {
  setenv("REPRO_PATH_SUFFIX", suffix, 1);
  setenv("REPRO_FAIL", fault, 1);
}

/* How many calls the shim has failed so far; exits with REPRO_SETUP when the
 * shim is not preloaded. */
static inline long repro_shim_failures(void) {
  long *count = (long *)dlsym(RTLD_DEFAULT, "repro_shim_failures");
  if (!count) {
    fprintf(stderr, "the fault shim is not loaded: run with LD_PRELOAD=.../fail_shim.so\n");
    exit(REPRO_SETUP);
  }
  return *count;
}

/* Exits with REPRO_SETUP unless the shim has failed exactly `expected` calls. */
static inline void repro_expect_failures(long expected) {
  long got = repro_shim_failures();
  if (got != expected) {
    fprintf(stderr, "the shim failed %ld calls, expected %ld: the fault did not fire where meant\n",
            got, expected);
    exit(REPRO_SETUP);
  }
}

static inline long long repro_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

#endif
