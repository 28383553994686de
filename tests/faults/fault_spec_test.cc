#include "faults/fault_spec.h"

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include <boost/test/unit_test.hpp>

namespace mapfuzz::faults {
namespace {

constexpr Call kAll[] = {Call::kOpen,   Call::kFtruncate, Call::kFallocate, Call::kMmap,
                         Call::kMunmap, Call::kMremap,    Call::kMsync,     Call::kMadvise,
                         Call::kFsync,  Call::kWrite,     Call::kClose,     Call::kLock};

bool has_errno(Call call, int err) {
  size_t n = 0;
  const int* values = realistic_errnos(call, &n);
  for (size_t i = 0; i < n; ++i) {
    if (values[i] == err) return true;
  }
  return false;
}

BOOST_AUTO_TEST_SUITE(fault_spec)

BOOST_AUTO_TEST_CASE(names_are_the_libc_names) {
  BOOST_TEST(std::string(call_name(Call::kOpen)) == "open");
  BOOST_TEST(std::string(call_name(Call::kFtruncate)) == "ftruncate");
  BOOST_TEST(std::string(call_name(Call::kFallocate)) == "fallocate");
  BOOST_TEST(std::string(call_name(Call::kMmap)) == "mmap");
  BOOST_TEST(std::string(call_name(Call::kMunmap)) == "munmap");
  BOOST_TEST(std::string(call_name(Call::kMremap)) == "mremap");
  BOOST_TEST(std::string(call_name(Call::kMsync)) == "msync");
  BOOST_TEST(std::string(call_name(Call::kMadvise)) == "madvise");
  BOOST_TEST(std::string(call_name(Call::kFsync)) == "fsync");
  BOOST_TEST(std::string(call_name(Call::kWrite)) == "write");
  BOOST_TEST(std::string(call_name(Call::kClose)) == "close");
  BOOST_TEST(std::string(call_name(Call::kLock)) == "lock");
  BOOST_TEST(std::string(call_name(Call::kCount)) == "?");
}

BOOST_AUTO_TEST_CASE(names_round_trip_and_are_distinct) {
  std::set<std::string> seen;
  for (Call c : kAll) {
    Call back = Call::kCount;
    BOOST_TEST_REQUIRE(call_from_name(call_name(c), &back));
    BOOST_TEST(static_cast<int>(back) == static_cast<int>(c));
    seen.insert(call_name(c));
  }
  BOOST_TEST(seen.size() == static_cast<size_t>(Call::kCount));
}

BOOST_AUTO_TEST_CASE(unknown_names_are_rejected_and_leave_out_alone) {
  Call out = Call::kMsync;
  BOOST_TEST(!call_from_name("read", &out));
  BOOST_TEST(!call_from_name("", &out));
  BOOST_TEST(!call_from_name("Open", &out));
  BOOST_TEST(!call_from_name("open64", &out));  // aliases count as open but are not names
  BOOST_TEST(!call_from_name(nullptr, &out));
  BOOST_TEST(static_cast<int>(out) == static_cast<int>(Call::kMsync));
}

BOOST_AUTO_TEST_CASE(every_call_has_realistic_errnos) {
  for (Call c : kAll) {
    size_t n = 0;
    const int* values = realistic_errnos(c, &n);
    BOOST_TEST_CONTEXT(call_name(c)) {
      BOOST_TEST_REQUIRE(values != nullptr);
      BOOST_TEST(n >= 1);
      std::set<int> distinct(values, values + n);
      BOOST_TEST(distinct.size() == n);
      for (size_t i = 0; i < n; ++i) BOOST_TEST(values[i] > 0);
      // EINVAL/EBADF/EFAULT mean a caller bug, not a system condition.
      BOOST_TEST(!has_errno(c, EINVAL));
      BOOST_TEST(!has_errno(c, EBADF));
      BOOST_TEST(!has_errno(c, EFAULT));
    }
  }
}

BOOST_AUTO_TEST_CASE(realistic_errnos_match_the_man_pages) {
  BOOST_TEST(has_errno(Call::kOpen, EACCES));
  BOOST_TEST(has_errno(Call::kOpen, EMFILE));
  BOOST_TEST(has_errno(Call::kOpen, EDQUOT));
  BOOST_TEST(has_errno(Call::kFtruncate, EFBIG));
  BOOST_TEST(!has_errno(Call::kFtruncate, ENOSPC));
  BOOST_TEST(has_errno(Call::kFallocate, ENOSPC));
  BOOST_TEST(has_errno(Call::kMmap, ENOMEM));
  BOOST_TEST(has_errno(Call::kMmap, EACCES));
  BOOST_TEST(has_errno(Call::kMunmap, ENOMEM));
  BOOST_TEST(has_errno(Call::kMremap, ENOMEM));
  BOOST_TEST(has_errno(Call::kMsync, EIO));
  BOOST_TEST(has_errno(Call::kMadvise, EAGAIN));
  BOOST_TEST(has_errno(Call::kFsync, EIO));
  BOOST_TEST(has_errno(Call::kFsync, ENOSPC));
  BOOST_TEST(has_errno(Call::kWrite, ENOSPC));
  BOOST_TEST(has_errno(Call::kWrite, EFBIG));
  BOOST_TEST(has_errno(Call::kClose, EIO));
  size_t n = 0;
  BOOST_TEST(realistic_errnos(Call::kWrite, &n)[0] == ENOSPC);  // most common first
}

// The binary corpus encodes Call numbers: new calls go at the end.
BOOST_AUTO_TEST_CASE(call_numbers_are_stable) {
  BOOST_TEST(static_cast<int>(Call::kClose) == 10);
  BOOST_TEST(static_cast<int>(Call::kLock) == 11);
  BOOST_TEST(static_cast<int>(Call::kCount) == 12);
  Call lock = Call::kOpen;
  BOOST_TEST(call_from_name("lock", &lock));
  BOOST_TEST(static_cast<int>(lock) == static_cast<int>(Call::kLock));
}

BOOST_AUTO_TEST_CASE(lock_errnos_are_exhaustion_interruption_and_deadlock_never_contention) {
  size_t n = 0;
  const int* values = realistic_errnos(Call::kLock, &n);
  const std::set<int> got(values, values + n);
  // Contention (EAGAIN, EACCES) needs a real holder: outside lock events.
  BOOST_TEST((got == std::set<int>{EINTR, ENOLCK, EDEADLK}));
  BOOST_TEST(values[0] == ENOLCK);  // the one any lock request can get
}

BOOST_AUTO_TEST_CASE(out_of_range_call_has_none) {
  size_t n = 99;
  BOOST_TEST(realistic_errnos(Call::kCount, &n) == nullptr);
  BOOST_TEST(n == 0u);
}

BOOST_AUTO_TEST_CASE(fault_spec_defaults_fire_once_on_the_first_call) {
  const FaultSpec f;
  BOOST_TEST(f.nth == 1);
  BOOST_TEST(!f.persistent);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz::faults
