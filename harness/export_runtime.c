/* ---- the reproducer's runtime: faults, outside events, checks ----------
 * Overrides libc's file and mapping calls. Only calls on the data file's
 * directory (an fd or path there, or an address in a mapping of such an fd)
 * are counted and can be failed; everything else is passed on untouched.
 *   rt_fault(call, errno, nth, persistent): the nth such call of `call`
 *     (counted from now) fails with errno, once or from then on.
 *   rt_outside(kind, ...): what another process does to the file: now, or
 *     right after the library's next mmap of it.
 *   rt_expect_*: the checks; a failed one prints why and sets the exit code.
 * Exit codes: 0 the library behaved correctly, 1 the bug is present,
 * 3 inconclusive (the run could not be set up, e.g. no tmpfs for a full disk). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#undef _FORTIFY_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/falloc.h>

#ifdef __cplusplus
#define RT_NOTHROW noexcept(true)
extern "C" {
#else
#define RT_NOTHROW
#endif

enum { RT_OPEN, RT_FTRUNCATE, RT_FALLOCATE, RT_MMAP, RT_MUNMAP, RT_MREMAP, RT_MSYNC, RT_MADVISE,
       RT_FSYNC, RT_WRITE, RT_CLOSE, RT_LOCK, RT_NCALLS };
static const char* const rt_call_names[RT_NCALLS] = {"open", "ftruncate", "fallocate", "mmap", "munmap",
    "mremap", "msync", "madvise", "fsync", "write", "close", "lock"};

struct rt_fault { int call, err, nth, persistent, seen; };
struct rt_map { uintptr_t addr; size_t len; off_t off; };
struct rt_range { uint64_t from, to; };
struct rt_dirent { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[1]; };

static char rt_dir[PATH_MAX - 64];
static char rt_path_buf[PATH_MAX];
/* fds holding a lock taken here, per family (bit 1: record locks, 2: flock):
 * a further request of that family converts it and is never faulted. */
static unsigned char rt_locking[65536];
static size_t rt_dir_len;
static int rt_ready, rt_quiet, rt_failed, rt_step_no = -1, rt_mounted, rt_mount_error;
static char rt_step_text[256];
static struct rt_fault rt_faults[32];
static int rt_nfaults;
static struct rt_map rt_maps[64];
static int rt_stuck;  /* mappings an injected munmap failure left behind */
/* this step: successful msync(MS_SYNC) ranges (file offsets), fsync, last failed msync */
static struct rt_range rt_synced[64];
static int rt_nsynced, rt_fsynced, rt_msync_errno;
/* an outside event armed for the library's next mmap of the file */
static struct { int armed; char kind[16]; uint64_t offset, length; unsigned seed, mode; } rt_pending;

#define RT_NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static void rt_say(const char* fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (rt_step_no >= 0) {
    dprintf(2, "repro: step %d (%s): %s\n", rt_step_no, rt_step_text, line);
  } else {
    dprintf(2, "repro: %s\n", line);
  }
}

const char* rt_path(void) { return rt_path_buf; }

/* ---- scope: is this call about the data file's directory? ---- */
static int rt_in_dir(const char* p) {
  return rt_ready && p && strncmp(p, rt_dir, rt_dir_len) == 0 && p[rt_dir_len] == '/';
}
static int rt_fd_in_scope(int fd) {
  char link[64], target[PATH_MAX];
  if (!rt_ready || fd < 0) return 0;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = 0;
  return rt_in_dir(target);
}
static struct rt_map* rt_map_at(const void* addr) {
  uintptr_t a = (uintptr_t)addr;
  for (int i = 0; i < 64; ++i) {
    if (rt_maps[i].len && a >= rt_maps[i].addr && a < rt_maps[i].addr + rt_maps[i].len) return &rt_maps[i];
  }
  return NULL;
}
static void rt_map_add(void* addr, size_t len, off_t off) {
  for (int i = 0; i < 64; ++i) {
    if (!rt_maps[i].len) {
      rt_maps[i].addr = (uintptr_t)addr;
      rt_maps[i].len = len;
      rt_maps[i].off = off;
      return;
    }
  }
}
static void rt_map_remove(void* addr, size_t len) {
  uintptr_t lo = (uintptr_t)addr, hi = lo + len;
  for (int i = 0; i < 64; ++i) {
    struct rt_map* m = &rt_maps[i];
    if (!m->len || hi <= m->addr || lo >= m->addr + m->len) continue;
    if (lo <= m->addr && hi >= m->addr + m->len) {
      m->len = 0;
    } else if (lo <= m->addr) {
      m->off += (off_t)(hi - m->addr);
      m->len -= hi - m->addr;
      m->addr = hi;
    } else {
      m->len = lo - m->addr; /* the part above a hole in the middle is forgotten */
    }
  }
}

