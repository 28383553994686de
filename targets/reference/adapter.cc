// The reference library as a mapfuzz target: Subject forwards to MappedFile.
#include <memory>

#include "harness/subject.h"
#include "targets/reference/mapped_file.h"
#include "targets/reference/mutants.h"

#ifndef MAPFUZZ_TARGET_NAME
#define MAPFUZZ_TARGET_NAME "reference"
#endif

namespace mapfuzz {
namespace {

class ReferenceSubject final : public Subject {
 public:
  Status open(const std::string& path, bool create, uint64_t size) override {
    return file_.open(path, create, size);
  }
  Status resize(uint64_t new_size) override { return file_.resize(new_size); }
  Status write(uint64_t offset, std::span<const uint8_t> data) override { return file_.write(offset, data); }
  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    return file_.read(offset, out, got);
  }
  Status sync(uint64_t offset, uint64_t length) override { return file_.sync(offset, length); }
  Status close() override { return file_.close(); }
  uint64_t size() const override { return file_.size(); }

 private:
  reference::MappedFile file_;
};

std::unique_ptr<Subject> make_subject() { return std::make_unique<ReferenceSubject>(); }

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
      },
      &make_subject,
  };
  return target;
}

}  // namespace mapfuzz
