// tkrzw MemoryMapParallelFile: Truncate to a smaller size leaves the cut bytes
// in the mapping (and in the file's allocation); growing the file again makes
// them readable instead of zeros.
//
//   stale_bytes_after_shrink   -> 1 (the cut byte comes back), 0 (reads 0x00)
#include <string>

#include "../repro.h"
#include "tkrzw_file_mmap.h"

int main() {
  const std::string path = std::string(repro_scratch_dir()) + "/data.tkh";
  tkrzw::MemoryMapParallelFile file;  // default strategy: 1 MiB initial allocation
  if (file.Open(path, true, tkrzw::File::OPEN_TRUNCATE) != tkrzw::Status::SUCCESS) return REPRO_SETUP;
  const char byte = '\xc3';
  file.Write(0, &byte, 1);
  file.Truncate(0);
  file.Truncate(1);
  char got = 0;
  const tkrzw::Status st = file.Read(0, &got, 1);
  printf("wrote 0xc3 at 0, Truncate(0), Truncate(1), Read(0, 1): %s, byte 0x%02x (expected 0x00)\n",
         st == tkrzw::Status::SUCCESS ? "ok" : st.GetMessage().c_str(), static_cast<unsigned char>(got));
  file.Close();
  if (st != tkrzw::Status::SUCCESS) return REPRO_SETUP;
  return got == 0 ? REPRO_FIXED : REPRO_FOUND;
}
