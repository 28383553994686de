// The text form of programs (see text_codec.h).
#include "harness/text_codec.h"

#include <cinttypes>
#include <cstdio>
#include <string_view>
#include <vector>

#include "harness/status.h"

namespace mapfuzz {
namespace {

using faults::Call;

constexpr uint64_t kTwoTo32 = uint64_t{1} << 32;
constexpr uint64_t kMaxSeed = UINT8_MAX;
constexpr uint64_t kMaxNth = UINT16_MAX;

std::string number(uint64_t v) {
  char buf[24];
  if (v > kTwoTo32) {
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  } else {
    std::snprintf(buf, sizeof buf, "%" PRIu64, v);
  }
  return buf;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// The op named `word`, or false.
bool kind_from_name(std::string_view word, OpKind* out) {
  for (uint8_t k = 0; k < static_cast<uint8_t>(OpKind::kCount); ++k) {
    if (word == op_kind_name(static_cast<OpKind>(k))) {
      *out = static_cast<OpKind>(k);
      return true;
    }
  }
  return false;
}

enum class NumberResult { kOk, kBad, kOverflow };

// Decimal or 0x-prefixed hex, no sign, no suffix.
NumberResult parse_number(std::string_view text, uint64_t* out) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return NumberResult::kBad;
  uint64_t v = 0;
  for (char c : text) {
    unsigned digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return NumberResult::kBad;
    }
    if (digit >= base) return NumberResult::kBad;
    if (v > (UINT64_MAX - digit) / base) return NumberResult::kOverflow;
    v = v * base + digit;
  }
  *out = v;
  return NumberResult::kOk;
}

// One line's words after the op name: `name=value` fields and bare words.
// Each getter consumes what it reads; finish() reports what is left over.
class Line {
 public:
  Line(size_t number, std::string_view op_name, std::string* error)
      : number_(number), op_name_(op_name), error_(error) {}

  bool add(std::string_view word) {
    size_t eq = word.find('=');
    if (eq == std::string_view::npos) {
      bare_.push_back(word);
      return true;
    }
    std::string_view name = word.substr(0, eq);
    for (const Field& f : fields_) {
      if (f.name == name) return fail("duplicate field '" + std::string(name) + "'");
    }
    fields_.push_back({name, word.substr(eq + 1), false});
    return true;
  }

  // The value of field `name`, which is then used; false if it is absent.
  bool take(std::string_view name, std::string_view* value) {
    for (Field& f : fields_) {
      if (f.name == name) {
        f.used = true;
        *value = f.value;
        return true;
      }
    }
    return false;
  }

  bool field(std::string_view name, std::string_view* value) {
    if (take(name, value)) return true;
    return fail(std::string(op_name_) + " is missing field '" + std::string(name) + "'");
  }

  // A field that defaults to 0 when absent.
  bool optional_number_field(std::string_view name, uint64_t limit, uint64_t* out) {
    for (const Field& f : fields_) {
      if (f.name == name) return number_field(name, limit, out);
    }
    *out = 0;
    return true;
  }

  bool number_field(std::string_view name, uint64_t limit, uint64_t* out, uint64_t minimum = 0) {
    std::string_view text;
    if (!field(name, &text)) return false;
    uint64_t v = 0;
    switch (parse_number(text, &v)) {
      case NumberResult::kBad:
        return fail("bad number for " + std::string(name) + ": '" + std::string(text) + "'");
      case NumberResult::kOverflow:
        return fail("value too large for " + std::string(name) + ": " + std::string(text) +
                    " (limit " + number(limit) + ")");
      case NumberResult::kOk:
        break;
    }
    if (v > limit) {
      return fail("value too large for " + std::string(name) + ": " + std::string(text) +
                  " (limit " + number(limit) + ")");
    }
    if (v < minimum) {
      return fail("value too small for " + std::string(name) + ": " + std::string(text) +
                  " (minimum " + number(minimum) + ")");
    }
    *out = v;
    return true;
  }

