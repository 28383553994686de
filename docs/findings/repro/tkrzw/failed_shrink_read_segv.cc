// tkrzw MemoryMapParallelFile: a shrinking Truncate shrinks the mapping
// (mremap) first; when the ftruncate after it fails, the logical size stays
// the old one over the smaller mapping, and a Read of the old range touches
// unmapped memory: SIGSEGV.
//
//   LD_PRELOAD=fail_shim.so failed_shrink_read_segv   -> 1 (SIGSEGV), 0 (clean)
#include <string>

#include "../repro.h"
#include "tkrzw_file_mmap.h"

int main() {
  repro_catch_signals();
  const std::string path = std::string(repro_scratch_dir()) + "/data.tkh";
  tkrzw::MemoryMapParallelFile file;
  file.SetAllocationStrategy(1, 1.0);  // map exactly what is asked (one page at least)
  if (file.Open(path, true, tkrzw::File::OPEN_TRUNCATE) != tkrzw::Status::SUCCESS ||
      file.Truncate(8192) != tkrzw::Status::SUCCESS)
    return REPRO_SETUP;

  repro_arm("ftruncate:1:EIO", "/data.tkh");
  const tkrzw::Status st = file.Truncate(4096);
  repro_expect_failures(1);
  int64_t size = -1;
  file.GetSize(&size);
  printf("Truncate(4096) with ftruncate failing: %s; GetSize = %lld\n", st.GetMessage().c_str(),
         static_cast<long long>(size));
  std::string buf(static_cast<size_t>(size > 0 ? size : 0), '\0');
  printf("Read(0, %lld) ...\n", static_cast<long long>(size));
  fflush(stdout);
  const tkrzw::Status rst = file.Read(0, buf.data(), buf.size());
  printf("Read returned: %s\n", rst.GetMessage().c_str());
  return REPRO_FIXED;
}
