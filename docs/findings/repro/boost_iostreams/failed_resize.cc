// Boost.Iostreams mapped_file::resize unmaps, ftruncates, then maps again. On
// any failure it calls cleanup_and_throw, which closes the file: a failed
// resize leaves the mapped_file closed, and when the mmap fails after the
// ftruncate, the file on disk keeps the new size.
//
//   LD_PRELOAD=fail_shim.so failed_resize ftruncate   -> 1 (file closed), 0 (still open)
//   LD_PRELOAD=fail_shim.so failed_resize mmap        -> 1 (closed, file resized), 0
#include <boost/iostreams/device/mapped_file.hpp>
#include <string>

#include "../repro.h"

int main(int argc, char** argv) {
  const std::string call = argc > 1 ? argv[1] : "ftruncate";
  const std::string path = std::string(repro_scratch_dir()) + "/data.bin";
  boost::iostreams::mapped_file_params params(path);
  params.flags = boost::iostreams::mapped_file::readwrite;
  params.new_file_size = 8192;
  boost::iostreams::mapped_file file(params);
  memset(file.data(), 'x', 100);

  repro_arm(call == "mmap" ? "mmap:1:ENOMEM" : "ftruncate:1:ENOSPC", "/data.bin");
  try {
    file.resize(16384);
    printf("resize(16384) succeeded\n");
  } catch (const std::exception& e) {
    printf("resize(16384) with %s failing threw: %s\n", call.c_str(), e.what());
  }
  repro_expect_failures(1);
  unsetenv("REPRO_FAIL");
  const long long size = repro_file_size(path.c_str());
  printf("is_open() = %d; the file is %lld bytes (was 8192)\n", file.is_open(), size);
  return file.is_open() && size == 8192 ? REPRO_FIXED : REPRO_FOUND;
}
