#include "harness/run/run_trace.h"

#include "faults/status.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>

namespace mapfuzz::run {
namespace {

// The rest of the line after `n` space-separated words.
std::string rest_after(const std::string& line, int n) {
  size_t at = 0;
  for (int i = 0; i < n && at != std::string::npos; ++i) {
    at = line.find(' ', at);
    if (at != std::string::npos) ++at;
  }
  return at == std::string::npos ? "" : line.substr(at);
}

void parse_call(const std::string& line, Trace* t) {
  std::istringstream in(line);
  std::string word, name;
  CallLine c;
  int injected = 0;
  in >> word >> name >> c.count >> c.fd >> c.offset >> c.length >> c.err >> injected;
  if (!in || !faults::call_from_name(name.c_str(), &c.call)) return;
  c.injected = injected != 0;
  c.path = rest_after(line, 8);
  auto& count = t->counts[static_cast<size_t>(c.call)];
  if (c.count > count) count = c.count;
  if (c.call == faults::Call::kMmap && c.err == 0) ++t->mmaps;
  if (c.injected && t->first_injected < 0) t->first_injected = static_cast<long>(t->calls.size());
  t->calls.push_back(std::move(c));
}

// The last record wins: the fault the program died of, if it died of one.
void parse_signal(const std::string& line, Trace* t) {
  std::istringstream in(line);
  std::string word, addr;
  SignalLine s;
  int fd = -1;
  in >> word >> s.signo >> s.code >> addr >> fd >> s.offset >> s.size;
  if (!in) return;
  s.addr = std::strtoull(addr.c_str(), nullptr, 16);
  s.scoped = fd >= 0;
  s.path = rest_after(line, 7);
  t->signal = s;
  t->has_signal = true;
}

}  // namespace

Trace parse_trace(const std::string& log) {
  Trace t;
  std::map<int, std::string> fd_paths;  // the path last seen for each fd (close records come after the fd is gone)
  std::istringstream in(log);
  std::string line;
  bool in_pystack = false;
  bool collect_py = false;  // this Python stack is the first injected call's
  bool event_seen = false;
  while (std::getline(in, line)) {
    if (in_pystack) {
      if (line == "pystack-end") {
        in_pystack = false;
      } else if (const size_t at = line.find("File \""); at != std::string::npos && collect_py &&
                                                         t.pystack.size() < 64) {
        t.pystack.push_back(line.substr(at));
      }
      continue;
    }
    if (line.rfind("call ", 0) == 0) {
      const size_t before = t.calls.size();
      parse_call(line, &t);
      if (t.calls.size() > before) t.calls.back().after_event = event_seen;
      if (!t.calls.empty() && t.calls.back().fd >= 0) {
        CallLine& c = t.calls.back();
        if (c.path == "-" && fd_paths.count(c.fd) != 0) c.path = fd_paths[c.fd];
        if (c.path != "-") fd_paths[c.fd] = c.path;
        if (c.call == faults::Call::kClose) fd_paths.erase(c.fd);
      }
    } else if (line.rfind("stack ", 0) == 0 && t.stack.size() < 64 &&
               t.first_injected == static_cast<long>(t.calls.size()) - 1) {
      t.stack.push_back(line.substr(6));
    } else if (line == "pystack-begin") {
      in_pystack = true;
      collect_py = t.pystack.empty() && t.first_injected == static_cast<long>(t.calls.size()) - 1;
    } else if (line.rfind("event ", 0) == 0) {
      event_seen = true;
    } else if (line.rfind("signal ", 0) == 0) {
      parse_signal(line, &t);
    } else if (line.rfind("start ", 0) == 0) {
      t.started = true;
    } else if (line.rfind("exec-failed ", 0) == 0) {
      std::istringstream w(line);
      std::string word, what;
      int err = 0;
      w >> word >> err >> what;
      t.exec_failed = what + ": " + Status::from_code(err, "execvp").describe();
    }
  }
  return t;
}

std::string show_path(const std::string& path, const std::string& sandbox) {
  if (!sandbox.empty() && path.rfind(sandbox + "/", 0) == 0) return path.substr(sandbox.size() + 1);
  return path;
}

}  // namespace mapfuzz::run
