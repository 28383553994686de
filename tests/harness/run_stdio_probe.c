/* A C program that opens its file with stdio and maps it through fileno(),
 * as many do: under `mapfuzz run` the stream is scoped like an open fd, so
 * its ftruncate, mmap and msync are seen and can be failed
 * (run_main_test.sh). Exits 0 when everything worked, 1 (with the error
 * printed) when a call failed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char* what) {
  fprintf(stderr, "stdio_probe: %s: %s\n", what, strerror(errno));
  return 1;
}

int main(void) {
  FILE* f = fopen("data.bin", "w+");
  if (f == NULL) return fail("fopen");
  if (ftruncate(fileno(f), 8192) != 0) return fail("ftruncate");
  char* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fileno(f), 0);
  if (p == MAP_FAILED) return fail("mmap");
  memcpy(p + 4096, "hello", 5);
  if (msync(p, 8192, MS_SYNC) != 0) return fail("msync");
  munmap(p, 8192);
  if (fclose(f) != 0) return fail("fclose");
  puts("stdio_probe: ok");
  return 0;
}
