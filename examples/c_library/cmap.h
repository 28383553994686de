/* cmap: a small C library standing in for "your library": it keeps a whole
 * file mapped read-write, copies bytes in and out of the mapping, syncs page
 * ranges with msync and remaps on resize. Every call returns 0 (or a byte
 * count) on success and a negative errno on failure. Not thread-safe. */
#ifndef CMAP_H
#define CMAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cmap {
  int fd;          /* -1 when closed */
  uint8_t* base;   /* NULL when nothing is mapped */
  size_t size;     /* the file size the caller sees */
  size_t map_len;  /* bytes mapped at base (>= size after a failed shrink) */
} cmap;

/* Leaves *m closed. Call once before anything else. */
void cmap_init(cmap* m);

/* create: creates or truncates `path` to `size` zero bytes (allocated on
 * disk) and maps it; !create: opens the existing file and maps all of it.
 * On failure *m is closed, holds no fd or mapping, and returns -errno. */
int cmap_open(cmap* m, const char* path, int create, size_t size);

/* Resizes the file and its mapping; new bytes read as zeros and are
 * allocated on disk. On failure the size, contents and mapping are as
 * before. */
int cmap_resize(cmap* m, size_t size);

/* Copies `len` bytes to offset `off`. A write past the end fails with
 * -EINVAL and changes nothing. */
int cmap_write(cmap* m, size_t off, const void* data, size_t len);

/* Copies up to `len` bytes at `off` into `out`; returns how many were
 * copied (fewer at the end of the file, 0 past it). Never fails. */
long cmap_read(const cmap* m, size_t off, void* out, size_t len);

/* Makes [off, off+len) durable with msync(MS_SYNC) over the pages that
 * hold it (len 0: the whole file). On failure returns -errno. */
int cmap_sync(cmap* m, size_t off, size_t len);

/* Unmaps and closes. Always leaves *m closed; returns the first error. */
int cmap_close(cmap* m);

#ifdef __cplusplus
}
#endif

#endif /* CMAP_H */
