// The harness's options: the MAPFUZZ_* environment variables, every one
// listed once in options.def. The struct, the parser, the help text and the
// README's table are generated from that list.
//
// An executable reads its options once (Options::from_environment()); a bad
// value is a usage error: the process prints what is wrong and exits with
// ExitCode::kUsage (harness/exit_codes.h), as any other usage error.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/exit_codes.h"
#include "harness/op.h"

namespace mapfuzz {

// Who performs outside events.
enum class OutsideMode { kProcess, kInProcess };
// kInProcess in the OSS-Fuzz build (MAPFUZZ_OUTSIDE_DEFAULT_IN_PROCESS, set
// on that build of the harness core only), else kProcess.
OutsideMode default_outside_mode();

// The value types of options.def. Each says which texts are valid (parse),
// how a value reads back (show) and, for help and error messages, what it
// wants. parse() returns false on a bad text and leaves *out unchanged.
namespace option_type {

// A mode that is on unless turned off: "1" on, "0" off.
struct Switch {
  using Value = bool;
  static constexpr const char* kWant = "0 (off) or 1 (on)";
  static bool parse(std::string_view text, Value* out);
  static std::string show(const Value& v);
};

// A positive number of bytes, decimal or 0x-hexadecimal.
struct Bytes {
  using Value = uint64_t;
  static constexpr const char* kWant = "a positive number of bytes (decimal, or hexadecimal with 0x)";
  static bool parse(std::string_view text, Value* out);
  static std::string show(const Value& v);
};

// A count that caps something: decimal digits, at most 4294967295; "0"
// means no cap.
struct Limit {
  using Value = uint32_t;
  static constexpr const char* kWant = "a whole number (decimal; 0 for no limit)";
  static bool parse(std::string_view text, Value* out);
  static std::string show(const Value& v);  // "0 (no limit)" for 0
};

// Who performs outside events: "process" or "in-process".
struct OutsideChoice {
  using Value = OutsideMode;
  static constexpr const char* kWant = "process or in-process";
  static bool parse(std::string_view text, Value* out);
  static std::string show(const Value& v);
};
// Names (letters, digits, '-', '_') separated by commas, or "all".
struct NameList {
  using Value = std::vector<std::string>;
  static constexpr const char* kWant = "names separated by commas (letters, digits, - and _), or all";
  static bool parse(std::string_view text, Value* out);
  static std::string show(const Value& v);  // "none" when empty
};

// An existing directory ("" means the current directory).
struct Directory {
  using Value = std::string;
  static constexpr const char* kWant = "an existing directory";
  static bool parse(std::string_view text, Value* out);  // checks with stat()
  static std::string show(const Value& v);  // "the current directory" when empty
};

}  // namespace option_type

struct Options {
#define MAPFUZZ_OPTION(field, variable, Type, default_value, help) option_type::Type::Value field = default_value;
#include "harness/options.def"
#undef MAPFUZZ_OPTION

  // True iff the known finding `name` is to be avoided (avoid_known holds it
  // or "all").
  bool avoids(std::string_view name) const;

  // A variable's value, or null when it is unset.
  using Lookup = std::function<const char*(const char* variable)>;

  // Reads every option through `lookup`; an unset or empty variable keeps
  // its default. Returns one message per bad value ("MAPFUZZ_X=v: want ...");
  // an option with a bad value keeps its default. Pure apart from the
  // existence check of a Directory.
  static std::vector<std::string> parse(const Lookup& lookup, Options* out);

  // The variables in `environment` (an environ-style array, null-ended) that
  // start with MAPFUZZ_ but name no option: likely typos.
  static std::vector<std::string> unknown_variables(const char* const* environment);

  // This process's options, read from the environment on the first call and
  // cached (thread-safe). On a bad value prints every message and the option
  // list to stderr and exits with ExitCode::kUsage; warns about unknown
  // MAPFUZZ_ variables (and goes on). In a fuzz target this exit happens in
  // LLVMFuzzerInitialize, before any input: see fuzz_main.cc.
  static const Options& from_environment();
};

// Each variable's name, for messages that tell how to turn a mode off:
// OptionName::disk_full is "MAPFUZZ_DISK_FULL".
struct OptionName {
#define MAPFUZZ_OPTION(field, variable, Type, default_value, help) static constexpr const char* field = #variable;
#include "harness/options.def"
#undef MAPFUZZ_OPTION
};

// One entry per option, in options.def's order.
struct OptionInfo {
  const char* variable;  // "MAPFUZZ_DISK_FULL"
  const char* want;      // the Type's kWant
  std::string default_text;  // the default as Type::show prints it
  const char* help;
};
std::vector<OptionInfo> option_table();

// The option list for --help: per option its name, values, default and
// meaning, plus the other variables the harness reads.
std::string options_help();

// The same list as a Markdown table (the README's, between its
// "<!-- options:begin -->" and "<!-- options:end -->" markers).
std::string options_markdown();

// `text` broken into lines of at most `width` characters (longer words stay
// whole), each starting with `indent` and ending in a newline; "" for "".
// Every --help of mapfuzz wraps its option texts with it.
std::string wrap_text(const std::string& text, const std::string& indent, size_t width);

}  // namespace mapfuzz
