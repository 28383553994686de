// The harness's own files are written whole or not at all, and a failure
// names its errno: harness/artifact_file.h and save_program (report.h).
#include "harness/artifact_file.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "harness/report.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

namespace fs = std::filesystem;

struct Dir {
  fs::path path = fs::temp_directory_path() / ("mapfuzz-artifact-test-" + std::to_string(::getpid()));
  Dir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(path), {})); }
};

std::string contents(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// While alive, this process may write files of at most `bytes` bytes
// (RLIMIT_FSIZE, soft limit only; the hard one stays).
class SizeLimit {
 public:
  explicit SizeLimit(rlim_t bytes) {
    BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_) == 0);
    struct rlimit limit = old_;
    limit.rlim_cur = bytes;
    BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~SizeLimit() { ::setrlimit(RLIMIT_FSIZE, &old_); }

 private:
  struct rlimit old_ {};
};

BOOST_AUTO_TEST_CASE(writes_the_whole_file_and_leaves_no_temporary) {
  Dir dir;
  const fs::path file = dir.path / "out.txt";
  BOOST_TEST(write_file_atomically(file, "first").ok());
  BOOST_TEST(write_file_atomically(file, "second, longer").ok());
  BOOST_TEST(contents(file) == "second, longer");
  BOOST_TEST(dir.entries() == 1u);
}

BOOST_AUTO_TEST_CASE(a_path_under_a_regular_file_names_enotdir) {
  Dir dir;
  std::ofstream(dir.path / "plain") << "x";
  const std::string path = (dir.path / "plain" / "out.txt").string();
  const Status s = write_file_atomically(path, "data");
  BOOST_TEST(s.code() == ENOTDIR);
  BOOST_TEST(write_error(path, s) == "cannot write " + path + ": Not a directory");
}

// A file size limit cuts the write: EFBIG (not death by SIGXFSZ), no empty
// or partial file, the old contents kept.
BOOST_AUTO_TEST_CASE(a_write_cut_by_a_size_limit_leaves_nothing_behind) {
  Dir dir;
  const fs::path file = dir.path / "out.txt";
  BOOST_REQUIRE(write_file_atomically(file, "old").ok());
  Status s;
  {
    SizeLimit limit(8);
    s = write_file_atomically(file, std::string(100, 'x'));
  }
  BOOST_TEST(s.code() == EFBIG);
  BOOST_TEST(std::string(s.call()) == "write");
  BOOST_TEST(write_error(file, s) == "cannot write " + file.string() + ": File too large");
  BOOST_TEST(contents(file) == "old");
  BOOST_TEST(dir.entries() == 1u);
}

// A finding's saved program: "" and no file (the reason on stderr) when the
// write fails part way.
BOOST_AUTO_TEST_CASE(save_program_leaves_no_partial_file) {
  Dir dir;
  Program program;
  std::string error;
  BOOST_REQUIRE(parse_program("open create size=4096\nwrite offset=0 length=100 seed=1\nclose\n", &program, &error));
  std::string saved;
  {
    SizeLimit limit(8);
    saved = save_program(dir.path.string() + "/", program, FindingKind::kWrongSize);
  }
  BOOST_TEST(saved.empty());
  BOOST_TEST(dir.entries() == 0u);
  saved = save_program(dir.path.string() + "/", program, FindingKind::kWrongSize);
  BOOST_TEST(!saved.empty());
  BOOST_TEST(contents(saved) == format_program(program));
}

}  // namespace
}  // namespace mapfuzz
