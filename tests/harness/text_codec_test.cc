// Tests of harness/text_codec.cc: the grammar, its limits, error messages with
// line numbers, hex formatting, and the seed corpus parsing.
#include "harness/text_codec.h"

#include <boost/test/unit_test.hpp>

#include <ostream>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mapfuzz {

// For Boost.Test's messages.
inline std::ostream& operator<<(std::ostream& out, OpKind kind) { return out << op_kind_name(kind); }

namespace {

Program parse_ok(const std::string& text) {
  Program p;
  std::string error;
  BOOST_REQUIRE_MESSAGE(parse_program(text, &p, &error), error);
  return p;
}

std::string parse_error(const std::string& text) {
  Program p;
  std::string error;
  BOOST_REQUIRE_MESSAGE(!parse_program(text, &p, &error), "parsed: " << text);
  return error;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

BOOST_AUTO_TEST_SUITE(text_codec)

BOOST_AUTO_TEST_CASE(parses_every_op) {
  Program p = parse_ok(
      "# comments and blank lines are ignored\n"
      "\n"
      "open create size=65536\n"
      "open existing\n"
      "resize size=0x1000   # trailing comment\n"
      "write offset=4096 length=100 seed=7\n"
      "read length=4096 offset=0\n"
      "sync offset=0 length=0\n"
      "sync\n"
      "close\n"
      "reopen\n"
      "fault call=ftruncate errno=ENOSPC nth=1 once\n"
      "\tfault   call=msync errno=EIO nth=0x10 persistent\r\n");
  BOOST_REQUIRE_EQUAL(p.ops.size(), 11u);
  BOOST_TEST((p.ops[0].kind == OpKind::kOpen && p.ops[0].create && p.ops[0].size == 65536));
  BOOST_TEST((p.ops[1].kind == OpKind::kOpen && !p.ops[1].create));
  BOOST_TEST((p.ops[2].kind == OpKind::kResize && p.ops[2].size == 4096));
  BOOST_TEST((p.ops[3].kind == OpKind::kWrite && p.ops[3].offset == 4096 && p.ops[3].length == 100 &&
              p.ops[3].seed == 7));
  BOOST_TEST((p.ops[4].kind == OpKind::kRead && p.ops[4].offset == 0 && p.ops[4].length == 4096));
  BOOST_TEST((p.ops[5].kind == OpKind::kSync && p.ops[5].offset == 0 && p.ops[5].length == 0));
  BOOST_TEST((p.ops[6] == p.ops[5]));
  BOOST_TEST((p.ops[7].kind == OpKind::kClose));
  BOOST_TEST((p.ops[8].kind == OpKind::kReopen));
  BOOST_TEST((p.ops[9].kind == OpKind::kFault && p.ops[9].fault.call == faults::Call::kFtruncate &&
              p.ops[9].fault.err == ENOSPC && p.ops[9].fault.nth == 1 && !p.ops[9].fault.persistent));
  BOOST_TEST((p.ops[10].fault.call == faults::Call::kMsync && p.ops[10].fault.err == EIO &&
              p.ops[10].fault.nth == 16 && p.ops[10].fault.persistent));

  // format → parse gives the same program.
  std::string text = format_program(p);
  BOOST_TEST(text.rfind("# mapfuzz program v1\n", 0) == 0);
  BOOST_TEST((parse_ok(text) == p));
}

BOOST_AUTO_TEST_CASE(formats_each_op) {
  Program p = parse_ok(
      "open create size=10\nopen existing\nresize size=0\nwrite offset=1 length=2 seed=3\n"
      "read offset=4 length=5\nsync\nclose\nreopen\nfault call=mmap errno=ENOMEM nth=2 persistent\n");
  BOOST_TEST(format_program(p) ==
             "# mapfuzz program v1\n"
             "open create size=10\n"
             "open existing\n"
             "resize size=0\n"
             "write offset=1 length=2 seed=3\n"
             "read offset=4 length=5\n"
             "sync offset=0 length=0\n"
             "close\n"
             "reopen\n"
             "fault call=mmap errno=ENOMEM nth=2 persistent\n");
}

BOOST_AUTO_TEST_CASE(lock_events_parse_format_and_round_trip) {
  const std::string text =
      "outside lock kind=fcntl mode=exclusive offset=1073741826 length=510\n"
      "outside lock kind=flock mode=shared offset=0 length=0 file=lock\n"
      "outside lock kind=ofd mode=shared offset=0 length=0 after-mmap\n"
      "outside unlock kind=fcntl file=journal\n";
  const Program p = parse_ok(text);
  BOOST_REQUIRE(p.ops.size() == 4u);
  const faults::OutsideEvent& e = p.ops[0].outside;
  BOOST_TEST((e.kind == faults::OutsideKind::kLock && e.lock_api == faults::LockApi::kFcntl));
  BOOST_TEST((e.lock_mode == faults::LockMode::kExclusive && e.file == faults::EventFile::kData));
  BOOST_TEST(e.offset == 0x40000002u);
  BOOST_TEST(e.length == 510u);
  BOOST_TEST((p.ops[1].outside.file == faults::EventFile::kLock));
  BOOST_TEST(p.ops[2].after_mmap);
  BOOST_TEST((p.ops[3].outside.kind == faults::OutsideKind::kUnlock));
  BOOST_TEST(contains(format_program(p), text));
  BOOST_TEST((parse_ok(format_program(p)) == p));
  BOOST_TEST(contains(parse_error("outside lock kind=posix mode=shared offset=0 length=0\n"), "unknown kind 'posix'"));
  BOOST_TEST(contains(parse_error("outside lock kind=fcntl offset=0 length=0\n"), "missing field 'mode'"));
  BOOST_TEST(contains(parse_error("outside unlock kind=ofd file=wall\n"), "unknown file 'wall'"));
  BOOST_TEST(contains(parse_error("outside unlock kind=ofd mode=shared\n"), "no field 'mode'"));
}

BOOST_AUTO_TEST_CASE(threads_parse_format_and_round_trip) {
  const std::string text =
      "write offset=0 length=16 seed=7 thread=2 concurrent\n"
      "read offset=0 length=16 thread=1\n"
      "outside shrink size=0 thread=1\n"
      "sync offset=0 length=0\n";
  const Program p = parse_ok(text);
  BOOST_REQUIRE(p.ops.size() == 4u);
  BOOST_TEST((p.ops[0].thread == 2 && p.ops[0].concurrent));
  BOOST_TEST((p.ops[1].thread == 1 && !p.ops[1].concurrent));
  BOOST_TEST(p.ops[2].thread == 1);
  BOOST_TEST((p.ops[3].thread == 0 && !p.ops[3].concurrent));
  BOOST_TEST(contains(format_program(p), text));
  BOOST_TEST((parse_ok(format_program(p)) == p));
  BOOST_TEST(contains(parse_error("read offset=0 length=1 thread=3\n"), "thread"));
}

BOOST_AUTO_TEST_CASE(values_above_2_32_print_as_hex) {
  Op op;
  op.kind = OpKind::kRead;
  op.offset = uint64_t{1} << 32;
  op.length = 1;
  BOOST_TEST(format_op(op) == "read offset=4294967296 length=1");
  op.offset = (uint64_t{1} << 32) + 1;
  BOOST_TEST(format_op(op) == "read offset=0x100000001 length=1");
  op.offset = UINT64_MAX;
  BOOST_TEST(format_op(op) == "read offset=0xffffffffffffffff length=1");
  BOOST_TEST(parse_ok("read offset=0xFFFFFFFFFFFFFFFF length=1").ops[0].offset == UINT64_MAX);
  BOOST_TEST(parse_ok("read offset=18446744073709551615 length=1").ops[0].offset == UINT64_MAX);
}

BOOST_AUTO_TEST_CASE(unnamed_errnos_round_trip) {
  Program p = parse_ok("fault call=close errno=E200 nth=1 once\nfault call=write errno=E5 nth=1 once");
  BOOST_TEST(p.ops[0].fault.err == 200);
  BOOST_TEST(p.ops[1].fault.err == EIO);
  BOOST_TEST(format_op(p.ops[0]) == "fault call=close errno=E200 nth=1 once");
  BOOST_TEST(contains(parse_error("fault call=close errno=EFOO nth=1 once"), "unknown errno 'EFOO'"));
  BOOST_TEST(contains(parse_error("fault call=close errno=OK nth=1 once"), "unknown errno"));
  BOOST_TEST(contains(parse_error("fault call=close errno=E0 nth=1 once"), "unknown errno"));
}

BOOST_AUTO_TEST_CASE(lock_faults_round_trip) {
  Program p = parse_ok("fault call=lock errno=EAGAIN nth=1 once\nfault call=lock errno=ENOLCK nth=3 persistent\n"
                       "fault call=lock errno=EDEADLK nth=1 once");
  BOOST_TEST_REQUIRE(p.ops.size() == 3u);
  BOOST_TEST((p.ops[0].fault.call == faults::Call::kLock && p.ops[0].fault.err == EAGAIN));
  BOOST_TEST(!p.ops[0].fault.persistent);
  BOOST_TEST(format_op(p.ops[0]) == "fault call=lock errno=EAGAIN nth=1 once");
  BOOST_TEST(format_op(p.ops[1]) == "fault call=lock errno=ENOLCK nth=3 persistent");
  BOOST_TEST(format_op(p.ops[2]) == "fault call=lock errno=EDEADLK nth=1 once");
  BOOST_TEST(contains(parse_error("fault call=flock errno=EAGAIN nth=1 once"), "flock"));  // one name: lock
}

BOOST_AUTO_TEST_CASE(errors_carry_line_numbers) {
  BOOST_TEST(parse_error("open create size=1\n\n# x\nfrobnicate\n") == "line 4: unknown op 'frobnicate'");
  BOOST_TEST(parse_error("close\nwrite offset=1 seed=2\n") == "line 2: write is missing field 'length'");
  BOOST_TEST(parse_error("close\nclose\nwrite offset=1 length=2\n") == "line 3: write is missing field 'seed'");
  BOOST_TEST(parse_error("open create\n") == "line 1: open is missing field 'size'");
  BOOST_TEST(contains(parse_error("close\nopen\n"), "line 2: open needs exactly one of 'create' or 'existing'"));
  BOOST_TEST(contains(parse_error("open create existing size=1\n"), "line 1: open needs exactly one of"));
  BOOST_TEST(contains(parse_error("close\r\nclose\r\nfault call=mmap errno=EBOGUS nth=1 once\r\n"),
                      "line 3: unknown errno 'EBOGUS'"));
  BOOST_TEST(contains(parse_error("fault call=mmapp errno=EIO nth=1 once"), "line 1: unknown call 'mmapp'"));
  BOOST_TEST(contains(parse_error("fault call=mmap errno=EIO nth=1"), "line 1: fault needs exactly one of"));
  BOOST_TEST(contains(parse_error("fault call=mmap errno=EIO nth=0 once"), "line 1: value too small for nth"));
  BOOST_TEST(contains(parse_error("read offset=1 offset=2 length=3"), "line 1: duplicate field 'offset'"));
  BOOST_TEST(contains(parse_error("read offset=1 length=3 seed=4"), "line 1: read has no field 'seed'"));
  BOOST_TEST(contains(parse_error("close now"), "line 1: unexpected 'now'"));
  BOOST_TEST(contains(parse_error("read offset=-1 length=3"), "line 1: bad number for offset: '-1'"));
  BOOST_TEST(contains(parse_error("read offset=0x length=3"), "bad number"));
  BOOST_TEST(contains(parse_error("read offset=12abc length=3"), "bad number"));
  BOOST_TEST(contains(parse_error("read offset= length=3"), "bad number"));
}

BOOST_AUTO_TEST_CASE(limits_are_enforced) {
  parse_ok("open create size=4194304");
  BOOST_TEST(parse_error("open create size=4194305") ==
             "line 1: value too large for size: 4194305 (limit 4194304)");
  BOOST_TEST(contains(parse_error("close\nresize size=0x400001"), "line 2: value too large for size"));
  parse_ok("write offset=0 length=262144 seed=255");
  BOOST_TEST(parse_error("write offset=0 length=262145 seed=1") ==
             "line 1: value too large for length: 262145 (limit 262144)");
  BOOST_TEST(contains(parse_error("write offset=0 length=1 seed=256"), "value too large for seed: 256 (limit 255)"));
  BOOST_TEST(contains(parse_error("read offset=0 length=262145"), "value too large for length"));
  parse_ok("sync offset=0 length=4194304");
  BOOST_TEST(contains(parse_error("sync offset=0 length=4194305"), "value too large for length"));
  BOOST_TEST(contains(parse_error("read offset=18446744073709551616 length=1"),
                      "value too large for offset: 18446744073709551616 (limit 0xffffffffffffffff)"));
  BOOST_TEST(contains(parse_error("read offset=0x10000000000000000 length=1"), "value too large for offset"));
  parse_ok("fault call=open errno=EIO nth=65535 once");
  BOOST_TEST(contains(parse_error("fault call=open errno=EIO nth=65536 once"), "value too large for nth"));

  std::string max_ops;
  for (size_t i = 0; i < kMaxOps; ++i) max_ops += "close\n";
  BOOST_TEST(parse_ok(max_ops).ops.size() == kMaxOps);
  BOOST_TEST(parse_error(max_ops + "# fine\nclose\n") ==
             "line " + std::to_string(kMaxOps + 2) + ": too many operations (limit 64)");
}

BOOST_AUTO_TEST_CASE(looks_like_text_tells_text_from_binary) {
  BOOST_TEST(looks_like_text("# mapfuzz program v1\n"));
  BOOST_TEST(looks_like_text("# hand-written\n\nopen create size=1\n"));
  BOOST_TEST(looks_like_text("  reopen"));
  BOOST_TEST(!looks_like_text(""));
  BOOST_TEST(!looks_like_text("# only a comment\n"));
  BOOST_TEST(!looks_like_text("hello world\n"));
  BOOST_TEST(!looks_like_text(std::string("\x01\x02\x01\x02", 4)));
  BOOST_TEST(!looks_like_text(std::string("open\0create", 11)));
  BOOST_TEST(looks_like_text("# what: ftruncate\u2192EIO was reported as success\nopen create size=1\n"));
  BOOST_TEST(!looks_like_text("open create size=1 \u2192\n"));
}

BOOST_AUTO_TEST_CASE(reference_corpus_parses) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(MAPFUZZ_SOURCE_DIR) / "corpus" / "reference";
  int files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    BOOST_TEST_CONTEXT(entry.path().filename().string()) {
      BOOST_TEST(looks_like_text(text.str()));
      Program p;
      std::string error;
      BOOST_TEST(parse_program(text.str(), &p, &error), error);
      BOOST_TEST(!p.ops.empty());
      BOOST_TEST(text.str().rfind("# ", 0) == 0);  // starts with a comment saying what it exercises
    }
    ++files;
  }
  BOOST_TEST(files >= 10);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
