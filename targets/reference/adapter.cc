// The reference library as a mapfuzz target: Subject forwards to MappedFile.
#include <memory>
#include <string>

#include "harness/subject.h"
#include "targets/reference/mapped_file.h"
#include "targets/reference/mutants.h"
#include "targets/reference/style.h"

#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME "reference"
#endif

namespace mapfuzz {
namespace {

// Says each call to the transcript (export) in C++: `lib` is a
// std::unique_ptr<MappedFile>; `rt_buf` holds a write's bytes.
class ReferenceSubject final : public Subject {
 public:
  Status open(const std::string& path, bool create, uint64_t size) override {
    say([&] { return "rc = lib->open(path, " + std::string(create ? "true" : "false") + ", " + n(size) + ").code();"; });
    return file_.open(path, create, size);
  }
  Status resize(uint64_t new_size) override {
    say([&] { return "rc = lib->resize(" + n(new_size) + ").code();"; });
    return file_.resize(new_size);
  }
  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    say([&] { return "rc = lib->write(" + n(offset) + ", std::span<const uint8_t>(rt_buf, " + n(data.size()) + ")).code();"; });
    return file_.write(offset, data);
  }
  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    say([&] { return "rc = lib->read(" + n(offset) + ", std::span<uint8_t>(rt_buf, " + n(out.size()) + "), &rt_got).code();"; });
    return file_.read(offset, out, got);
  }
  Status sync(uint64_t offset, uint64_t length) override {
    say([&] { return "rc = lib->sync(" + n(offset) + ", " + n(length) + ").code();"; });
    return file_.sync(offset, length);
  }
  Status close() override {
    say([] { return std::string("rc = lib->close().code();"); });
    return file_.close();
  }
  uint64_t size() const override { return file_.size(); }
  void set_transcript(Transcript* transcript) override { transcript_ = transcript; }

 private:
  // `statement()` builds the text only while a transcript listens: the fuzz
  // loop pays nothing for it.
  template <typename Build>
  void say(Build statement) {
    if (transcript_) transcript_->say(statement());
  }
  static std::string n(uint64_t v) { return std::to_string(v) + "ull"; }

  reference::MappedFile file_;
  Transcript* transcript_ = nullptr;
};

std::unique_ptr<Subject> make_subject() { return std::make_unique<ReferenceSubject>(); }

// The checkout this adapter was built from (for the exported build line).
#ifndef MAPFUZZ_SOURCE_DIR
#define MAPFUZZ_SOURCE_DIR "."
#endif
std::string source_root() { return MAPFUZZ_SOURCE_DIR; }

const Exporter& exporter() {
  static const std::string build = [] {
    const std::string root = source_root();
    return "c++ -std=c++20 -O1 -I" + root + " -DMAPFUZZ_MUTANT=" + std::to_string(MAPFUZZ_MUTANT) +
           " -DMAPFUZZ_REFERENCE_STYLE=" + std::to_string(MAPFUZZ_REFERENCE_STYLE) + " {src} " + root +
           "/targets/reference/mapped_file.cc " + root + "/faults/status.cc -ldl -o repro\n./repro";
  }();
  static const Exporter e{
      .language = ExportLanguage::kCpp,
      .prelude = "#include <cstdint>\n#include <memory>\n#include <span>\n\n#include \"targets/reference/mapped_file.h\"\n",
      .declare = "auto lib = std::make_unique<mapfuzz::reference::MappedFile>();",
      .destroy = "lib.reset();",
      .size_expr = "lib->size()",
      .build = build.c_str(),
  };
  return e;
}

}  // namespace

const Target& this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          .write_past_end = PastEnd::kFails,
          .read_past_end = PastEnd::kFails,
          .opens_empty_file = true,
          .resizes_to_zero = true,
          .syncs_ranges = true,
          .survives_outside_truncation = reference::kMutant == reference::Mutant::kClaimsTruncationSafety,
          .locks = {.promise = reference::kStyle == reference::Style::kLocking ? LockPromise::kErrors
                                                                               : LockPromise::kNone},
          .concurrent_ops = reference::kThreadSafe ? concurrent_bit(OpKind::kWrite) | concurrent_bit(OpKind::kRead) |
                                                         concurrent_bit(OpKind::kResize) | concurrent_bit(OpKind::kSync)
                                                   : 0,
      },
      &make_subject,
      &exporter(),
  };
  return target;
}

}  // namespace mapfuzz
