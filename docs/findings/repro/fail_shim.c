/* fail_shim.c: an LD_PRELOAD shim that fails the Nth call of one function on
 * one file, and passes every other call through untouched.
 *
 *   REPRO_FAIL=<function>:<n>:<errno name>   e.g. ftruncate:2:ENOSPC
 *   REPRO_PATH_SUFFIX=<suffix>               e.g. /data.tkh
 *
 * Functions: ftruncate, mmap, mremap, msync, munmap, write, pwrite, fsync,
 * fdatasync (and their 64-bit names). Only calls on a file whose path ends
 * with REPRO_PATH_SUFFIX count: for the calls taking an fd the path of the
 * fd (/proc/self/fd), for mremap, msync
 * and munmap the file mapped at the address (/proc/self/maps). The n-th
 * counted call fails once with the errno, without a system call; the count
 * restarts whenever REPRO_FAIL changes, so a program may arm the shim just
 * before the call it means (setenv, or os.environ in Python). Each failure is
 * logged on stderr: "repro-shim: failing <function> #<n> on <path>: <errno>",
 * and counted in repro_shim_failures.
 *
 * Build: cc -shared -fPIC -o fail_shim.so fail_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

static const struct { const char *name; int value; } kErrnos[] = {
    {"EIO", EIO}, {"ENOSPC", ENOSPC}, {"ENOMEM", ENOMEM}, {"EFBIG", EFBIG},
    {"EINVAL", EINVAL}, {"EACCES", EACCES}, {"EPERM", EPERM}, {"EAGAIN", EAGAIN},
};

/* How many calls the shim has failed: a reproducer reads it (dlsym) to check
 * that the fault it armed fired where it meant. */
long repro_shim_failures;

/* The armed fault, parsed from REPRO_FAIL; re-parsed when the text changes. */
static char armed_text[128];
static char armed_fn[32];
static long armed_nth, seen;
static int armed_errno;

static void rearm(const char *text) {
  snprintf(armed_text, sizeof armed_text, "%s", text ? text : "");
  armed_fn[0] = 0;
  armed_nth = 0;
  seen = 0;
  char name[32] = "";
  if (!text || sscanf(text, "%31[^:]:%ld:%31s", armed_fn, &armed_nth, name) != 3) {
    armed_fn[0] = 0;
    return;
  }
  armed_errno = 0;
  for (size_t i = 0; i < sizeof kErrnos / sizeof kErrnos[0]; i++)
    if (strcmp(kErrnos[i].name, name) == 0) armed_errno = kErrnos[i].value;
  if (!armed_errno) armed_errno = atoi(name);
}

/* Is REPRO_FAIL aimed at this function? ("ftruncate" also covers ftruncate64.) */
static int aimed_at(const char *fn) {
  const char *text = getenv("REPRO_FAIL");
  if (strcmp(text ? text : "", armed_text) != 0) rearm(text);
  return armed_fn[0] && strncmp(fn, armed_fn, strlen(armed_fn)) == 0 &&
         (fn[strlen(armed_fn)] == 0 || strcmp(fn + strlen(armed_fn), "64") == 0);
}

static int path_matches(const char *path) {
  const char *suffix = getenv("REPRO_PATH_SUFFIX");
  if (!suffix || !*suffix) return 0;
  size_t n = strlen(path), m = strlen(suffix);
  return n >= m && strcmp(path + n - m, suffix) == 0;
}

static int fd_path(int fd, char *out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, size - 1);
  if (n < 0) return 0;
  out[n] = 0;
  return 1;
}

/* The path of the file mapped at addr, from /proc/self/maps, read with plain
 * system calls (no stdio, no malloc: malloc may be the caller of mremap). */
static int addr_path(const void *addr, char *out, size_t size) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[8192], line[1024];
  size_t len = 0;
  int found = 0;
  ssize_t n;
  while (!found && (n = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n && !found; i++) {
      if (buf[i] != '\n') {
        if (len + 1 < sizeof line) line[len++] = buf[i];
        continue;
      }
      line[len] = 0;
      len = 0;
      uintptr_t lo, hi;
      int path_at = 0;
      if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &path_at) >= 2 && path_at &&
          (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
        snprintf(out, size, "%s", line + path_at);
        found = 1;
      }
    }
  }
  close(fd);
  return found;
}

/* Should this call fail? path: the file it is on (NULL: not a file). */
static int should_fail(const char *fn, const char *path) {
  if (!path || !path_matches(path)) return 0;
  if (++seen != armed_nth) return 0;
  char msg[512];
  int n = snprintf(msg, sizeof msg, "repro-shim: failing %s #%ld on %s: %s\n", fn, seen, path,
                   strerror(armed_errno));
  if (write(2, msg, (size_t)n) < 0) { /* nothing to do */ }
  repro_shim_failures++;
  errno = armed_errno;
  return 1;
}

#define NEXT(fn) ((__typeof__(&fn))dlsym(RTLD_NEXT, #fn))

static int fd_call_fails(const char *fn, int fd) {
  char path[4096];
  return aimed_at(fn) && fd >= 0 && fd_path(fd, path, sizeof path) && should_fail(fn, path);
}

static int addr_call_fails(const char *fn, const void *addr) {
  char path[4096];
  return aimed_at(fn) && addr_path(addr, path, sizeof path) && should_fail(fn, path);
}

int ftruncate(int fd, off_t length) {
  if (fd_call_fails("ftruncate", fd)) return -1;
  return NEXT(ftruncate)(fd, length);
}

int ftruncate64(int fd, off64_t length) {
  if (fd_call_fails("ftruncate64", fd)) return -1;
  return NEXT(ftruncate64)(fd, length);
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
  if (!(flags & MAP_ANONYMOUS) && fd_call_fails("mmap", fd)) return MAP_FAILED;
  return NEXT(mmap)(addr, length, prot, flags, fd, offset);
}

void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off64_t offset) {
  if (!(flags & MAP_ANONYMOUS) && fd_call_fails("mmap64", fd)) return MAP_FAILED;
  return NEXT(mmap64)(addr, length, prot, flags, fd, offset);
}

void *mremap(void *old, size_t old_size, size_t new_size, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  void *new_addr = (flags & MREMAP_FIXED) ? va_arg(ap, void *) : NULL;
  va_end(ap);
  if (addr_call_fails("mremap", old)) return MAP_FAILED;
  return NEXT(mremap)(old, old_size, new_size, flags, new_addr);
}

int msync(void *addr, size_t length, int flags) {
  if (addr_call_fails("msync", addr)) return -1;
  return NEXT(msync)(addr, length, flags);
}

int munmap(void *addr, size_t length) {
  if (addr_call_fails("munmap", addr)) return -1;
  return NEXT(munmap)(addr, length);
}

ssize_t write(int fd, const void *buf, size_t count) {
  if (fd_call_fails("write", fd)) return -1;
  return NEXT(write)(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
  if (fd_call_fails("pwrite", fd)) return -1;
  return NEXT(pwrite)(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset) {
  if (fd_call_fails("pwrite64", fd)) return -1;
  return NEXT(pwrite64)(fd, buf, count, offset);
}

int fsync(int fd) {
  if (fd_call_fails("fsync", fd)) return -1;
  return NEXT(fsync)(fd);
}

int fdatasync(int fd) {
  if (fd_call_fails("fdatasync", fd)) return -1;
  return NEXT(fdatasync)(fd);
}
