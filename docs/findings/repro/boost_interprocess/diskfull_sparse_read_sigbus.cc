// Boost.Interprocess: a file sized with ftruncate (as managed_mapped_file
// does) is sparse. On a full disk the first touch of a hole through a
// mapped_region raises SIGBUS; on tmpfs even a read does. A documented hazard
// of sparse files, not a Boost bug: nothing in the API can report it.
//
//   diskfull_sparse_read_sigbus   (as root: a 64 KiB tmpfs in a private mount namespace)
//     -> 1 (SIGBUS), 0 (the read returned)
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <fcntl.h>

#include <string>

#include "../repro.h"

namespace bip = boost::interprocess;

int main() {
  repro_catch_signals();
  const char* dir = repro_scratch_dir();
  repro_small_disk(dir, "64k");
  repro_fill_disk(dir);
  const std::string path = std::string(dir) + "/data.bin";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd < 0 || ftruncate(fd, 4097) != 0) return REPRO_SETUP;  // sparse: succeeds on a full disk
  close(fd);

  bip::file_mapping file(path.c_str(), bip::read_write);
  bip::mapped_region region(file, bip::read_write);
  printf("full disk, 4097-byte sparse file mapped; reading byte 4095 ...\n");
  fflush(stdout);
  const char byte = static_cast<volatile char*>(region.get_address())[4095];
  printf("read 0x%02x\n", static_cast<unsigned char>(byte));
  return REPRO_FIXED;
}
