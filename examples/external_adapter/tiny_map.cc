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
  m->size = size;
  return 0;
}

int tiny_open(TinyMap* m, const char* path, bool create, size_t size) {
  m->fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
  if (m->fd < 0) return -errno;
  if (!create) {
    struct stat st;
    if (fstat(m->fd, &st) != 0) size = 0; else size = static_cast<size_t>(st.st_size);
  } else if (size > 0) {
    if (int err = posix_fallocate(m->fd, 0, static_cast<off_t>(size))) {
      close(m->fd);
      m->fd = -1;
      return -err;
    }
  }
  if (int err = map(m, size)) {
    close(m->fd);
    m->fd = -1;
    return err;
  }
  return 0;
}

int tiny_resize(TinyMap* m, size_t size) {
  if (size > m->size) {
    if (int err = posix_fallocate(m->fd, 0, static_cast<off_t>(size))) return -err;
  }
  uint8_t* old = m->base;
  const size_t old_size = m->size;
  if (int err = map(m, size)) {
    if (size > old_size && ftruncate(m->fd, static_cast<off_t>(old_size)) != 0) return -errno;
    return err;
  }
  if (old) munmap(old, old_size);
  if (size < old_size && ftruncate(m->fd, static_cast<off_t>(size)) != 0) return -errno;
  return 0;
}

int tiny_sync(TinyMap* m) {
  if (m->base && msync(m->base, m->size, MS_SYNC) != 0) return -errno;
  if (!m->base && fdatasync(m->fd) != 0) return -errno;
  return 0;
}

int tiny_close(TinyMap* m) {
  int err = 0;
  if (m->base && munmap(m->base, m->size) != 0) err = -errno;
  if (m->fd >= 0 && close(m->fd) != 0 && err == 0) err = -errno;
  m->fd = -1;
  m->base = nullptr;
  m->size = 0;
  return err;
}
