/* Not a test: the cost of one file call under `mapfuzz run`'s preload. Makes
 * N ftruncate calls (alternating two sizes) on FILE and prints the median
 * nanoseconds per call over 5 rounds. tests/bench/run_bench.sh runs it plain,
 * under the preload on a scoped file, and under the preload on a file outside
 * the scope.
 *   bench_run_call FILE N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc != 3) return fprintf(stderr, "usage: bench_run_call FILE N\n"), 2;
  const long n = atol(argv[2]);
  const int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || n <= 0) return perror("bench_run_call"), 2;
  double per_call[5];
  for (int round = 0; round < 5; ++round) {
    const double start = now_ns();
    for (long i = 0; i < n; ++i) {
      if (ftruncate(fd, (i & 1) ? 8192 : 4096) != 0) return perror("ftruncate"), 1;
    }
    per_call[round] = (now_ns() - start) / n;
  }
  qsort(per_call, 5, sizeof per_call[0], cmp);
  printf("%.0f\n", per_call[2]);
  close(fd);
  unlink(argv[1]);
  return 0;
}
