// The seam through which `export` (harness/export.h) learns which library
// calls an operation makes: while a Transcript is set, the adapter says each
// call it makes, as one statement of the export's language, before it makes
// it. Exporting is optional: a target whose Target::exporter is null cannot
// be exported, and its Subject ignores set_transcript().
//
// What a statement may use (set up by the export around it):
// The statements of one operation stop at the first failure, in both
// languages (as the harness stops a composite operation, e.g. reopen's
// close, then open).
//   C++ (ExportLanguage::kCpp): `path` (const char*, the data file), `rc`
//     (int: a statement sets it to 0 or an errno), `rt_buf` (uint8_t[kMaxIoLength]: the bytes to
//     write, filled before a write; the destination of a read), `rt_got`
//     (uint64_t: bytes a read returned), and `lib`, declared by
//     Exporter::declare.
//   Python (ExportLanguage::kPython): `path` (str), `data` (bytes to write),
//     `got` (a read assigns the bytes it returned); a failing call raises
//     (the export turns the exception into `rc`); the names the adapter's
//     own statements bind (files, maps) live in one namespace for the run.
#pragma once

#include <cstdint>
#include <string>

namespace mapfuzz {

enum class ExportLanguage : uint8_t { kCpp, kPython };

// "c" / "python" (the --lang values).
const char* export_language_name(ExportLanguage language);

class Transcript {
 public:
  virtual ~Transcript() = default;
  // Appends one statement (no newline; Python: may hold several lines,
  // indented relative to the first) to the current operation.
  virtual void say(std::string statement) = 0;
  // A statement that runs only if the current operation fails (the
  // adapter's cleanup on its error path), whenever it is said.
  virtual void say_on_failure(std::string statement) = 0;
};

// What a target says about its exported programs. Every text is static.
struct Exporter {
  ExportLanguage language = ExportLanguage::kCpp;
  // C++: #include lines; Python: import lines and helper definitions.
  const char* prelude = "";
  // Declares the library instance (C++: named `lib`), before the first step.
  const char* declare = "";
  // Destroys it at the end of the run (after its close), before the leak check.
  const char* destroy = "";
  // An expression for the size the library believes the file has.
  const char* size_expr = "";
  // How to build and run the program, one line per command; `{src}` is the
  // exported file, `{out}` the program to build (C++ only; "" for Python).
  const char* build = "";
};

}  // namespace mapfuzz
