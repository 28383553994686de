// One file as the model knows it: a lattice over its size and bytes.
//
// The size is Known(n) or Unknown. Each byte (kept in ranges, not one by
// one) is Known(value) or Unknown. A comparison with the real file checks
// only what is Known; an observation then turns every Unknown into the value
// seen (learn). Outside events, stale views, events in the middle of a call
// and lost writes are all transitions of this one structure: they make
// ranges Unknown (forget), and the next observation makes them Known again.
//
// Two more pieces of real state:
//  - the EOF page may hold bytes written past EOF (through a mapping longer
//    than the file, after another process shrank it). The page cache keeps
//    them; a later growth may reveal them. A growth then makes that tail
//    Unknown instead of zeros; a shrink zeroes it (the kernel clears the
//    partial page beyond the new end).
//  - after a failed "open create", the file may be the image, absent, or
//    zeros up to the requested size (one small disjunction, which an
//    observation collapses).
//
// Not thread-safe; no system calls.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace mapfuzz {

// Where an observed file first disagrees with an image.
struct ImageMismatch {
  enum class What : uint8_t { kNone, kMissing, kUnexpected, kSize, kByte };
  What what = What::kNone;
  uint64_t offset = 0;    // kByte: the first differing offset
  uint8_t want = 0;       // kByte: the image's value
  uint8_t got = 0;        // kByte: the observed value
  uint64_t want_size = 0;  // kSize: the image's size
  uint64_t got_size = 0;   // kSize, kUnexpected: the observed size
  explicit operator bool() const { return what != What::kNone; }
};

class FileImage {
 public:
  // An empty, existing, fully known file.
  FileImage() = default;

  // ---- state ----
  bool exists() const { return exists_ == Tri::kYes; }
  bool may_exist() const { return exists_ != Tri::kNo; }
  bool size_known() const { return size_known_ && !alternative_; }
  // The size; meaningful when size_known() (else the last known bound).
  uint64_t size() const { return size_; }
  // True iff the byte at `offset` is Known (and inside the known size).
  bool known(uint64_t offset) const;
  // The byte at `offset` (meaningful only where known()).
  uint8_t at(uint64_t offset) const { return values_[offset]; }
  // The values; meaningful only where known().
  const std::vector<uint8_t>& values() const { return values_; }
  // Everything known and no disjunction: comparisons are one memcmp.
  bool fully_known() const { return exists_ != Tri::kUnknown && size_known() && unknown_.empty(); }
  // The EOF page may hold bytes written past EOF (see above).
  bool tail_may_hold_writes() const { return past_eof_writes_; }
  // After a failed "open create" (allow_failed_create): the requested size
  // the file may instead hold zeros up to (or be absent); else nullopt.
  std::optional<uint64_t> failed_create_size() const { return alternative_; }

  // ---- transitions ----
  // A new file of `size` zero bytes (created or truncated with O_TRUNC).
  void create(uint64_t size);
  // No file (unlinked). The image is kept only as a placeholder.
  void remove();
  // ftruncate: shrink (zeroes the EOF page's tail: past-EOF writes are gone)
  // or extend (zeros; the old EOF page's tail Unknown if it may hold writes).
  void resize(uint64_t size);
  // Known bytes `data` at `offset`, extending the file (as resize) if needed.
  void write(uint64_t offset, std::span<const uint8_t> data);
  // The pattern of seed `seed` over [offset, offset+length) (see op.h).
  void write_pattern(uint8_t seed, uint64_t offset, uint64_t length);
  // Zeros over [offset, offset+length) clipped to the size (a punched hole).
  void zero(uint64_t offset, uint64_t length);
  // [from, to) becomes Unknown (clipped to the size when it is known).
  void forget(uint64_t from, uint64_t to);
  // The size, every byte and whether the file exists become Unknown.
  void forget_all();
  // Someone wrote through a mapping past EOF, inside the EOF page.
  void note_writes_past_eof() { past_eof_writes_ = true; }
  // After a failed "open create" of `size` bytes: the file is this image,
  // absent, or zeros up to `size`.
  void allow_failed_create(uint64_t size);

  // ---- observations ----
  // Compares what is known with the real file (`exists`, `bytes`). Returns
  // the first disagreement, or kNone. Unknown bytes and sizes match anything.
  ImageMismatch compare(bool exists, std::span<const uint8_t> bytes) const;
  // Takes the real file as the truth where the image is Unknown: call after
  // compare() found no mismatch (Known bytes keep their values).
  void learn(bool exists, std::span<const uint8_t> bytes);
  // A read returned `data` at `offset`: Unknown bytes there become Known.
  void learn_range(uint64_t offset, std::span<const uint8_t> data);

 private:
  enum class Tri : uint8_t { kNo, kYes, kUnknown };
  void add_unknown(uint64_t from, uint64_t to);
  void remove_unknown(uint64_t from, uint64_t to);
  void clip_unknown(uint64_t size);
  // A write reaching `end` extends a file of known size (as resize).
  void extend_to(uint64_t end);
  // The mismatch of `bytes` against the image alone (no disjunction).
  ImageMismatch compare_image(std::span<const uint8_t> bytes) const;

  std::vector<uint8_t> values_;
  std::vector<std::pair<uint64_t, uint64_t>> unknown_;  // sorted, disjoint [from, to)
  uint64_t size_ = 0;
  std::optional<uint64_t> alternative_;  // failed create: or absent, or zeros up to this size
  Tri exists_ = Tri::kYes;
  bool size_known_ = true;
  bool past_eof_writes_ = false;
};

}  // namespace mapfuzz
