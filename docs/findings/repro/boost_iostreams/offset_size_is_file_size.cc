// Boost.Iostreams mapped_file opened at a non-zero offset with the default
// length: open_file sets size_ to the whole file's size (fstat) instead of
// size minus offset, and maps that many bytes from the offset. size() is too
// large by `offset`, and touching its last `offset` bytes raises SIGBUS.
//
//   offset_size_is_file_size   -> 1 (wrong size; SIGBUS at the end), 0 (size is file - offset)
#include <boost/iostreams/device/mapped_file.hpp>
#include <fstream>
#include <string>

#include "../repro.h"

int main() {
  repro_catch_signals();
  const std::string path = std::string(repro_scratch_dir()) + "/data.bin";
  std::ofstream(path) << std::string(12288, 'x');
  boost::iostreams::mapped_file_params params(path);
  params.flags = boost::iostreams::mapped_file::readwrite;
  params.offset = 4096;
  boost::iostreams::mapped_file file(params);
  printf("12288-byte file mapped at offset 4096: size() = %zu (expected 8192)\n", file.size());
  if (file.size() == 8192) return REPRO_FIXED;
  printf("reading data()[size() - 1] ...\n");
  fflush(stdout);
  const char byte = static_cast<volatile char*>(file.data())[file.size() - 1];
  printf("read 0x%02x\n", static_cast<unsigned char>(byte));
  return REPRO_FOUND;
}
