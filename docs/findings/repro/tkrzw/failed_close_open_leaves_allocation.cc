// tkrzw MemoryMapParallelFile keeps the file at its allocation size (1 MiB by
// default) while open. A Close whose ftruncate back to the logical size fails,
// or an Open whose mmap fails after it grew the file, leaves the file at the
// allocation size.
//
//   LD_PRELOAD=fail_shim.so failed_close_open_leaves_allocation close|open
//     -> 1 (file left at 1 MiB), 0 (file still 100 bytes)
#include <fstream>
#include <string>

#include "../repro.h"
#include "tkrzw_file_mmap.h"

int main(int argc, char** argv) {
  const std::string op = argc > 1 ? argv[1] : "close";
  const std::string path = std::string(repro_scratch_dir()) + "/data.tkh";
  tkrzw::MemoryMapParallelFile file;
  tkrzw::Status st;
  if (op == "close") {
    if (file.Open(path, true, tkrzw::File::OPEN_TRUNCATE) != tkrzw::Status::SUCCESS ||
        file.Write(0, std::string(100, 'x').data(), 100) != tkrzw::Status::SUCCESS)
      return REPRO_SETUP;
    repro_arm("ftruncate:1:EIO", "/data.tkh");
    st = file.Close();
  } else {
    std::ofstream(path) << std::string(100, 'x');  // an existing 100-byte file
    repro_arm("mmap:1:ENOMEM", "/data.tkh");
    st = file.Open(path, true, tkrzw::File::OPEN_NO_CREATE);
  }
  repro_expect_failures(1);
  const long long size = repro_file_size(path.c_str());
  printf("%s with the fault: %s; the 100-byte file is now %lld bytes\n", op.c_str(),
         st.GetMessage().c_str(), size);
  return size == 100 ? REPRO_FIXED : REPRO_FOUND;
}