/* ---- faults ---- */
static int rt_call_from_name(const char* name) {
  for (int c = 0; c < RT_NCALLS; ++c) {
    if (strcmp(rt_call_names[c], name) == 0) return c;
  }
  return -1;
}
void rt_fault(const char* call, int err, int nth, int persistent) {
  int c = rt_call_from_name(call);
  if (c < 0 || rt_nfaults == 32) {
    rt_say("cannot arm a fault on '%s'", call);
    exit(3);
  }
  struct rt_fault f = {c, err ? err : EIO, nth ? nth : 1, persistent, 0};
  rt_faults[rt_nfaults++] = f;
}
void rt_disarm(void) { rt_nfaults = 0; }
/* Counts a call in scope; returns the errno to fail it with, or 0. */
static int rt_take(int call) {
  if (rt_quiet) return 0;
  int err = 0;
  for (int i = 0; i < rt_nfaults; ++i) {
    struct rt_fault* f = &rt_faults[i];
    if (f->call != call) continue;
    ++f->seen;
    if (!err && (f->seen == f->nth || (f->persistent && f->seen > f->nth))) err = f->err;
  }
  if (err) rt_say("injected %s into %s", strerror(err), rt_call_names[call]);
  return err;
}

/* ---- outside events: what another process does to the file ---- */
static uint8_t rt_pattern_table[2 * 65521];
static void rt_pattern_init(void) {
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (uint64_t i = 0; i < 65521; ++i) {
    h ^= h << 13;
    h ^= h >> 7;
    h ^= h << 17;
    uint8_t b = (uint8_t)(h >> 24);
    rt_pattern_table[i] = rt_pattern_table[i + 65521] = b ? b : 0x5A;
  }
}
/* The bytes mapfuzz writes with `seed` at file offset `offset`. */
void rt_fill(unsigned seed, uint64_t offset, uint8_t* out, uint64_t length) {
  for (uint64_t i = 0; i < length; ++i) {
    out[i] = rt_pattern_table[((offset + i) % 65521 + seed * 4099ull) % 65521];
  }
}
static int rt_do_outside(const char* kind, uint64_t offset, uint64_t length, unsigned seed, unsigned mode) {
  int ok = 0;
  if (!strcmp(kind, "shrink") || !strcmp(kind, "regrow") || !strcmp(kind, "extend")) {
    ok = syscall(SYS_truncate, rt_path_buf, (off_t)length) == 0;
  } else if (!strcmp(kind, "punch") || !strcmp(kind, "pwrite")) {
    int fd = (int)syscall(SYS_openat, AT_FDCWD, rt_path_buf, O_RDWR | O_CLOEXEC, 0);
    if (fd >= 0) {
      if (!strcmp(kind, "punch")) {
        ok = syscall(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length) == 0;
      } else {
        uint8_t* buf = (uint8_t*)malloc(length ? length : 1);
        rt_fill(seed, offset, buf, length);
        ok = syscall(SYS_pwrite64, fd, buf, (size_t)length, (off_t)offset) == (long)length;
        free(buf);
      }
      syscall(SYS_close, fd);
    }
  } else if (!strcmp(kind, "chmod")) {
    ok = syscall(SYS_chmod, rt_path_buf, (mode_t)mode) == 0;
  } else if (!strcmp(kind, "unlink")) {
    ok = syscall(SYS_unlink, rt_path_buf) == 0;
  } else if (!strcmp(kind, "replace")) {
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.new", rt_path_buf);
    int fd = (int)syscall(SYS_openat, AT_FDCWD, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ok = syscall(SYS_ftruncate, fd, (off_t)length) == 0 && syscall(SYS_rename, tmp, rt_path_buf) == 0;
      syscall(SYS_close, fd);
    }
  } else {
    rt_say("unknown outside event '%s'", kind);
    exit(3);
  }
  int err = ok ? 0 : errno;
  rt_say("another process: %s offset=%llu length=%llu%s%s", kind, (unsigned long long)offset,
         (unsigned long long)length, ok ? "" : " failed: ", ok ? "" : strerror(err));
  return err;
}
/* Now, or (after_mmap) right after the library's next mmap of the file. */
int rt_outside(const char* kind, uint64_t offset, uint64_t length, unsigned seed, unsigned mode, int after_mmap) {
  if (!after_mmap) return rt_do_outside(kind, offset, length, seed, mode);
  rt_pending.armed = 1;
  snprintf(rt_pending.kind, sizeof rt_pending.kind, "%s", kind);
  rt_pending.offset = offset;
  rt_pending.length = length;
  rt_pending.seed = seed;
  rt_pending.mode = mode;
  return 0;
}

/* ---- locks another process holds: one child process keeps them ----
 * fcntl locks conflict only across processes, so a child takes them, one fd
 * per (api, file) as mapfuzz's outside helper does, and keeps them until an
 * unlock or the end of the program. Commands go down a pipe, each answered
 * with the errno (0: done). Direct system calls: the runtime's own fcntl and
 * flock would count and fault them. */
