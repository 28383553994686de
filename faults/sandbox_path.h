// Whether a path passed to open/openat names something in the sandbox, for
// interpose.cc only. Paths are compared lexically after joining relative
// paths to the cwd or the dirfd's /proc/self/fd link and folding "." and
// "..": symlinks from outside into the sandbox are not followed. The sandbox
// directory itself counts as inside (a library may fsync it, or open it
// with O_TMPFILE). No allocation; safe to call from any thread while the
// roots are not being changed.
#pragma once

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fnmatch.h>

namespace mapfuzz::faults::detail {

// Writes the lexical normal form of `base`/`path` ("/a/b", no trailing
// slash, no "." or ".." components) to out. `base` is ignored when `path` is
// absolute and may be null otherwise (then "/"). Returns false if the
// result does not fit in `cap` bytes.
inline bool normalize_path(const char* base, const char* path, char* out, size_t cap) {
  size_t n = 0;
  out[n++] = '/';
  auto append = [&](const char* s) {
    while (*s != '\0') {
      while (*s == '/') ++s;
      if (*s == '\0') break;
      const char* e = s;
      while (*e != '\0' && *e != '/') ++e;
      const size_t len = static_cast<size_t>(e - s);
      if (len == 2 && s[0] == '.' && s[1] == '.') {
        while (n > 1 && out[n - 1] != '/') --n;
        if (n > 1) --n;
      } else if (!(len == 1 && s[0] == '.')) {
        if (n + 1 + len >= cap) return false;
        if (n > 1) out[n++] = '/';
        std::memcpy(out + n, s, len);
        n += len;
      }
      s = e;
    }
    return true;
  };
  if (path[0] != '/' && base != nullptr && !append(base)) return false;
  if (!append(path)) return false;
  out[n] = '\0';
  return true;
}

class SandboxPath {
 public:
  constexpr SandboxPath() = default;

  // Sets the sandbox to `dir` (absolute), also matching its realpath() when
  // that differs. Returns false if `dir` is not absolute or too long.
  bool set(const char* dir) {
    patterns_on_ = true;
    if (dir == nullptr || dir[0] != '/') {
      n_roots_ = 0;
      return false;
    }
    // The same sandbox again (every run of a fuzzer): keep the realpath()
    // found before, sparing its readlink per path component.
    if (cached_roots_ > 0 && std::strcmp(dir, given_) == 0) {
      n_roots_ = cached_roots_;
      return true;
    }
    n_roots_ = cached_roots_ = 0;
    if (std::strlen(dir) >= PATH_MAX) return false;
    std::strcpy(given_, dir);
    if (!normalize_path(nullptr, dir, roots_[0], PATH_MAX)) return false;
    n_roots_ = 1;
    char real[PATH_MAX];
    if (::realpath(dir, real) != nullptr && normalize_path(nullptr, real, roots_[1], PATH_MAX) &&
        std::strcmp(roots_[0], roots_[1]) != 0) {
      n_roots_ = 2;
    }
    for (int i = 0; i < n_roots_; ++i) lens_[i] = std::strlen(roots_[i]);
    cached_roots_ = n_roots_;
    return true;
  }

  // Matches nothing until the next set() (which may reuse the cached roots).
  // Patterns (add_pattern) are kept, but match only while set() holds a
  // root or was given null.
  void clear() {
    n_roots_ = 0;
    patterns_on_ = false;
  }

  // Also matches paths that fnmatch(3) `glob` (absolute, no flags: `*`
  // matches `/` too), from the next set() on. Returns false, keeping
  // nothing, if `glob` is not absolute, too long, or kMaxPatterns are kept.
  static constexpr int kMaxPatterns = 8;
  bool add_pattern(const char* glob) {
    if (glob == nullptr || glob[0] != '/' || n_patterns_ == kMaxPatterns || std::strlen(glob) >= PATH_MAX) {
      return false;
    }
    std::strcpy(patterns_[n_patterns_++], glob);
    return true;
  }
  void clear_patterns() { n_patterns_ = 0; }

  // Returns true iff `path` (resolved against `dirfd` as openat does)
  // names the sandbox directory or something under it.
  bool contains(int dirfd, const char* path) const {
    const bool patterns = patterns_on_ && n_patterns_ > 0;
    if ((n_roots_ == 0 && !patterns) || path == nullptr || path[0] == '\0') return false;
    char base[PATH_MAX];
    const char* base_ptr = nullptr;
    if (path[0] != '/') {
      if (dirfd == AT_FDCWD) {
        if (::getcwd(base, sizeof base) == nullptr) return false;
      } else {
        char link[32];
        std::snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        const ssize_t len = ::readlink(link, base, sizeof base - 1);
        if (len <= 0 || base[0] != '/') return false;
        base[len] = '\0';
      }
      base_ptr = base;
    }
    char full[PATH_MAX];
    if (!normalize_path(base_ptr, path, full, sizeof full)) return false;
    for (int i = 0; i < n_roots_; ++i) {
      if (under(full, roots_[i], lens_[i])) return true;
    }
    for (int i = 0; patterns && i < n_patterns_; ++i) {
      if (::fnmatch(patterns_[i], full, 0) == 0) return true;
    }
    return false;
  }

 private:
  static bool under(const char* full, const char* root, size_t len) {
    if (len == 1) return true;  // the root directory "/"
    return std::strncmp(full, root, len) == 0 && (full[len] == '\0' || full[len] == '/');
  }

  char given_[PATH_MAX] = {};  // the dir of the last set(), whose roots are cached
  int cached_roots_ = 0;
  char roots_[2][PATH_MAX] = {};
  size_t lens_[2] = {};
  int n_roots_ = 0;
  char patterns_[kMaxPatterns][PATH_MAX] = {};
  int n_patterns_ = 0;
  bool patterns_on_ = false;  // set() was called since the last clear()
};

}  // namespace mapfuzz::faults::detail
