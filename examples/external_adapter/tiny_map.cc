#include "tiny_map.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

static int map(TinyMap* m, size_t size) {
  if (size == 0) {
    m->base = nullptr;
  } else {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
    if (p == MAP_FAILED) return -errno;
    m->base = static_cast<uint8_t*>(p);
  }
  m->size = m->map_len = size;
  return 0;
}

// On failure the file is closed and unmapped; with `create` the file may be
// left created or truncated, holding at most the zeros a failed
// posix_fallocate kept (none on tmpfs). Nothing is written before the growth
// succeeds, so nothing needs undoing.
int tiny_open(TinyMap* m, const char* path, bool create, size_t size) {
  m->fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
  if (m->fd < 0) return -errno;
  if (!create) {
    struct stat st;
    if (fstat(m->fd, &st) != 0) size = 0; else size = static_cast<size_t>(st.st_size);
  }
  // Map the size asked for first: after O_TRUNC the mapping reaches past
  // EOF, which is allowed as long as nothing touches it. Then grow the file
  // with the one call that can fail for lack of space.
  int err = map(m, size);
  if (err == 0 && create && size > 0) {
    err = -posix_fallocate(m->fd, 0, static_cast<off_t>(size));
    if (err != 0) munmap(m->base, m->map_len);
  }
  if (err != 0) {
    close(m->fd);
    *m = TinyMap{};
  }
  return err;
}

// Atomic: on failure the file and the mapping are as before.
int tiny_resize(TinyMap* m, size_t size) {
  uint8_t* old = m->base;
  const size_t old_size = m->size, old_len = m->map_len;
  if (size <= old_size) {
    // Shrink the file first; a failure changes nothing. A failed remap after
    // it only leaves the old, longer mapping, used up to the new size.
    if (ftruncate(m->fd, static_cast<off_t>(size)) != 0) return -errno;
    if (map(m, size) != 0) {
      m->size = size;
      return 0;
    }
  } else {
    // Map the new length first (a mapping may reach past EOF), then grow the
    // file with the one call that can fail for lack of space.
    if (int err = map(m, size)) return err;
    if (int err = posix_fallocate(m->fd, 0, static_cast<off_t>(size))) {
      munmap(m->base, m->map_len);
      m->base = old;
      m->size = old_size;
      m->map_len = old_len;
      return -err;
    }
  }
  if (old) munmap(old, old_len);
  return 0;
}

int tiny_sync(TinyMap* m) {
  if (m->size > 0 && msync(m->base, m->size, MS_SYNC) != 0) return -errno;
  if (m->size == 0 && fdatasync(m->fd) != 0) return -errno;
  return 0;
}

int tiny_close(TinyMap* m) {
  int err = 0;
  if (m->base && munmap(m->base, m->map_len) != 0) err = -errno;
  if (m->fd >= 0 && close(m->fd) != 0 && err == 0) err = -errno;
  m->fd = -1;
  m->base = nullptr;
  m->size = m->map_len = 0;
  return err;
}
