// The text of an exported program in one language (harness/export.h): its
// header, the runtime, the steps and the checks. Knows the syntax of C++
// and Python; knows nothing of models or findings (export.cc decides what
// to check). Also the Transcript the adapter says its calls to.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/transcript.h"

namespace mapfuzz {

class ExportWriter final : public Transcript {
 public:
  ExportWriter(ExportLanguage language, const Exporter& exporter);

  // Transcript: a statement of the library call being made now.
  void say(std::string statement) override;
  void say_on_failure(std::string statement) override { on_failure_.push_back(std::move(statement)); }

  // Header comment lines (without comment markers).
  void comment(const std::string& line) { header_.push_back(line); }

  // ---- the body, in program order ----
  // A comment line in the body.
  void note(const std::string& text);
  // A runtime call as a statement, e.g. call("rt_fault", {"\"mmap\"", "ENOMEM", "1", "0"}).
  void call(const std::string& function, const std::vector<std::string>& args);
  // `if <runtime call> != 0: exit 3` (a condition the run cannot set up).
  void call_or_inconclusive(const std::string& function, const std::vector<std::string>& args);
  // A library step: its comment, rt_step(n, text), then (end_step) the
  // statements said meanwhile, each turning a failure into `rc`.
  void begin_step(uint32_t index, const std::string& text);
  void end_step();
  // The op was not sent to the library: only its comment stays.
  void skip_step(const std::string& why);
  // A runtime call only when `rc` is (`when_failed`) or is not non-zero.
  void call_if(bool when_failed, const std::string& function, const std::vector<std::string>& args);
  // While set, called with the whole program each time a statement is said
  // during a step, as it would read if the call never returned (a crash),
  // headed by `header`.
  void on_crash_text(std::function<void(const std::string&)> sink, std::vector<std::string> header) {
    crash_sink_ = std::move(sink);
    crash_header_ = std::move(header);
  }
  // A write's bytes (mapfuzz's pattern of `seed` at `offset`) into
  // rt_buf (C++) or `data` (Python).
  void fill(uint8_t seed, uint64_t offset, uint64_t length);
  // Destroys the library instance (Exporter::destroy).
  void destroy();

  // ---- pieces of arguments ----
  std::string str(const std::string& s) const;  // a string literal
  std::string num(uint64_t v) const;             // an unsigned 64-bit literal
  std::string size_expr() const;                 // the library's size
  // The bytes and count a read returned.
  std::string read_data() const;
  std::string read_count() const;
  std::string errno_arg(int code) const;  // EIO / 5 (Python, with the name in a comment)

  // The whole program.
  std::string text() const { return render(header_, body_); }

 private:
  std::string indent(const std::vector<std::string>& statements) const;  // Python, one level
  std::vector<std::string> step_lines() const;  // the pending step's
  std::string render(const std::vector<std::string>& header, const std::vector<std::string>& body) const;

  ExportLanguage language_;
  const Exporter& exporter_;
  std::vector<std::string> header_;
  std::vector<std::string> body_;
  std::vector<std::string> said_;
  std::vector<std::string> on_failure_;
  // The step begun and not ended: its comment, fill and rt_step lines.
  std::vector<std::string> pending_;
  std::function<void(const std::string&)> crash_sink_;
  std::vector<std::string> crash_header_;
};

}  // namespace mapfuzz
