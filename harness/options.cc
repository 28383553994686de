#include "harness/options.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace mapfuzz {

OutsideMode default_outside_mode() {
#ifdef MAPFUZZ_OUTSIDE_DEFAULT_IN_PROCESS
  return OutsideMode::kInProcess;
#else
  return OutsideMode::kProcess;
#endif
}

namespace option_type {

bool Switch::parse(std::string_view text, Value* out) {
  if (text != "0" && text != "1") return false;
  *out = text == "1";
  return true;
}

std::string Switch::show(const Value& v) { return v ? "1" : "0"; }

bool Bytes::parse(std::string_view text, Value* out) {
  // Checked by hand: strtoull alone takes "-1", " 5" and "+5", reads "010"
  // as octal and wraps on overflow.
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits(hex ? text.substr(2) : text);
  if (digits.empty()) return false;
  for (char c : digits) {
    if (!(hex ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c)))) {
      return false;
    }
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(digits.c_str(), &end, hex ? 16 : 10);
  if (errno != 0 || *end != '\0' || n == 0) return false;
  *out = n;
  return true;
}

std::string Bytes::show(const Value& v) { return std::to_string(v); }

bool Limit::parse(std::string_view text, Value* out) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t n = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT32_MAX) return false;
  *out = static_cast<Value>(n);
  return true;
}

std::string Limit::show(const Value& v) { return v == 0 ? "0 (no limit)" : std::to_string(v); }

bool OutsideChoice::parse(std::string_view text, Value* out) {
  if (text == "process") *out = OutsideMode::kProcess;
  else if (text == "in-process") *out = OutsideMode::kInProcess;
  else return false;
  return true;
}

std::string OutsideChoice::show(const Value& v) { return v == OutsideMode::kProcess ? "process" : "in-process"; }

bool NameList::parse(std::string_view text, Value* out) {
  Value names;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view name = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (name.empty()) return false;
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  *out = std::move(names);
  return true;
}

std::string NameList::show(const Value& v) {
  if (v.empty()) return "none";
  std::string s;
  for (const std::string& name : v) s += (s.empty() ? "" : ",") + name;
  return s;
}

bool Directory::parse(std::string_view text, Value* out) {
  const std::string path(text);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  *out = path;
  return true;
}

std::string Directory::show(const Value& v) { return v.empty() ? "the current directory" : v; }

}  // namespace option_type

bool Options::avoids(std::string_view name) const {
  for (const std::string& n : avoid_known) {
    if (n == "all" || n == name) return true;
  }
  return false;
}

std::vector<std::string> Options::parse(const Lookup& lookup, Options* out) {
  std::vector<std::string> errors;
#define MAPFUZZ_OPTION(field, variable, Type, default_value, help)                                   \
  if (const char* text = lookup(#variable); text && *text) {                                         \
    if (!option_type::Type::parse(text, &out->field)) {                                              \
      errors.push_back(std::string(#variable "=") + text + ": want " + option_type::Type::kWant);    \
    }                                                                                                \
  }
#include "harness/options.def"
#undef MAPFUZZ_OPTION
  return errors;
}

std::vector<std::string> Options::unknown_variables(const char* const* environment) {
  static constexpr std::string_view kPrefix = "MAPFUZZ_";
  std::vector<std::string> unknown;
  for (const char* const* e = environment; e && *e; ++e) {
    const std::string_view entry(*e);
    if (entry.substr(0, kPrefix.size()) != kPrefix) continue;
    const std::string_view name = entry.substr(0, entry.find('='));
    bool known = false;
#define MAPFUZZ_OPTION(field, variable, Type, default_value, help) known = known || name == #variable;
#include "harness/options.def"
#undef MAPFUZZ_OPTION
    if (!known) unknown.emplace_back(name);
  }
  return unknown;
}

const Options& Options::from_environment() {
  static const Options options = [] {
    Options o;
    const std::vector<std::string> errors = parse([](const char* name) { return std::getenv(name); }, &o);
    const std::vector<std::string> unknown = unknown_variables(environ);
    for (const std::string& name : unknown) {
      std::fprintf(stderr, "mapfuzz: warning: %s is not a mapfuzz option (ignored)\n", name.c_str());
    }
    for (const std::string& e : errors) std::fprintf(stderr, "mapfuzz: bad option %s\n", e.c_str());
    if (!errors.empty() || !unknown.empty()) std::fprintf(stderr, "mapfuzz: the options are:\n%s", options_help().c_str());
    if (!errors.empty()) {
      // A usage error, as a bad command-line argument: exit at once rather
      // than run with a value the user did not ask for.
      std::exit(exit_status(ExitCode::kUsage));
    }
    return o;
  }();
  return options;
}

std::vector<OptionInfo> option_table() {
  const Options defaults;
  return {
#define MAPFUZZ_OPTION(field, variable, Type, default_value, help) \
  {#variable, option_type::Type::kWant, option_type::Type::show(defaults.field), help},
#include "harness/options.def"
#undef MAPFUZZ_OPTION
  };
}

namespace {


}  // namespace

std::string options_help() {
  std::string s;
  for (const OptionInfo& o : option_table()) {
    s += "  " + std::string(o.variable) + ": " + o.want + "; default " + o.default_text + "\n";
    s += wrap_text(std::string(o.help) + ".", "      ", 92);
  }
  s += wrap_text("Unset or empty, a variable takes its default; a bad value stops the program (exit status 2). Also read: "
            "TMPDIR (where the sandbox is made), RC_PARAMS (property tests: rapidcheck's budget and seed).",
            "  ", 92);
  return s;
}

std::string options_markdown() {
  std::string s =
      "| Variable | Values | Default | Meaning |\n"
      "| --- | --- | --- | --- |\n";
  for (const OptionInfo& o : option_table()) {
    s += "| `" + std::string(o.variable) + "` | " + o.want + " | " + o.default_text + " | " + o.help + " |\n";
  }
  return s;
}

std::string wrap_text(const std::string& text, const std::string& indent, size_t width) {
  std::string out, line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) {
      out += indent + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) out += indent + line + "\n";
  return out;
}

}  // namespace mapfuzz
