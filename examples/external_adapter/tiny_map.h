// A deliberately small mapping library standing in for "your library": maps
// a whole file read-write and remaps on resize. Errors are -errno.
#pragma once
#include <cstddef>
#include <cstdint>

struct TinyMap {
  int fd = -1;
  uint8_t* base = nullptr;
  size_t size = 0;     // the file size the caller sees
  size_t map_len = 0;  // bytes mapped at base (>= size after a failed remap)
};

int tiny_open(TinyMap* m, const char* path, bool create, size_t size);
int tiny_resize(TinyMap* m, size_t size);
int tiny_sync(TinyMap* m);
int tiny_close(TinyMap* m);