struct rt_lock_req {
  int take, api, exclusive, file; /* api: 0 fcntl, 1 ofd, 2 flock; file: 0 data, 1 -lock, 2 -journal, 3 -wal, 4 -shm */
  uint64_t offset, length;
};
static const char* const rt_lock_apis[] = {"fcntl", "ofd", "flock"};
static const char* const rt_lock_files[] = {"data", "lock", "journal", "wal", "shm"};
static const char* const rt_lock_suffixes[] = {"", "-lock", "-journal", "-wal", "-shm"};
static int rt_lock_out = -1, rt_lock_in = -1;
static pid_t rt_lock_pid = 0;
static int rt_lock_serve_one(int fds[3][5], const struct rt_lock_req* r) {
  int* fd = &fds[r->api][r->file];
  if (!r->take && *fd < 0) return 0;
  if (*fd < 0) {
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s%s", rt_path_buf, rt_lock_suffixes[r->file]);
    *fd = (int)syscall(SYS_openat, AT_FDCWD, p, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0);
    if (*fd < 0) return errno;
  }
  long rc;
  if (r->api == 2) {
    rc = syscall(SYS_flock, *fd, !r->take ? LOCK_UN : (r->exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
  } else {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = !r->take ? F_UNLCK : r->exclusive ? F_WRLCK : F_RDLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = r->take ? (off_t)r->offset : 0;
    fl.l_len = r->take ? (off_t)r->length : 0;
    rc = syscall(SYS_fcntl, *fd, r->api == 1 ? F_OFD_SETLK : F_SETLK, &fl);
  }
  return rc == 0 ? 0 : errno;
}
static void rt_lock_serve(int in, int out) {
  int fds[3][5];
  for (int a = 0; a < 3; ++a)
    for (int f = 0; f < 5; ++f) fds[a][f] = -1;
  struct rt_lock_req r;
  while (read(in, &r, sizeof r) == (ssize_t)sizeof r) {
    int err = rt_lock_serve_one(fds, &r);
    if (write(out, &err, sizeof err) != (ssize_t)sizeof err) break;
  }
  _exit(0);
}
static int rt_lock_start(void) {
  int down[2], up[2];
  if (rt_lock_pid > 0) return 0;
  if (pipe(down) != 0 || pipe(up) != 0) return errno;
  pid_t pid = fork();
  if (pid < 0) return errno;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(down[1]);
    close(up[0]);
    rt_lock_serve(down[0], up[1]);
  }
  close(down[0]);
  close(up[1]);
  rt_lock_out = down[1];
  rt_lock_in = up[0];
  rt_lock_pid = pid;
  return 0;
}
static void rt_lock_stop(void) {
  if (rt_lock_pid <= 0) return;
  close(rt_lock_out); /* the child's read ends: it exits, its locks go */
  close(rt_lock_in);
  waitpid(rt_lock_pid, NULL, 0);
  rt_lock_pid = 0;
}
static int rt_index(const char* const* names, int n, const char* name) {
  for (int i = 0; i < n; ++i)
    if (!strcmp(names[i], name)) return i;
  return -1;
}
/* Another process takes (take=1) or lets go of (0) a lock: `api` "fcntl",
 * "ofd" or "flock", `file` "data", "lock", "journal", "wal" or "shm". Never
 * waits: contention is reported. Returns 0 or the errno. */
int rt_outside_lock(int take, const char* api, int exclusive, const char* file, uint64_t offset, uint64_t length) {
  struct rt_lock_req r = {take, rt_index(rt_lock_apis, 3, api), exclusive, rt_index(rt_lock_files, 5, file), offset,
                          length};
  int err = r.api < 0 || r.file < 0 ? EINVAL : rt_lock_start();
  if (!err && (write(rt_lock_out, &r, sizeof r) != (ssize_t)sizeof r || read(rt_lock_in, &err, sizeof err) != (ssize_t)sizeof err)) {
    err = ECHILD;
  }
  rt_say("another process: %s %s%s lock on %s offset=%llu length=%llu%s%s", take ? "takes" : "lets go of", api,
         take ? (exclusive ? " exclusive" : " shared") : "", file, (unsigned long long)offset,
         (unsigned long long)length, err ? " failed: " : "", err ? strerror(err) : "");
  return err;
}

/* ---- disk conditions ---- */
/* The data file's directory becomes a tmpfs of its own, in a private mount
 * namespace, as mapfuzz's sandbox is (the same filesystem behaviour, and a
 * disk that can fill up). Needs root or CAP_SYS_ADMIN; rt_init() tries it. */
static int rt_mount_tmpfs(void) {
  if (syscall(SYS_unshare, CLONE_NEWNS) != 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount("repro", rt_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0700") != 0) {
    return errno ? errno : EPERM;
  }
  rt_mounted = 1;
  return 0;
}
/* A program that fills the disk needs that tmpfs: 0, or 3 without it. */
int rt_disk_setup(void) {
  if (rt_mounted) return 0;
  rt_say("a full disk needs a tmpfs of its own (run as root): %s", strerror(rt_mount_error));
  return 3;
}
/* From now on the filesystem keeps only `free_bytes` free (real ENOSPC, and
 * SIGBUS on a first touch of a page it cannot allocate). */
int rt_disk_full(uint64_t free_bytes) {
  struct statfs st;
  char opts[64];
  if (!rt_mounted || statfs(rt_dir, &st) != 0) return 3;
  uint64_t used = (uint64_t)(st.f_blocks - st.f_bfree) * (uint64_t)st.f_bsize;
  uint64_t size = used + (free_bytes + 4095) / 4096 * 4096;
  if (size == 0) size = 4096; /* size=0 would mean unlimited */
  snprintf(opts, sizeof opts, "size=%llu", (unsigned long long)size);
  if (mount("repro", rt_dir, "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, opts) != 0) return 3;
  rt_say("the disk is full: %llu bytes free", (unsigned long long)free_bytes);
  return 0;
}
/* RLIMIT_FSIZE of `bytes` inside every library call from now on (real
 * EFBIG); the program's own output is never limited. */
static uint64_t rt_limit;
static int rt_limited;
static int rt_set_limit(rlim_t cur) {
  struct rlimit r;
  if (getrlimit(RLIMIT_FSIZE, &r) != 0) return -1;
  r.rlim_cur = cur;
  return setrlimit(RLIMIT_FSIZE, &r);
}
int rt_size_limit(uint64_t bytes) {
  signal(SIGXFSZ, SIG_IGN);
  rt_limit = bytes;
  rt_limited = 1;
  rt_say("file size limit (RLIMIT_FSIZE) %llu bytes", (unsigned long long)bytes);
  return 0;
}
/* Around the statements of one library step. */
void rt_call_begin(void) {
  if (rt_limited) rt_set_limit((rlim_t)rt_limit);
}
void rt_call_end(void) {
  if (rt_limited) rt_set_limit(RLIM_INFINITY);
}
/* Root opens any file: without CAP_DAC_OVERRIDE a chmod by another process
 * takes effect, as it does for other users. */
void rt_drop_permission_override(void) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) != 0) return;
  d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
  syscall(SYS_capset, &h, d);
}

/* ---- signals ---- */
static void rt_remove_dir(void);
static void rt_on_signal(int sig, siginfo_t* info, void* ctx) {
  (void)ctx;
  struct rt_map* m = rt_map_at(info->si_addr);
  struct stat st;
  long long size = syscall(SYS_stat, rt_path_buf, &st) == 0 ? (long long)st.st_size : -1;
  char where[160] = "outside every mapping of the file";
  if (m) {
    snprintf(where, sizeof where, "in the mapping of the file at offset %llu (file size now %lld)",
             (unsigned long long)(m->off + ((uintptr_t)info->si_addr - m->addr)), size);
  }
  char line[512];
  int n = snprintf(line, sizeof line, "repro: step %d (%s): BUG: %s (si_code %d) at %p, %s\n", rt_step_no,
                   rt_step_text, sig == SIGBUS ? "SIGBUS" : "SIGSEGV", info->si_code, info->si_addr, where);
  if (write(2, line, n > 0 ? (size_t)n : 0) < 0) n = 0;
  rt_remove_dir();
  _exit(1);
}

/* ---- setup, steps, the end ---- */
/* Makes a fresh directory for the data file (under $TMPDIR, /tmp). */
void rt_init(void) {
  const char* base = getenv("TMPDIR");
  rt_pattern_init();
  snprintf(rt_dir, sizeof rt_dir, "%s/repro-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(rt_dir)) {
    rt_say("cannot make a directory in %s: %s", base ? base : "/tmp", strerror(errno));
    exit(3);
  }
  rt_dir_len = strlen(rt_dir);
  rt_mount_error = rt_mount_tmpfs();
  if (rt_mount_error) rt_say("note: the data file is on %s's filesystem, not on a tmpfs as in mapfuzz (not root)", rt_dir);
  snprintf(rt_path_buf, sizeof rt_path_buf, "%s/data", rt_dir);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = rt_on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  rt_ready = 1;
}
void rt_step(int n, const char* text) {
  rt_step_no = n;
  snprintf(rt_step_text, sizeof rt_step_text, "%s", text);
  rt_nsynced = rt_fsynced = rt_msync_errno = 0;
}
/* Removes the data file's directory and what is in it (async-signal-safe:
 * the signal handler calls it too). */
static void rt_remove_dir(void) {
  char buf[4096], p[PATH_MAX + 300];
  int fd = (int)syscall(SYS_openat, AT_FDCWD, rt_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  for (long n; fd >= 0 && (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0;) {
    for (long at = 0; at < n;) {
      struct rt_dirent* e = (struct rt_dirent*)(buf + at);
      at += e->reclen;
      if (e->name[0] == '.' && (!e->name[1] || (e->name[1] == '.' && !e->name[2]))) continue;
      size_t dl = strlen(rt_dir), nl = strlen(e->name);
      if (dl + 1 + nl >= sizeof p) continue;
      memcpy(p, rt_dir, dl);
      p[dl] = '/';
      memcpy(p + dl + 1, e->name, nl + 1);
      syscall(SYS_unlink, p);
    }
  }
  if (fd >= 0) syscall(SYS_close, fd);
  if (rt_mounted) umount2(rt_dir, MNT_DETACH);
  syscall(SYS_rmdir, rt_dir);
}
/* The run cannot be set up: cleans up, returns 3. */
int rt_inconclusive(void) {
  rt_quiet = 1;
  rt_remove_dir();
  rt_step_no = -1;
  rt_say("inconclusive: the run could not be set up (exit 3)");
  return 3;
}
/* Cleans up; returns the exit code (0 correct, 1 the bug is present). */
int rt_finish(void) {
  rt_quiet = 1;
  rt_lock_stop();
  rt_remove_dir();
  rt_step_no = -1;
  rt_say(rt_failed ? "the bug is present (exit 1)" : "the library behaved correctly (exit 0)");
  return rt_failed ? 1 : 0;
}
static void rt_bug(const char* fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  rt_say("BUG: %s", line);
  rt_failed = 1;
}

/* ---- the checks ---- */
void rt_expect_ok(int rc) {
  if (rc) rt_bug("failed with %s; a correct library succeeds here (no fault was injected)", strerror(rc));
}
void rt_expect_fail(int rc) {
  if (!rc) rt_bug("succeeded; a correct library refuses it");
}
void rt_expect_size(int rc, uint64_t size, uint64_t if_ok, uint64_t if_failed) {
  uint64_t want = rc ? if_failed : if_ok;
  if (size != want) {
    rt_bug("the library reports size %llu after it %s, expected %llu", (unsigned long long)size,
           rc ? "failed" : "succeeded", (unsigned long long)want);
  }
}
/* An image: "absent", "zeros-up-to=N", or "size=N|? RUN..." where a RUN is
 * z:OFF+LEN (zeros), pSEED:OFF+LEN (mapfuzz's pattern) or x:OFF:HEX;
 * bytes no run covers may hold anything. Alternatives are joined by " | ".
 * Returns NULL if `got` (`exists`, `n` bytes at file offset `base`) matches
 * one alternative, else the first difference. `whole`: got is the file. */
static const char* rt_match_one(const char* img, size_t len, int exists, const uint8_t* got, uint64_t n,
                                uint64_t base, int whole) {
  static char why[256];
  char* text = strndup(img, len);
  char* save = NULL;
  const char* result = NULL;
  for (char* tok = strtok_r(text, " ", &save); tok && !result; tok = strtok_r(NULL, " ", &save)) {
    unsigned long long off = 0, cnt = 0;
    unsigned seed = 0;
    if (!strcmp(tok, "absent")) {
      if (exists) result = "the file exists; expected no file";
    } else if (!strncmp(tok, "zeros-up-to=", 12)) {
      unsigned long long max = strtoull(tok + 12, NULL, 10);
      if (exists) {
        for (uint64_t i = 0; i < n && !result; ++i) {
          if (got[i]) result = "not zeros";
        }
        if (!result && n > max) result = "longer than requested";
      }
    } else if (!exists) {
      result = "the file is gone";
    } else if (!strncmp(tok, "size=", 5)) {
      if (whole && tok[5] != '?' && strtoull(tok + 5, NULL, 10) != n) {
        snprintf(why, sizeof why, "the file holds %llu bytes, expected %s", (unsigned long long)n, tok + 5);
        result = why;
      }
    } else if (sscanf(tok, "z:%llu+%llu", &off, &cnt) == 2 || sscanf(tok, "p%u:%llu+%llu", &seed, &off, &cnt) == 3) {
      int zero = tok[0] == 'z';
      for (uint64_t i = off; i < off + cnt && !result; ++i) {
        if (i < base || i >= base + n) continue;
        uint8_t want = 0;
        if (!zero) rt_fill(seed, i, &want, 1);
        if (got[i - base] != want) {
          snprintf(why, sizeof why, "file offset %llu holds 0x%02x, expected 0x%02x", (unsigned long long)i,
                   got[i - base], want);
          result = why;
        }
      }
    } else if (sscanf(tok, "x:%llu:", &off) == 1) {
      const char* hex = strchr(tok + 2, ':') + 1;
      for (uint64_t k = 0; hex[2 * k] && hex[2 * k + 1] && !result; ++k) {
        unsigned v = 0;
        sscanf(hex + 2 * k, "%2x", &v);
        uint64_t i = off + k;
        if (i >= base && i < base + n && got[i - base] != v) {
          snprintf(why, sizeof why, "file offset %llu holds 0x%02x, expected 0x%02x", (unsigned long long)i,
                   got[i - base], v);
          result = why;
        }
      }
    }
  }
  free(text);
  return result;
}
static const char* rt_match(const char* image, int exists, const uint8_t* got, uint64_t n, uint64_t base,
                            int whole) {
  const char* first = NULL;
  for (const char* alt = image;;) {
    const char* bar = strstr(alt, " | ");
    size_t len = bar ? (size_t)(bar - alt) : strlen(alt);
    const char* why = rt_match_one(alt, len, exists, got, n, base, whole);
    if (!why) return NULL;
    if (!first) first = why;
    if (!bar) return first;
    alt = bar + 3;
  }
}
/* The file, read with plain pread, must match `image`. */
void rt_expect_file(const char* image) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, rt_path_buf, O_RDONLY | O_CLOEXEC, 0);
  struct stat st;
  uint8_t* bytes = NULL;
  uint64_t n = 0;
  if (fd >= 0 && fstat(fd, &st) == 0) {
    n = (uint64_t)st.st_size;
    bytes = (uint8_t*)malloc(n ? n : 1);
    uint64_t done = 0;
    while (done < n) {
      long r = syscall(SYS_pread64, fd, bytes + done, (size_t)(n - done), (off_t)done);
      if (r <= 0) break;
      done += (uint64_t)r;
    }
    n = done;
  }
  if (fd >= 0) syscall(SYS_close, fd);
  const char* why = rt_match(image, fd >= 0, bytes, n, 0, 1);
  if (why) rt_bug("the file on disk is wrong: %s", why);
  free(bytes);
}
/* A read that returned `got` bytes at `offset` into `data`. */
void rt_expect_read(int rc, const uint8_t* data, uint64_t got, uint64_t want_length, uint64_t offset,
                    const char* image) {
  if (rc) return;
  if (got != want_length) {
    rt_bug("read returned %llu bytes, expected %llu", (unsigned long long)got, (unsigned long long)want_length);
    return;
  }
  const char* why = rt_match(image, 1, data, got, offset, 0);
  if (why) rt_bug("read returned wrong bytes: %s", why);
}
/* No fd or mapping of the file is left (mappings an injected munmap failure
 * left behind are excused). */
void rt_expect_no_leak(void) {
  int fds = 0, maps = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d) {
    struct dirent* e;
    while ((e = readdir(d))) {
      if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) && rt_fd_in_scope(atoi(e->d_name))) ++fds;
    }
    closedir(d);
  }
  FILE* f = fopen("/proc/self/maps", "r");
  if (f) {
    char line[PATH_MAX + 128];
    while (fgets(line, sizeof line, f)) {
      char* p = strchr(line, '/');
      if (p && rt_in_dir(p)) ++maps;
    }
    fclose(f);
  }
  if (fds > 0 || maps > rt_stuck) rt_bug("%d fd(s) and %d mapping(s) of the file remain open", fds, maps);
}
/* A sync that succeeded must have msync'ed (MS_SYNC) every page written
 * since the last sync (`dirty`: page numbers, comma-separated) inside
 * [offset, offset+length) (0: the whole file), or fsync'ed the file. */
