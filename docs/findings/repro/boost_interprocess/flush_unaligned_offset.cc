// Boost.Interprocess mapped_region::flush(offset, n): priv_flush_param_check
// computes the address as the page-aligned start of the mapping plus offset,
// without rounding down to a page, and hands it to msync, which refuses an
// unaligned address (EINVAL); flush returns only false.
//
//   flush_unaligned_offset byte      region at file offset 0, flush(1, 1)
//   flush_unaligned_offset aligned   region at file offset 100, flush(3996, 1):
//                                    file offset 4096, page-aligned in the file
//     -> 1 (flush returns false), 0 (flush succeeds)
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <fstream>
#include <string>

#include "../repro.h"

namespace bip = boost::interprocess;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "byte";
  const std::string path = std::string(repro_scratch_dir()) + "/data.bin";
  std::ofstream(path) << std::string(8192, 'x');
  const bip::offset_t region_offset = mode == "byte" ? 0 : 100;
  const std::size_t flush_offset = mode == "byte" ? 1 : 3996;

  bip::file_mapping file(path.c_str(), bip::read_write);
  bip::mapped_region region(file, bip::read_write, region_offset, 4096);
  static_cast<char*>(region.get_address())[flush_offset] = 'y';
  errno = 0;
  const bool ok = region.flush(flush_offset, 1, false);
  printf("region at file offset %lld, flush(%zu, 1) (file offset %lld): %s, errno %s\n",
         static_cast<long long>(region_offset), flush_offset,
         static_cast<long long>(region_offset + flush_offset), ok ? "true" : "false",
         strerrorname_np(errno) ? strerrorname_np(errno) : "0");
  return ok ? REPRO_FIXED : REPRO_FOUND;
}