  // Consumes whichever of `a` and `b` is present; exactly one must be.
  bool choice(std::string_view a, std::string_view b, bool* is_a) {
    int found = 0;
    for (std::string_view& w : bare_) {
      if (w == a || w == b) {
        *is_a = w == a;
        ++found;
        w = {};
      }
    }
    if (found == 1) return true;
    return fail(std::string(op_name_) + " needs exactly one of '" + std::string(a) + "' or '" +
                std::string(b) + "'");
  }

  // Consumes the bare word `word` if present.
  bool flag(std::string_view word) {
    for (std::string_view& w : bare_) {
      if (w == word) {
        w = {};
        return true;
      }
    }
    return false;
  }

  bool finish() {
    for (std::string_view w : bare_) {
      if (!w.empty()) return fail("unexpected '" + std::string(w) + "' after " + std::string(op_name_));
    }
    for (const Field& f : fields_) {
      if (!f.used) return fail(std::string(op_name_) + " has no field '" + std::string(f.name) + "'");
    }
    return true;
  }

  bool fail(const std::string& what) {
    *error_ = "line " + std::to_string(number_) + ": " + what;
    return false;
  }

 private:
  struct Field {
    std::string_view name;
    std::string_view value;
    bool used;
  };
  size_t number_;
  std::string_view op_name_;
  std::string* error_;
  std::vector<Field> fields_;
  std::vector<std::string_view> bare_;
};

bool parse_fault(Line* line, faults::FaultSpec* spec) {
  std::string_view call, err;
  uint64_t nth = 0;
  bool once = true;
  if (!line->field("call", &call) || !line->field("errno", &err) ||
      !line->number_field("nth", kMaxNth, &nth, 1) || !line->choice("once", "persistent", &once)) {
    return false;
  }
  if (!faults::call_from_name(std::string(call).c_str(), &spec->call)) {
    return line->fail("unknown call '" + std::string(call) + "'");
  }
  spec->err = errno_from_name(std::string(err));
  if (spec->err == 0) return line->fail("unknown errno '" + std::string(err) + "'");
  spec->nth = static_cast<uint16_t>(nth);
  spec->persistent = !once;
  return true;
}

// A named value of one of the lock enums (faults/outside_event.h).
template <typename E>
bool named_field(Line* line, std::string_view name, bool (*from_name)(const char*, E*), E* out, bool optional,
                 const char* choices) {
  std::string_view text;
  if (optional && !line->take(name, &text)) return true;
  if (!optional && !line->field(name, &text)) return false;
  if (from_name(std::string(text).c_str(), out)) return true;
  return line->fail("unknown " + std::string(name) + " '" + std::string(text) + "' (" + choices + ")");
}

// lock kind=K mode=M offset=N length=N [file=F]; unlock kind=K [file=F]
bool parse_lock(Line* line, faults::OutsideEvent* e) {
  if (!named_field(line, "kind", faults::lock_api_from_name, &e->lock_api, false, "fcntl, ofd, flock") ||
      !named_field(line, "file", faults::event_file_from_name, &e->file, true, "data, lock, journal, wal, shm")) {
    return false;
  }
  if (e->kind == faults::OutsideKind::kUnlock) return true;
  return named_field(line, "mode", faults::lock_mode_from_name, &e->lock_mode, false, "shared, exclusive") &&
         line->number_field("offset", kMaxLockOffset, &e->offset) &&
         line->number_field("length", kMaxLockOffset, &e->length);
}

// outside <event> [fields] [after-mmap]
bool parse_outside(Line* line, std::string_view event, Op* op) {
  faults::OutsideEvent& e = op->outside;
  if (!faults::outside_kind_from_name(std::string(event).c_str(), &e.kind)) {
    return line->fail("unknown outside event '" + std::string(event) + "'");
  }
  uint64_t seed = 0;
  bool ok = true;
  switch (e.kind) {
    case faults::OutsideKind::kPwrite:
      ok = line->number_field("offset", kMaxProgramFileSize, &e.offset) &&
           line->number_field("length", kMaxIoLength, &e.length) && line->number_field("seed", kMaxSeed, &seed);
      e.seed = static_cast<uint8_t>(seed);
      break;
    case faults::OutsideKind::kPunchHole:
      ok = line->number_field("offset", kMaxProgramFileSize, &e.offset) &&
           line->number_field("length", kMaxProgramFileSize, &e.length);
      break;
    case faults::OutsideKind::kChmod: {
      std::string_view mode;
      if (!line->field("mode", &mode)) return false;
      char* end = nullptr;
      const std::string text(mode);
      const unsigned long m = std::strtoul(text.c_str(), &end, 8);
      if (text.empty() || *end != '\0' || m > 07777) return line->fail("mode must be octal, e.g. 0444");
      e.mode = static_cast<uint32_t>(m);
      break;
    }
    case faults::OutsideKind::kUnlink:
      break;
    case faults::OutsideKind::kLock:
    case faults::OutsideKind::kUnlock:
      ok = parse_lock(line, &e);
      break;
    case faults::OutsideKind::kDiskFull:
      ok = line->number_field("free", kMaxProgramFileSize, &e.length);
      break;
    default:
      ok = line->number_field("size", kMaxProgramFileSize, &e.length);
      break;
  }
  op->after_mmap = line->flag("after-mmap");
  return ok;
}

// [thread=N] [concurrent], after any op's own fields.
bool parse_thread(Line* line, Op* op) {
  uint64_t thread = 0;
  if (!line->optional_number_field("thread", kMaxThreads - 1, &thread)) return false;
  op->thread = static_cast<uint8_t>(thread);
  op->concurrent = line->flag("concurrent");
  return true;
}

bool parse_fields(Line* line, Op* op) {
  uint64_t seed = 0;
  switch (op->kind) {
    case OpKind::kOpen:
      if (!line->choice("create", "existing", &op->create)) return false;
      return !op->create || line->number_field("size", kMaxProgramFileSize, &op->size);
    case OpKind::kResize:
      return line->number_field("size", kMaxProgramFileSize, &op->size);
    case OpKind::kWrite:
      if (!line->number_field("offset", UINT64_MAX, &op->offset) ||
          !line->number_field("length", kMaxIoLength, &op->length) ||
          !line->number_field("seed", kMaxSeed, &seed)) {
        return false;
      }
      op->seed = static_cast<uint8_t>(seed);
      return true;
    case OpKind::kRead:
      return line->number_field("offset", UINT64_MAX, &op->offset) &&
             line->number_field("length", kMaxIoLength, &op->length);
    case OpKind::kSync:
      return line->optional_number_field("offset", UINT64_MAX, &op->offset) &&
             line->optional_number_field("length", kMaxProgramFileSize, &op->length);
    case OpKind::kFault:
      return parse_fault(line, &op->fault);
    case OpKind::kOutside:
      return false;  // parse_program handles it: the event name is a bare word
    case OpKind::kClose:
    case OpKind::kReopen:
    case OpKind::kCount:
      return true;
  }
  return true;
}

// The line without its comment.
std::string_view strip_comment(std::string_view line) {
  size_t hash = line.find('#');
  return hash == std::string_view::npos ? line : line.substr(0, hash);
}

// An outside event's name and fields (after "outside").
std::string format_outside(const faults::OutsideEvent& e) {
  std::string out = std::string(" ") + faults::outside_kind_name(e.kind);
  switch (e.kind) {
    case faults::OutsideKind::kPwrite:
      out += " offset=" + number(e.offset) + " length=" + number(e.length) + " seed=" + number(e.seed);
      break;
    case faults::OutsideKind::kPunchHole:
      out += " offset=" + number(e.offset) + " length=" + number(e.length);
      break;
    case faults::OutsideKind::kChmod: {
      char mode[16];
      std::snprintf(mode, sizeof mode, " mode=0%o", e.mode);
      out += mode;
      break;
    }
    case faults::OutsideKind::kUnlink:
      break;
    case faults::OutsideKind::kLock:
    case faults::OutsideKind::kUnlock:
      out += std::string(" kind=") + faults::lock_api_name(e.lock_api);
      if (e.kind == faults::OutsideKind::kLock) {
        out += std::string(" mode=") + faults::lock_mode_name(e.lock_mode) + " offset=" + number(e.offset) +
               " length=" + number(e.length);
      }
      if (e.file != faults::EventFile::kData) out += std::string(" file=") + faults::event_file_name(e.file);
      break;
    case faults::OutsideKind::kDiskFull:
      out += " free=" + number(e.length);
      break;
    default:
      out += " size=" + number(e.length);
      break;
  }
  return out;
}

}  // namespace

