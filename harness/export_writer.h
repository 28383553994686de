// The text of an exported program in one language (harness/export.h): its
// header, the runtime, the steps and the checks. Knows the syntax of C++
// and Python; knows nothing of models or findings (export.cc decides what
// to check). Also the Transcript the adapter says its calls to.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/transcript.h"

namespace mapfuzz {

class ExportWriter final : public Transcript {
 public:
  ExportWriter(ExportLanguage language, const Exporter& exporter);

  // Transcript: a statement of the library call being made now.
  void say(std::string statement) override { said_.push_back(std::move(statement)); }

  // Header comment lines (without comment markers).
  void comment(const std::string& line) { header_.push_back(line); }

  // ---- the body, in program order ----
  // A comment line in the body.
  void note(const std::string& text);
  // A runtime call as a statement, e.g. call("rt_fault", {"\"mmap\"", "ENOMEM", "1", "0"}).
  void call(const std::string& function, const std::vector<std::string>& args);
  // `if <runtime call> != 0: exit 3` (a condition the run cannot set up).
  void call_or_inconclusive(const std::string& function, const std::vector<std::string>& args);
  // A library step: rt_step(n, text), then the statements said since the
  // last flush (each turning a failure into `rc`), or a comment if none.
  void library_step(uint32_t index, const std::string& text);
  // A runtime call only when `rc` is (`when_failed`) or is not non-zero.
  void call_if(bool when_failed, const std::string& function, const std::vector<std::string>& args);
  // A write's bytes (mapfuzz's pattern of `seed` at `offset`) into
  // rt_buf (C++) or `data` (Python).
  void fill(uint8_t seed, uint64_t offset, uint64_t length);
  // Destroys the library instance (Exporter::destroy).
  void destroy();
  // Forgets statements said outside a step (none are expected).
  void drop_said() { said_.clear(); }

  // ---- pieces of arguments ----
  std::string str(const std::string& s) const;  // a string literal
  std::string num(uint64_t v) const;             // an unsigned 64-bit literal
  std::string size_expr() const;                 // the library's size
  // The bytes and count a read returned.
  std::string read_data() const;
  std::string read_count() const;
  std::string errno_arg(int code) const;  // EIO / 5 (Python, with the name in a comment)

  // The whole program.
  std::string text() const;

 private:
  std::string indent_said() const;

  ExportLanguage language_;
  const Exporter& exporter_;
  std::vector<std::string> header_;
  std::vector<std::string> body_;
  std::vector<std::string> said_;
};

}  // namespace mapfuzz
