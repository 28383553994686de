// The model's record of the locks another process holds: which conflict
// with the library's lock, conversions, unlock, and the data file replaced.
#include "harness/outside_locks.h"

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

using faults::EventFile;
using faults::LockApi;
using faults::LockMode;

faults::OutsideEvent lock(LockApi api, LockMode mode, uint64_t offset, uint64_t length,
                          EventFile file = EventFile::kData) {
  faults::OutsideEvent e;
  e.kind = faults::OutsideKind::kLock;
  e.lock_api = api;
  e.lock_mode = mode;
  e.offset = offset;
  e.length = length;
  e.file = file;
  return e;
}

BOOST_AUTO_TEST_SUITE(outside_locks)

BOOST_AUTO_TEST_CASE(record_locks_conflict_by_range_and_family) {
  OutsideLocks l;
  BOOST_TEST(!l.any());
  l.take(lock(LockApi::kOfd, LockMode::kShared, 100, 10), true);
  BOOST_TEST(l.conflicting(LockApi::kFcntl, EventFile::kData, 0, 0) != nullptr);   // to the end: meets it
  BOOST_TEST(l.conflicting(LockApi::kFcntl, EventFile::kData, 109, 1) != nullptr);
  BOOST_TEST(l.conflicting(LockApi::kFcntl, EventFile::kData, 110, 5) == nullptr);  // just past it
  BOOST_TEST(l.conflicting(LockApi::kFcntl, EventFile::kData, 0, 100) == nullptr);  // just before it
  BOOST_TEST(l.conflicting(LockApi::kFlock, EventFile::kData, 0, 0) == nullptr);    // another family
  BOOST_TEST(l.conflicting(LockApi::kOfd, EventFile::kLock, 0, 0) == nullptr);      // another file
  l.take(lock(LockApi::kFcntl, LockMode::kExclusive, 1000, 0), true);                       // to the end and beyond
  BOOST_TEST(l.conflicting(LockApi::kOfd, EventFile::kData, UINT64_MAX - 5, 5) != nullptr);
}

BOOST_AUTO_TEST_CASE(a_second_flock_converts_and_unlock_lets_one_family_go) {
  OutsideLocks l;
  l.take(lock(LockApi::kFlock, LockMode::kShared, 5, 5), true);
  l.take(lock(LockApi::kFlock, LockMode::kExclusive, 0, 0), true);
  BOOST_TEST(l.held().size() == 1u);
  BOOST_TEST((l.held()[0].mode == LockMode::kExclusive));
  BOOST_TEST(l.held()[0].describe() == "a flock exclusive lock on the whole data file");
  l.take(lock(LockApi::kFcntl, LockMode::kShared, 0, 4096, EventFile::kJournal), true);
  BOOST_TEST(l.conflicting(LockApi::kFlock, EventFile::kData, 0, 0) != nullptr);
  l.release(LockApi::kFlock, EventFile::kData);
  BOOST_TEST(l.conflicting(LockApi::kFlock, EventFile::kData, 0, 0) == nullptr);
  BOOST_TEST(l.held().size() == 1u);
  BOOST_TEST(l.held()[0].describe() == "an fcntl shared lock on bytes [0, 4096) of the journal file");
  l.clear();
  BOOST_TEST(!l.any());
}

BOOST_AUTO_TEST_CASE(locks_on_a_replaced_data_file_stay_on_the_old_file) {
  OutsideLocks l;
  l.take(lock(LockApi::kFcntl, LockMode::kExclusive, 0, 0), true);
  l.take(lock(LockApi::kFcntl, LockMode::kExclusive, 0, 0, EventFile::kLock), true);
  l.detach_data_file();
  BOOST_TEST(l.any());
  BOOST_TEST(l.conflicting(LockApi::kFcntl, EventFile::kData, 0, 0) == nullptr);
  BOOST_TEST(l.conflicting(LockApi::kFcntl, EventFile::kData, 0, 0, true) != nullptr);  // as an excuse
  BOOST_TEST(l.conflicting(LockApi::kFcntl, EventFile::kLock, 0, 0) != nullptr);
  BOOST_TEST(l.held()[0].describe() == "an fcntl exclusive lock on bytes from 0 on of the data file (since unlinked or replaced)");
  // Taken on the new file at the path: not the library's until it opens it.
  l.take(lock(LockApi::kOfd, LockMode::kShared, 0, 0), false);
  BOOST_TEST(l.conflicting(LockApi::kOfd, EventFile::kData, 0, 0) == nullptr);
  BOOST_TEST(l.held().back().describe() == "an ofd shared lock on bytes from 0 on of the data file (the file at the path, not the library's)");
  l.library_opened_path_file();
  BOOST_TEST(l.conflicting(LockApi::kOfd, EventFile::kData, 0, 0) == &l.held().back());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
