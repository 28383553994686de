// LMDB as a mapfuzz target: the name, the contract and the factory. Built
// twice from these sources: `lmdb` (the default mode: LMDB writes pages with
// pwrite/writev, the map is read-only) and `lmdb_writemap`
// (MAPFUZZ_LMDB_WRITEMAP=1: MDB_WRITEMAP, pages written in the shared map and
// made durable with msync). How the file is stored is in records.h, the
// environment's lifecycle in environment.h, the calls in subject.h.
#include "harness/subject.h"
#include "targets/lmdb/subject.h"

#ifndef MAPFUZZ_TARGET_NAME
#if MAPFUZZ_LMDB_WRITEMAP
#define MAPFUZZ_TARGET_NAME "lmdb_writemap"
#else
#define MAPFUZZ_TARGET_NAME "lmdb"
#endif
#endif

namespace mapfuzz {

const Target& this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          .write_past_end = PastEnd::kFails,
          .read_past_end = PastEnd::kFails,
          .opens_empty_file = true,
          .resizes_to_zero = true,
          // mdb_env_sync syncs the whole environment.
          .syncs_ranges = false,
          // The lock file is grown with ftruncate and initialised through its
          // mapping: on a full disk mdb_env_open dies of SIGBUS
          // (docs/findings/lmdb.md); counted as a hazard so fuzzing goes on.
          .allocates_on_growth = false,
          .file_is_raw = false,
      },
      &lmdb::make_subject,
  };
  return target;
}

}  // namespace mapfuzz
