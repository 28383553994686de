// Boost.Iostreams: mapped_file grows files with ftruncate (new_file_size at
// open, resize()), which makes them sparse. On a full disk the first write to
// a new page raises SIGBUS; nothing reports ENOSPC. A documented hazard of
// sparse files.
//
//   diskfull_resize_write_sigbus   (as root: a 64 KiB tmpfs in a private mount namespace)
//     -> 1 (SIGBUS), 0 (the write went through or resize reported the full disk)
#include <boost/iostreams/device/mapped_file.hpp>
#include <string>

#include "../repro.h"

int main() {
  repro_catch_signals();
  const char* dir = repro_scratch_dir();
  repro_small_disk(dir, "64k");
  const std::string path = std::string(dir) + "/data.bin";
  boost::iostreams::mapped_file_params params(path);
  params.flags = boost::iostreams::mapped_file::readwrite;
  params.new_file_size = 8192;
  boost::iostreams::mapped_file file(params);
  memset(file.data(), 'x', 8192);
  repro_fill_disk(dir);
  try {
    file.resize(16384);
  } catch (const std::exception& e) {
    printf("resize(16384) on a full disk threw: %s\n", e.what());
    return REPRO_FIXED;
  }
  printf("resize(16384) on a full disk succeeded; writing 10 bytes at 12288 ...\n");
  fflush(stdout);
  memset(file.data() + 12288, 'y', 10);
  printf("the write went through\n");
  return REPRO_FIXED;
}
