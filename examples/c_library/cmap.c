#include "cmap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void cmap_init(cmap* m) {
  m->fd = -1;
  m->base = NULL;
  m->size = m->map_len = 0;
}

/* Maps `size` bytes of m->fd into *out (NULL for 0 bytes). */
static int map_file(const cmap* m, size_t size, uint8_t** out) {
  *out = NULL;
  if (size == 0) return 0;
  void* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
  if (p == MAP_FAILED) return -errno;
  *out = (uint8_t*)p;
  return 0;
}

static size_t existing_size(int fd, int* err) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *err = -errno;
    return 0;
  }
  return (size_t)st.st_size;
}

/* Maps first (a mapping may reach past EOF while nothing touches it), then
 * allocates with the one call that can fail for lack of space. */
int cmap_open(cmap* m, const char* path, int create, size_t size) {
  int err = 0;
  m->fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
  if (m->fd < 0) {
    err = -errno;
    cmap_init(m);
    return err;
  }
  if (!create) size = existing_size(m->fd, &err);
  if (err == 0) err = map_file(m, size, &m->base);
  if (err == 0 && create && size > 0) {
    err = -posix_fallocate(m->fd, 0, (off_t)size);
    if (err != 0) munmap(m->base, size);
  }
  if (err != 0) {
    close(m->fd);
    cmap_init(m);
    return err;
  }
  m->size = m->map_len = size;
  return 0;
}

/* Shrinks the file first (a failure changes nothing), then the mapping in
 * place; if that fails the longer mapping stays, used up to the new size. */
static int shrink(cmap* m, size_t size) {
  if (ftruncate(m->fd, (off_t)size) != 0) return -errno;
  m->size = size;
  if (size == 0) {
    if (m->base && munmap(m->base, m->map_len) == 0) {
      m->base = NULL;
      m->map_len = 0;
    }
  } else if (mremap(m->base, m->map_len, size, 0) != MAP_FAILED) {
    m->map_len = size;
  }
  return 0;
}

/* Maps the new length first, then allocates; on failure the new mapping
 * goes and the old one stays. */
static int grow(cmap* m, size_t size) {
  uint8_t* fresh;
  int err = map_file(m, size, &fresh);
  if (err != 0) return err;
  err = posix_fallocate(m->fd, 0, (off_t)size);
  if (err != 0) {
    munmap(fresh, size);
    return -err;
  }
  if (m->base) munmap(m->base, m->map_len);
  m->base = fresh;
  m->size = m->map_len = size;
  return 0;
}

int cmap_resize(cmap* m, size_t size) {
  return size <= m->size ? shrink(m, size) : grow(m, size);
}

int cmap_write(cmap* m, size_t off, const void* data, size_t len) {
  if (off > m->size || len > m->size - off) return -EINVAL;
  if (len > 0) memcpy(m->base + off, data, len);
  return 0;
}

long cmap_read(const cmap* m, size_t off, void* out, size_t len) {
  if (off >= m->size) return 0;
  if (len > m->size - off) len = m->size - off;
  if (len > 0) memcpy(out, m->base + off, len);
  return (long)len;
}

int cmap_sync(cmap* m, size_t off, size_t len) {
  if (off >= m->size) return 0;
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t end = len == 0 || len > m->size - off ? m->size : off + len;
  const size_t start = off / page * page;
  if (msync(m->base + start, end - start, MS_SYNC) != 0) return -errno;
  return 0;
}

int cmap_close(cmap* m) {
  int err = 0;
  if (m->base && munmap(m->base, m->map_len) != 0) err = -errno;
  if (m->fd >= 0 && close(m->fd) != 0 && err == 0) err = -errno;
  cmap_init(m);
  return err;
}
