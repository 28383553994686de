// Native frames of the program, as the preload records them ("<module
// path>+0x<offset> <dynamic symbol or ?>"): their stable key for grouping
// runs by site, and their source lines for reports (addr2line, when the
// module has debug information).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mapfuzz::run {

struct NativeFrame {
  std::string module;   // the path as loaded
  uint64_t offset = 0;  // from the module's load address
  std::string symbol;   // the dynamic symbol, "?" if none
};

// Parses a recorded frame; a frame it cannot read keeps the text as module.
NativeFrame parse_frame(const std::string& text);

// True for frames of the C library and the dynamic loader (the bottom of
// every stack, never where the program made its call).
bool is_runtime_frame(const NativeFrame& frame);

// "<module file name>+0x<offset>": the same in every run of the same binary.
std::string frame_key(const NativeFrame& frame);

// Up to `max` frames, each as "function (file:line) [module+0xoff]" where
// addr2line knows them, else "symbol [module+0xoff]". Runs addr2line once
// per module.
std::vector<std::string> describe_frames(const std::vector<std::string>& frames, size_t max);

}  // namespace mapfuzz::run
