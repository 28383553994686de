// The whole adapter for cmap, a C library: translate each Subject call,
// declare the contract, export the target.
#include "cmap.h"
#include "harness/subject.h"

namespace {

mapfuzz::Status from(int rc, const char* call) { return rc >= 0 ? mapfuzz::Status() : mapfuzz::Status(-rc, call); }

class CmapSubject : public mapfuzz::Subject {
 public:
  CmapSubject() { cmap_init(&m_); }
  ~CmapSubject() override { (void)cmap_close(&m_); }
  mapfuzz::Status open(const std::string& path, bool create, uint64_t size) override {
    return from(cmap_open(&m_, path.c_str(), create, size), "cmap_open");
  }
  mapfuzz::Status resize(uint64_t size) override { return from(cmap_resize(&m_, size), "cmap_resize"); }
  mapfuzz::Status write(uint64_t off, std::span<const uint8_t> data) override {
    return from(cmap_write(&m_, off, data.data(), data.size()), "cmap_write");
  }
  mapfuzz::Status read(uint64_t off, std::span<uint8_t> out, uint64_t* got) override {
    *got = static_cast<uint64_t>(cmap_read(&m_, off, out.data(), out.size()));
    return {};
  }
  mapfuzz::Status sync(uint64_t off, uint64_t length) override {
    return from(cmap_sync(&m_, off, length), "cmap_sync");
  }
  mapfuzz::Status close() override { return from(cmap_close(&m_), "cmap_close"); }
  uint64_t size() const override { return m_.size; }

 private:
  cmap m_;
};

}  // namespace

// MAPFUZZ_TARGET_NAME is the NAME given to mapfuzz_add_target() ("cmap").
const mapfuzz::Target& mapfuzz::this_target() {
  static const Target target{
      MAPFUZZ_TARGET_NAME,
      Contract{
          .read_past_end = PastEnd::kShort,  // cmap_read returns the bytes before the end
          .syncs_ranges = true,              // cmap_sync msyncs the pages of the range
          .has_sync = true,
          .allocates_on_growth = true,       // posix_fallocate before the size changes
      },
      [] { return std::unique_ptr<Subject>(new CmapSubject); }};
  return target;
}
