/* A program that takes SIGBUS on purpose and recovers (its own handler,
 * sigsetjmp/siglongjmp), twice, on a mapping of a scoped file, then exits 0:
 * under `mapfuzz run` it must go on exactly as it would alone
 * (run_main_test.sh). Also a SIGSEGV on address 0, recovered the same way. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf g_env;

static void on_fault(int signo) { siglongjmp(g_env, signo); }

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_fault;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  const int fd = open("probe.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate(fd, 4096) != 0) return perror("probe"), 2;
  volatile char* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return perror("mmap"), 2;
  int recovered = 0;
  for (int i = 0; i < 2; ++i) {
    if (sigsetjmp(g_env, 1) == 0) {
      p[4096] = 1;  /* past the end of the file: SIGBUS */
    } else {
      ++recovered;
    }
  }
  if (sigsetjmp(g_env, 1) == 0) {
    *(volatile int*)0 = 1;
  } else {
    ++recovered;
  }
  munmap((void*)p, 8192);
  close(fd);
  printf("recovered %d\n", recovered);
  return recovered == 3 ? 0 : 1;
}