void rt_expect_sync_backed(int rc, uint64_t offset, uint64_t length, uint64_t size, const char* dirty) {
  if (rc || rt_fsynced || offset >= size) return;
  uint64_t end = length == 0 || offset + length < offset ? size : offset + length;
  if (end > size) end = size;
  for (const char* p = dirty; *p;) {
    uint64_t page = strtoull(p, (char**)&p, 10), lo = page * 4096, hi = lo + 4096;
    if (*p == ',') ++p;
    if (lo >= end || hi <= offset) continue;
    int covered = 0;
    for (int i = 0; i < rt_nsynced; ++i) covered |= rt_synced[i].from <= lo && rt_synced[i].to >= hi;
    if (!covered) {
      rt_bug("sync reported success, but the page at file offset %llu written since the last sync was not "
             "msync'ed (MS_SYNC) or fsync'ed%s%s", (unsigned long long)lo, rt_msync_errno ? "; msync failed with " : "",
             rt_msync_errno ? strerror(rt_msync_errno) : "");
      return;
    }
  }
}
void rt_quiet_calls(int on) { rt_quiet = on; }

/* ---- the overrides ---- */
/* The errno a call on `fd` (or path `p`) fails with, or 0. */
static int rt_fd_fault(int fd, int call) { return rt_fd_in_scope(fd) ? rt_take(call) : 0; }
static int rt_path_fault(const char* p, int call) { return rt_in_dir(p) ? rt_take(call) : 0; }
/* open's optional mode argument (read always: harmless when absent). */
#define RT_MODE_ARG(last, mode)    \
  do {                             \
    va_list ap_;                   \
    va_start(ap_, last);           \
    mode = (mode_t)va_arg(ap_, int); \
    va_end(ap_);                   \
  } while (0)

