#include "harness/run/run_frames.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "harness/run/run_options.h"

namespace mapfuzz::run {
namespace {

std::string file_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// addr2line's "function\nfile:line" for each offset of `module`; empty
// strings where it knows nothing or cannot run.
std::vector<std::string> source_lines(const std::string& module, const std::vector<uint64_t>& offsets) {
  std::vector<std::string> out(offsets.size());
  if (module.empty() || module[0] != '/') return out;
  std::string cmd = "addr2line -f -C -e " + shell_quote(module);
  char hex[32];
  for (uint64_t off : offsets) {
    std::snprintf(hex, sizeof hex, " 0x%llx", static_cast<unsigned long long>(off));
    cmd += hex;
  }
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return out;
  char function[4096], where[4096];
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (std::fgets(function, sizeof function, p) == nullptr || std::fgets(where, sizeof where, p) == nullptr) break;
    std::string f(function), w(where);
    while (!f.empty() && f.back() == '\n') f.pop_back();
    while (!w.empty() && w.back() == '\n') w.pop_back();
    if (f == "??" && w.rfind("??", 0) == 0) continue;
    const size_t slash = w.rfind('/');
    out[i] = f + " (" + (slash == std::string::npos ? w : w.substr(slash + 1)) + ")";
  }
  ::pclose(p);
  return out;
}

}  // namespace

NativeFrame parse_frame(const std::string& text) {
  NativeFrame f;
  const size_t space = text.rfind(' ');
  const std::string loc = text.substr(0, space);
  f.symbol = space == std::string::npos ? "?" : text.substr(space + 1);
  const size_t plus = loc.rfind("+0x");
  if (plus == std::string::npos) {
    f.module = text;
    return f;
  }
  f.module = loc.substr(0, plus);
  f.offset = std::strtoull(loc.c_str() + plus + 1, nullptr, 16);
  return f;
}

bool is_runtime_frame(const NativeFrame& frame) {
  const std::string name = file_name(frame.module);
  return name.rfind("libc.so", 0) == 0 || name.rfind("ld-linux", 0) == 0;
}

std::string frame_key(const NativeFrame& frame) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "+0x%llx", static_cast<unsigned long long>(frame.offset));
  return file_name(frame.module) + hex;
}

std::vector<std::string> describe_frames(const std::vector<std::string>& frames, size_t max) {
  std::vector<NativeFrame> parsed;
  for (size_t i = 0; i < frames.size() && parsed.size() < max; ++i) parsed.push_back(parse_frame(frames[i]));
  std::map<std::string, std::vector<size_t>> by_module;
  for (size_t i = 0; i < parsed.size(); ++i) by_module[parsed[i].module].push_back(i);
  std::vector<std::string> out(parsed.size());
  for (const auto& [module, indexes] : by_module) {
    std::vector<uint64_t> offsets;
    for (size_t i : indexes) offsets.push_back(parsed[i].offset);
    const std::vector<std::string> lines = source_lines(module, offsets);
    for (size_t k = 0; k < indexes.size(); ++k) {
      const NativeFrame& f = parsed[indexes[k]];
      out[indexes[k]] = (lines[k].empty() ? f.symbol : lines[k]) + " [" + frame_key(f) + "]";
    }
  }
  return out;
}

}  // namespace mapfuzz::run