std::string format_op(const Op& op) {
  std::string out = op_kind_name(op.kind);
  switch (op.kind) {
    case OpKind::kOpen:
      out += op.create ? " create size=" + number(op.size) : " existing";
      break;
    case OpKind::kResize:
      out += " size=" + number(op.size);
      break;
    case OpKind::kWrite:
    case OpKind::kRead:
    case OpKind::kSync:
      out += " offset=" + number(op.offset) + " length=" + number(op.length);
      if (op.kind == OpKind::kWrite) out += " seed=" + number(op.seed);
      break;
    case OpKind::kFault:
      out += std::string(" call=") + faults::call_name(op.fault.call) + " errno=" + errno_name(op.fault.err) +
             " nth=" + number(op.fault.nth) + (op.fault.persistent ? " persistent" : " once");
      break;
    case OpKind::kOutside:
      out += format_outside(op.outside);
      if (op.after_mmap) out += " after-mmap";
      break;
    case OpKind::kClose:
    case OpKind::kReopen:
    case OpKind::kCount:
      break;
  }
  if (op.thread != 0) out += " thread=" + number(op.thread);
  if (op.concurrent) out += " concurrent";
  return out;
}

std::string format_program(const Program& program) {
  std::string out = "# mapfuzz program v1\n";
  for (const Op& op : program.ops) {
    out += format_op(op);
    out += '\n';
  }
  return out;
}

