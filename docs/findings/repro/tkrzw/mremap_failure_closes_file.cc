// tkrzw MemoryMapParallelFile: when mremap fails inside Truncate, Write's
// growth or Synchronize, tkrzw sets its map pointer to null and closes the
// file without unmapping the old mapping: the call fails, the file is closed
// (the next GetSize says "not opened file") and the mapping leaks.
//
//   LD_PRELOAD=fail_shim.so mremap_failure_closes_file truncate|write|sync
//     -> 1 (file closed, mapping leaked), 0 (the failed call left the file open)
#include <fstream>
#include <string>

#include "../repro.h"
#include "tkrzw_file_mmap.h"

// Whether /proc/self/maps still lists a mapping of path.
static bool still_mapped(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (line.size() >= path.size() && line.compare(line.size() - path.size(), path.size(), path) == 0)
      return true;
  return false;
}

int main(int argc, char** argv) {
  const std::string op = argc > 1 ? argv[1] : "truncate";
  const std::string path = std::string(repro_scratch_dir()) + "/data.tkh";
  tkrzw::MemoryMapParallelFile file;
  file.SetAllocationStrategy(1, 1.0);  // map exactly what is asked (one page at least)
  if (file.Open(path, true, tkrzw::File::OPEN_TRUNCATE) != tkrzw::Status::SUCCESS ||
      file.Truncate(op == "sync" ? 5000 : 8192) != tkrzw::Status::SUCCESS)
    return REPRO_SETUP;

  repro_arm("mremap:1:ENOMEM", "/data.tkh");
  tkrzw::Status st;
  if (op == "truncate") {
    st = file.Truncate(16384);
  } else if (op == "write") {
    st = file.Write(8192, "x", 1);
  } else {
    st = file.Synchronize(true);  // remaps to the logical size (5000) first
  }
  repro_expect_failures(1);
  unsetenv("REPRO_FAIL");
  int64_t size = -1;
  const tkrzw::Status size_st = file.GetSize(&size);
  const bool leaked = still_mapped(path);
  printf("%s with mremap failing: %s; then GetSize: %s; mapping of the file still in /proc/self/maps: %s\n",
         op.c_str(), st.GetMessage().c_str(), size_st.GetMessage().c_str(), leaked ? "yes" : "no");
  return size_st == tkrzw::Status::SUCCESS ? REPRO_FIXED : REPRO_FOUND;
}
