// The whole adapter for tiny_map: translate each Subject call, declare the
// contract, export the target.
#include <cstring>

#include "harness/subject.h"
#include "tiny_map.h"

namespace {

mapfuzz::Status from(int rc, const char* call) { return rc == 0 ? mapfuzz::Status() : mapfuzz::Status(-rc, call); }

class TinyMapSubject : public mapfuzz::Subject {
 public:
  ~TinyMapSubject() override { (void)tiny_close(&m_); }
  mapfuzz::Status open(const std::string& path, bool create, uint64_t size) override {
    return from(tiny_open(&m_, path.c_str(), create, size), "tiny_open");
  }
  mapfuzz::Status resize(uint64_t size) override { return from(tiny_resize(&m_, size), "tiny_resize"); }
  mapfuzz::Status write(uint64_t off, std::span<const uint8_t> data) override {
    if (off > m_.size || data.size() > m_.size - off) return {EINVAL, "bounds"};
    if (!data.empty()) std::memcpy(m_.base + off, data.data(), data.size());
    return {};
  }
  mapfuzz::Status read(uint64_t off, std::span<uint8_t> out, uint64_t* got) override {
    if (off > m_.size || out.size() > m_.size - off) return {EINVAL, "bounds"};
    if (!out.empty()) std::memcpy(out.data(), m_.base + off, out.size());
    *got = out.size();
    return {};
  }
  mapfuzz::Status sync(uint64_t, uint64_t) override { return from(tiny_sync(&m_), "tiny_sync"); }
  mapfuzz::Status close() override { return from(tiny_close(&m_), "tiny_close"); }
  uint64_t size() const override { return m_.size; }

 private:
  TinyMap m_;
};

}  // namespace

const mapfuzz::Target& mapfuzz::this_target() {
  static const Target target{
      "tiny_map",
      Contract{.syncs_ranges = false},  // tiny_sync always syncs the whole file
      [] { return std::unique_ptr<Subject>(new TinyMapSubject); }};
  return target;
}