bool parse_program(const std::string& text, Program* out, std::string* error) {
  out->ops.clear();
  std::string_view rest = text;
  for (size_t line_number = 1; !rest.empty(); ++line_number) {
    size_t nl = rest.find('\n');
    std::string_view raw = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);

    std::vector<std::string_view> words = words_of(strip_comment(raw));
    if (words.empty()) continue;
    Line line(line_number, words[0], error);
    Op op;
    if (!kind_from_name(words[0], &op.kind) || op.kind == OpKind::kCount) {
      return line.fail("unknown op '" + std::string(words[0]) + "'");
    }
    if (out->ops.size() == kMaxOps) {
      return line.fail("too many operations (limit " + std::to_string(kMaxOps) + ")");
    }
    size_t first_field = 1;
    if (op.kind == OpKind::kOutside) {
      if (words.size() < 2) return line.fail("outside needs an event (shrink, regrow, extend, punch, pwrite, chmod, unlink, replace, lock, unlock, diskfull, sizelimit)");
      first_field = 2;
    }
    for (size_t i = first_field; i < words.size(); ++i) {
      if (!line.add(words[i])) return false;
    }
    const bool parsed = op.kind == OpKind::kOutside ? parse_outside(&line, words[1], &op) : parse_fields(&line, &op);
    if (!parsed || !parse_thread(&line, &op) || !line.finish()) return false;
    out->ops.push_back(op);
  }
  return true;
}

bool looks_like_text(const std::string& data) {
  if (data.rfind("# mapfuzz", 0) == 0) return true;
  bool in_comment = false;  // comments may hold UTF-8 (reports write "ftruncate→EIO")
  for (char c : data) {
    in_comment = c == '#' || (in_comment && c != '\n');
    const bool printable = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r';
    if (!printable && !(in_comment && static_cast<unsigned char>(c) >= 0x80)) return false;
  }
  std::string_view rest = data;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::vector<std::string_view> words = words_of(strip_comment(rest.substr(0, nl)));
    if (!words.empty()) {
      OpKind kind;
      return kind_from_name(words[0], &kind);
    }
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  return false;
}

}  // namespace mapfuzz
