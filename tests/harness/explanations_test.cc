// The explanation table: listed pairs, fallbacks, every injectable
// (call, errno) described, signals, per-kind advice, and the why line built
// from a step's typed data.
#include "harness/explanations.h"

#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "faults/fault_spec.h"
#include "harness/why.h"

namespace mapfuzz {
namespace {

using explain::Match;

BOOST_AUTO_TEST_SUITE(explanations)

BOOST_AUTO_TEST_CASE(listed_pairs_say_what_the_kernel_means_for_that_call) {
  const explain::ErrorMeaning msync = explain::error_meaning("msync", EINVAL);
  BOOST_TEST((msync.match == Match::kExact));
  BOOST_TEST(msync.text.find("multiple of the page size") != std::string::npos);
  BOOST_TEST(explain::error_meaning("mmap", EACCES).text.find("O_RDWR") != std::string::npos);
  BOOST_TEST(explain::error_meaning("ftruncate", EFBIG).text.find("RLIMIT_FSIZE") != std::string::npos);
  BOOST_TEST(explain::error_meaning("ftruncate", EINVAL).text.find("not open for writing") != std::string::npos);
  BOOST_TEST(explain::error_meaning("fcntl", EAGAIN).text.find("conflicting lock") != std::string::npos);
  BOOST_TEST(explain::error_meaning("fcntl", EACCES).text.find("conflicting lock") != std::string::npos);
  BOOST_TEST(explain::error_meaning("ftruncate", EPERM).text.find("seal") != std::string::npos);
  BOOST_TEST(explain::error_meaning("open", EACCES).text.find("mode") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(aliases_share_their_calls_entries) {
  BOOST_TEST(explain::canonical_call("posix_fallocate") == std::string("fallocate"));
  BOOST_TEST(explain::canonical_call("pwrite64") == std::string("write"));
  BOOST_TEST(explain::canonical_call("fdatasync") == std::string("fsync"));
  BOOST_TEST(explain::canonical_call("F_OFD_SETLKW") == std::string("fcntl"));
  BOOST_TEST(explain::canonical_call("mapped_region::flush") == nullptr);
  BOOST_TEST(explain::canonical_call(nullptr) == nullptr);
  BOOST_TEST(explain::error_meaning("posix_fallocate", ENOSPC).text ==
             explain::error_meaning("fallocate", ENOSPC).text);
}

BOOST_AUTO_TEST_CASE(unlisted_pairs_fall_back_to_the_errno_then_the_call) {
  const explain::ErrorMeaning pair = explain::error_meaning("munmap", EPERM);  // not listed for munmap
  BOOST_TEST((pair.match == Match::kFallback));
  BOOST_TEST(pair.text.find("not permitted") != std::string::npos);
  BOOST_TEST(pair.text.find("still mapped") != std::string::npos);
  const explain::ErrorMeaning adapter = explain::error_meaning("mapped_region::flush", EINVAL);
  BOOST_TEST((adapter.match == Match::kFallback));
  BOOST_TEST(adapter.text.find("invalid argument") != std::string::npos);
  const explain::ErrorMeaning call_only = explain::error_meaning("msync", EXDEV);
  BOOST_TEST((call_only.match == Match::kFallback));
  BOOST_TEST(call_only.text == "the range's dirty pages are not known to be on disk");
  BOOST_TEST((explain::error_meaning("Close", EXDEV).match == Match::kUnknown));
}

// Derived from the fault layer's own list, so that adding an errno (or a
// call) there without describing it here fails.
BOOST_AUTO_TEST_CASE(every_injectable_call_and_errno_has_its_own_entry) {
  size_t pairs = 0;
  for (int c = 0; c < static_cast<int>(faults::Call::kCount); ++c) {
    const auto call = static_cast<faults::Call>(c);
    size_t count = 0;
    const int* errnos = faults::realistic_errnos(call, &count);
    for (size_t i = 0; i < count; ++i, ++pairs) {
      BOOST_TEST_CONTEXT(faults::call_name(call) << " " << errno_name(errnos[i])) {
        BOOST_TEST((explain::error_meaning(faults::call_name(call), errnos[i]).match == Match::kExact));
      }
    }
  }
  BOOST_TEST(pairs > 30u);
}

BOOST_AUTO_TEST_CASE(the_lock_calls_are_described) {
  for (const char* call : {"fcntl", "flock", "lockf"}) {
    BOOST_TEST_CONTEXT(call) {
      BOOST_TEST((explain::error_meaning(call, EAGAIN).match == Match::kExact));
      BOOST_TEST((explain::error_meaning(call, EINTR).match == Match::kExact));
      BOOST_TEST((explain::error_meaning(call, ENOLCK).match == Match::kExact));
    }
  }
  BOOST_TEST((explain::error_meaning("fcntl", EDEADLK).match == Match::kExact));
}

BOOST_AUTO_TEST_CASE(texts_fit_a_markdown_table_row) {
  const std::string doc = explain::errors_markdown();
  for (const char* call : explain::described_calls()) {
    for (int e : explain::described_errnos(call)) {
      const std::string text = explain::error_meaning(call, e).text;
      BOOST_TEST_CONTEXT(call << " " << errno_name(e)) {
        BOOST_TEST(text.find('|') == std::string::npos);
        BOOST_TEST(text.find('\n') == std::string::npos);
        BOOST_TEST(text.back() != '.');
      }
    }
    BOOST_TEST(doc.find(std::string("### ") + call + "\n") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(signals_by_si_code) {
  BOOST_TEST(std::string(explain::signal_meaning(SIGBUS, BUS_ADRERR)).find("beyond the file's end") != std::string::npos);
  BOOST_TEST(std::string(explain::signal_meaning(SIGSEGV, SEGV_ACCERR)).find("read-only") != std::string::npos);
  BOOST_TEST(std::string(explain::signal_meaning(SIGSEGV, SEGV_MAPERR)).find("not mapped") != std::string::npos);
  BOOST_TEST(std::string(explain::signal_meaning(SIGBUS, 77)) == "a bus error: an access the mapping's backing object cannot satisfy");
  BOOST_TEST(std::string(explain::signal_meaning(SIGSEGV, SI_USER)).find("sent by a process") != std::string::npos);
  BOOST_TEST(explain::signal_code_name(SIGBUS, BUS_OBJERR) == std::string("BUS_OBJERR"));
  BOOST_TEST(explain::signal_code_name(SIGBUS, 77) == std::string("BUS_?"));
  BOOST_TEST(explain::signal_code_name(SIGSEGV, 77) == std::string("SEGV_?"));
}

BOOST_AUTO_TEST_CASE(every_finding_kind_says_what_a_correct_library_does) {
  BOOST_TEST(explain::correct_library(FindingKind::kNone) == std::string(""));
  for (int k = 1; k < static_cast<int>(FindingKind::kCount); ++k) {
    const std::string text = explain::correct_library(static_cast<FindingKind>(k));
    BOOST_TEST_CONTEXT(finding_name(static_cast<FindingKind>(k))) {
      BOOST_TEST(text.rfind("A correct library", 0) == 0u);
      BOOST_TEST(text.back() == '.');
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(why)

StepRecord failed_step(Status status) {
  StepRecord s;
  s.status = status;
  return s;
}

BOOST_AUTO_TEST_CASE(a_failed_step_names_its_call_and_errno) {
  const Finding f{FindingKind::kUnexpectedError, 0, "detail text is never read"};
  const StepRecord s = failed_step(Status(EINVAL, "munmap"));
  BOOST_TEST(why_text(f, &s) == "munmap EINVAL: " + explain::error_meaning("munmap", EINVAL).text + ". " +
                                    explain::correct_library(FindingKind::kUnexpectedError));
}

BOOST_AUTO_TEST_CASE(an_adapters_call_name_takes_the_injected_call_or_the_generic_meaning) {
  const Finding f{FindingKind::kNotAtomic, 0, ""};
  StepRecord s = failed_step(Status(ENOMEM, "mapped_region::resize"));
  BOOST_TEST(why_text(f, &s).rfind("mapped_region::resize ENOMEM: out of memory", 0) == 0u);
  s.causes.add_injected(faults::Call::kMremap, ENOMEM);
  BOOST_TEST(why_text(f, &s).rfind("mremap ENOMEM: the mapping cannot grow in place", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(a_success_names_the_finding_s_own_call_or_the_injected_one) {
  Finding f{FindingKind::kUnbackedSync, 0, ""};
  f.call = "msync";
  f.error = EINVAL;
  const StepRecord ok = failed_step(Status());
  BOOST_TEST(why_text(f, &ok).rfind("msync EINVAL: the address is not a multiple of the page size", 0) == 0u);
  Finding swallowed{FindingKind::kSwallowedError, 0, ""};
  StepRecord s = failed_step(Status());
  s.causes.add_injected(faults::Call::kFallocate, ENOSPC);
  BOOST_TEST(why_text(swallowed, &s).rfind("fallocate ENOSPC: ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(signals_and_findings_without_a_call) {
  Finding f{FindingKind::kSignal, 0, ""};
  f.signo = SIGBUS;
  f.signal_code = BUS_ADRERR;
  BOOST_TEST(why_text(f, nullptr).rfind("SIGBUS BUS_ADRERR: the page is beyond the file's end", 0) == 0u);
  const Finding leak{FindingKind::kLeak, -1, ""};
  BOOST_TEST(why_text(leak, nullptr) == explain::correct_library(FindingKind::kLeak));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
