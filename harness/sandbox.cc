#include "harness/sandbox.h"

#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mapfuzz {
namespace {

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

void remove_tree(const std::string& dir) {
  ::nftw(dir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool writable_dir(const char* path) {
  struct stat st;
  return path && *path && ::stat(path, &st) == 0 && S_ISDIR(st.st_mode) && ::access(path, W_OK | X_OK) == 0;
}

// Removes mapfuzz-<pid>-* directories whose process is gone (a run that was
// killed before it could clean up).
void reap_stale(const std::string& base) {
  DIR* d = ::opendir(base.c_str());
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    long pid = 0;
    char tail[32];
    if (std::sscanf(e->d_name, "mapfuzz-%ld-%31s", &pid, tail) != 2 || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    remove_tree(base + "/" + e->d_name);
  }
  ::closedir(d);
}

}  // namespace

std::string Sandbox::base_dir() {
  if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) return tmp;
  if (writable_dir("/dev/shm")) return "/dev/shm";
  return "/tmp";
}

Sandbox::Sandbox(std::string* error) {
  const std::string base = base_dir();
  reap_stale(base);
  std::string templ = base + "/mapfuzz-" + std::to_string(::getpid()) + "-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    std::string why = "mapfuzz: cannot create a sandbox directory in " + base + ": " + std::strerror(errno) +
                      " (set TMPDIR to a writable directory)";
    if (error) {
      *error = why;
      return;
    }
    std::fprintf(stderr, "%s\n", why.c_str());
    std::exit(2);
  }
  dir_ = templ;
}

Sandbox::~Sandbox() {
  if (!dir_.empty()) remove_tree(dir_);
}

void Sandbox::clear() const {
  if (dir_.empty()) return;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    remove_tree(dir_ + "/" + e->d_name);
  }
  ::closedir(d);
}

}  // namespace mapfuzz
