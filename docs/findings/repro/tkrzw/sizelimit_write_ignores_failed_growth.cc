// tkrzw MemoryMapParallelFile: a Truncate whose ftruncate fails (EFBIG under
// RLIMIT_FSIZE) keeps the grown mapping size, so the next Write inside it does
// no system call and stores past the file's end: SIGBUS.
//
//   sizelimit_write_ignores_failed_growth truncate-then-write   -> 1 (SIGBUS)
//   sizelimit_write_ignores_failed_growth write                 -> 0 (EFBIG, clean)
//
// No fault shim: the failure is real (a 4-byte file size limit, during the
// failing call only).
#include <sys/resource.h>

#include <string>

#include "../repro.h"
#include "tkrzw_file_mmap.h"

// Limits the size of files this process writes (RLIMIT_FSIZE, soft limit).
static void set_size_limit(rlim_t bytes) {
  struct rlimit limit;
  getrlimit(RLIMIT_FSIZE, &limit);
  limit.rlim_cur = bytes;
  setrlimit(RLIMIT_FSIZE, &limit);
}

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "truncate-then-write";
  repro_catch_signals();
  const std::string path = std::string(repro_scratch_dir()) + "/data.tkh";
  tkrzw::MemoryMapParallelFile file;
  file.SetAllocationStrategy(1, 1.0);  // map exactly what is asked (one page at least)
  if (file.Open(path, true, tkrzw::File::OPEN_TRUNCATE) != tkrzw::Status::SUCCESS) return REPRO_SETUP;

  signal(SIGXFSZ, SIG_IGN);  // let ftruncate fail with EFBIG instead of killing us
  if (mode == "truncate-then-write") {
    // The limit holds only during Truncate: if Write tried to grow the file
    // afterwards, it would succeed.
    set_size_limit(4);
    const tkrzw::Status st = file.Truncate(94208);
    set_size_limit(RLIM_INFINITY);
    printf("Truncate(94208) under a 4-byte size limit: %s (file size %lld)\n",
           st.GetMessage().c_str(), repro_file_size(path.c_str()));
    if (st == tkrzw::Status::SUCCESS) return REPRO_SETUP;
  }
  const std::string data(94073, 'x');
  printf("Write(0, %zu bytes)%s ...\n", data.size(), mode == "write" ? " under a 4-byte size limit" : "");
  fflush(stdout);
  if (mode == "write") set_size_limit(4);
  const tkrzw::Status st = file.Write(0, data.data(), data.size());
  set_size_limit(RLIM_INFINITY);
  printf("Write returned: %s (file size %lld)\n", st.GetMessage().c_str(), repro_file_size(path.c_str()));
  return st == tkrzw::Status::SUCCESS ? REPRO_FOUND : REPRO_FIXED;
}