int open(const char* p, int flags, ...) {
  mode_t mode;
  RT_MODE_ARG(flags, mode);
  int err = rt_path_fault(p, RT_OPEN);
  if (err) return errno = err, -1;
  return RT_NEXT(open)(p, flags, mode);
}
int open64(const char* p, int flags, ...) {
  mode_t mode;
  RT_MODE_ARG(flags, mode);
  return open(p, flags, mode);
}
int openat(int dirfd, const char* p, int flags, ...) {
  mode_t mode;
  RT_MODE_ARG(flags, mode);
  int err = rt_path_fault(p, RT_OPEN);
  if (err) return errno = err, -1;
  return RT_NEXT(openat)(dirfd, p, flags, mode);
}
int openat64(int dirfd, const char* p, int flags, ...) {
  mode_t mode;
  RT_MODE_ARG(flags, mode);
  return openat(dirfd, p, flags, mode);
}
int creat(const char* p, mode_t mode) { return open(p, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int creat64(const char* p, mode_t mode) { return open(p, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int ftruncate(int fd, off_t len) RT_NOTHROW {
  int err = rt_fd_fault(fd, RT_FTRUNCATE);
  if (err) return errno = err, -1;
  return RT_NEXT(ftruncate)(fd, len);
}
int ftruncate64(int fd, off_t len) RT_NOTHROW { return ftruncate(fd, len); }
int truncate(const char* p, off_t len) RT_NOTHROW {
  int err = rt_path_fault(p, RT_FTRUNCATE);
  if (err) return errno = err, -1;
  return RT_NEXT(truncate)(p, len);
}
int truncate64(const char* p, off_t len) RT_NOTHROW { return truncate(p, len); }
int fallocate(int fd, int mode, off_t off, off_t len) {
  int err = rt_fd_fault(fd, RT_FALLOCATE);
  if (err) return errno = err, -1;
  return RT_NEXT(fallocate)(fd, mode, off, len);
}
int fallocate64(int fd, int mode, off_t off, off_t len) { return fallocate(fd, mode, off, len); }
int posix_fallocate(int fd, off_t off, off_t len) {
  int err = rt_fd_fault(fd, RT_FALLOCATE);
  if (err) return err;
  return RT_NEXT(posix_fallocate)(fd, off, len);
}
int posix_fallocate64(int fd, off_t off, off_t len) { return posix_fallocate(fd, off, len); }
void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) RT_NOTHROW {
  int ours = rt_fd_in_scope(fd);
  int err = ours ? rt_take(RT_MMAP) : 0;
  if (err) return errno = err, MAP_FAILED;
  void* p = RT_NEXT(mmap)(addr, len, prot, flags, fd, off);
  if (ours && p != MAP_FAILED) {
    rt_map_add(p, len, off);
    if (rt_pending.armed && !rt_quiet) {
      rt_pending.armed = 0;
      rt_say("right after the library's mmap:");
      rt_do_outside(rt_pending.kind, rt_pending.offset, rt_pending.length, rt_pending.seed, rt_pending.mode);
    }
  }
  return p;
}
void* mmap64(void* addr, size_t len, int prot, int flags, int fd, off_t off) RT_NOTHROW {
  return mmap(addr, len, prot, flags, fd, off);
}
int munmap(void* addr, size_t len) RT_NOTHROW {
  int ours = rt_map_at(addr) != NULL;
  int err = ours ? rt_take(RT_MUNMAP) : 0;
  if (err) {
    ++rt_stuck;
    return errno = err, -1;
  }
  int r = RT_NEXT(munmap)(addr, len);
  if (ours && r == 0) rt_map_remove(addr, len);
  return r;
}
void* mremap(void* old, size_t old_len, size_t new_len, int flags, ...) RT_NOTHROW {
  va_list ap;
  va_start(ap, flags);
  void* want = va_arg(ap, void*);
  va_end(ap);
  struct rt_map* m = rt_map_at(old);
  int err = m ? rt_take(RT_MREMAP) : 0;
  if (err) return errno = err, MAP_FAILED;
  void* p = RT_NEXT(mremap)(old, old_len, new_len, flags, want);
  if (m && p != MAP_FAILED) {
    m->addr = (uintptr_t)p;
    m->len = new_len;
  }
  return p;
}
int msync(void* addr, size_t len, int flags) {
  struct rt_map* m = rt_map_at(addr);
  int err = m ? rt_take(RT_MSYNC) : 0;
  int r = err ? (errno = err, -1) : RT_NEXT(msync)(addr, len, flags);
  if (m && !rt_quiet) {
    if (r != 0) {
      rt_msync_errno = errno;
    } else if ((flags & MS_SYNC) && rt_nsynced < 64) {
      uint64_t from = (uint64_t)m->off + ((uintptr_t)addr - m->addr);
      rt_synced[rt_nsynced].from = from;
      rt_synced[rt_nsynced].to = (from + len + 4095) / 4096 * 4096;
      ++rt_nsynced;
    }
  }
  return r;
}
int madvise(void* addr, size_t len, int advice) RT_NOTHROW {
  int err = rt_map_at(addr) ? rt_take(RT_MADVISE) : 0;
  if (err) return errno = err, -1;
  return RT_NEXT(madvise)(addr, len, advice);
}
int fsync(int fd) {
  int ours = rt_fd_in_scope(fd);
  int err = ours ? rt_take(RT_FSYNC) : 0;
  int r = err ? (errno = err, -1) : RT_NEXT(fsync)(fd);
  if (ours && r == 0 && !rt_quiet) rt_fsynced = 1;
  return r;
}
int fdatasync(int fd) {
  int ours = rt_fd_in_scope(fd);
  int err = ours ? rt_take(RT_FSYNC) : 0;
  int r = err ? (errno = err, -1) : RT_NEXT(fdatasync)(fd);
  if (ours && r == 0 && !rt_quiet) rt_fsynced = 1;
  return r;
}
ssize_t write(int fd, const void* buf, size_t n) {
  int err = rt_fd_fault(fd, RT_WRITE);
  if (err) return errno = err, -1;
  return RT_NEXT(write)(fd, buf, n);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  int err = rt_fd_fault(fd, RT_WRITE);
  if (err) return errno = err, -1;
  return RT_NEXT(pwrite)(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off_t off) { return pwrite(fd, buf, n, off); }
ssize_t writev(int fd, const struct iovec* iov, int n) {
  int err = rt_fd_fault(fd, RT_WRITE);
  if (err) return errno = err, -1;
  return RT_NEXT(writev)(fd, iov, n);
}
ssize_t pwritev(int fd, const struct iovec* iov, int n, off_t off) {
  int err = rt_fd_fault(fd, RT_WRITE);
  if (err) return errno = err, -1;
  return RT_NEXT(pwritev)(fd, iov, n, off);
}
ssize_t pwritev64(int fd, const struct iovec* iov, int n, off_t off) { return pwritev(fd, iov, n, off); }
int close(int fd) {
  int ours = rt_fd_in_scope(fd);
  if (fd >= 0 && fd < 65536) rt_locking[fd] = 0;
  int err = ours ? rt_take(RT_CLOSE) : 0;
  int r = RT_NEXT(close)(fd); /* Linux releases the fd even when close fails */
  if (err) return errno = err, -1;
  return r;
}

/* ---- lock calls (fcntl's lock commands, flock, lockf): faulted as "lock";
 * a blocking one in scope never waits: it runs in its non-blocking form and
 * fails with EDEADLK where it would have waited. */
static int rt_lock_cmd(int cmd) {
  return cmd == F_SETLK || cmd == F_SETLKW || cmd == F_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW ||
         cmd == F_OFD_GETLK;
}
/* As mapfuzz's interposer: only a request that takes a lock is counted and
 * faulted (never an unlock or a query), and EINTR/EDEADLK only one that
 * would wait. */
static int rt_take_lock(int fd, int family, int takes, int blocking) {
  if (rt_quiet || !takes || (fd >= 0 && fd < 65536 && (rt_locking[fd] & family))) return 0;
  int err = 0;
  for (int i = 0; i < rt_nfaults; ++i) {
    struct rt_fault* f = &rt_faults[i];
    if (f->call != RT_LOCK || (!blocking && (f->err == EINTR || f->err == EDEADLK))) continue;
    ++f->seen;
    if (!err && (f->seen == f->nth || (f->persistent && f->seen > f->nth))) err = f->err;
  }
  if (err) rt_say("injected %s into lock", strerror(err));
  return err;
}
/* After a lock call through `fd` that returned `r`: a lock taken marks the
 * fd, an unlock of everything clears it. */
static int rt_note_lock(int fd, int family, int r, int took, int unlocked_all) {
  if (r == 0 && fd >= 0 && fd < 65536) {
    if (took) rt_locking[fd] |= family;
    if (unlocked_all) rt_locking[fd] &= ~family;
  }
  return r;
}
static int rt_no_wait(int r) {
  if (r < 0 && (errno == EAGAIN || errno == EACCES)) {
    rt_say("a blocking lock call would wait for another holder: EDEADLK instead of a hang");
    errno = EDEADLK;
  }
  return r;
}
int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*); /* as glibc reads it: every argument fits a pointer */
  va_end(ap);
  if (rt_lock_cmd(cmd) && rt_fd_in_scope(fd)) {
    const struct flock* fl = (const struct flock*)arg;
    int takes = cmd != F_GETLK && cmd != F_OFD_GETLK && fl && fl->l_type != F_UNLCK;
    int all = fl && fl->l_type == F_UNLCK && fl->l_whence == SEEK_SET && fl->l_start == 0 && fl->l_len == 0;
    int err = rt_take_lock(fd, 1, takes, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
    if (err) return errno = err, -1;
    int r;
    if (cmd == F_SETLKW) r = rt_no_wait(RT_NEXT(fcntl)(fd, F_SETLK, arg));
    else if (cmd == F_OFD_SETLKW) r = rt_no_wait(RT_NEXT(fcntl)(fd, F_OFD_SETLK, arg));
    else r = RT_NEXT(fcntl)(fd, cmd, arg);
    return rt_note_lock(fd, 1, r, takes, all);
  }
  return RT_NEXT(fcntl)(fd, cmd, arg);
}
int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return fcntl(fd, cmd, arg);
}
int flock(int fd, int op) RT_NOTHROW {
  if (rt_fd_in_scope(fd)) {
    int takes = (op & ~LOCK_NB) != LOCK_UN;
    int err = rt_take_lock(fd, 2, takes, takes && !(op & LOCK_NB));
    if (err) return errno = err, -1;
    int r = takes && !(op & LOCK_NB) ? rt_no_wait(RT_NEXT(flock)(fd, op | LOCK_NB)) : RT_NEXT(flock)(fd, op);
    return rt_note_lock(fd, 2, r, takes, !takes);
  }
  return RT_NEXT(flock)(fd, op);
}
int lockf(int fd, int cmd, off_t len) {
  if (rt_fd_in_scope(fd)) {
    int takes = cmd == F_LOCK || cmd == F_TLOCK;
    int all = cmd == F_ULOCK && len == 0 && lseek(fd, 0, SEEK_CUR) == 0;
    int err = rt_take_lock(fd, 1, takes, cmd == F_LOCK);
    if (err) return errno = err, -1;
    int r = cmd == F_LOCK ? rt_no_wait(RT_NEXT(lockf)(fd, F_TLOCK, len)) : RT_NEXT(lockf)(fd, cmd, len);
    return rt_note_lock(fd, 1, r, takes, all);
  }
  return RT_NEXT(lockf)(fd, cmd, len);
}
int lockf64(int fd, int cmd, off_t len) { return lockf(fd, cmd, len); }

#ifdef __cplusplus
}
#endif
/* ---- end of the runtime ---------------------------------------------------- */
