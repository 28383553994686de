#include "harness/run/run_options.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "harness/exit_codes.h"
#include "harness/options.h"

namespace mapfuzz::run {
namespace {

// One option: its name, its value's name ("" for a switch), its help, and
// what it does to the options.
struct OptionRow {
  const char* name;
  const char* value;
  const char* help;
  bool (*apply)(const std::string& value, RunOptions* o, std::string* error);
};

bool parse_bytes(const std::string& text, uint64_t* out, std::string* error) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  uint64_t unit = 1;
  if (*end == 'k' || *end == 'K') unit = 1024, ++end;
  else if (*end == 'm' || *end == 'M') unit = 1024 * 1024, ++end;
  if (text.empty() || *end != '\0' || text[0] == '-') {
    *error = "'" + text + "' is not a number of bytes (e.g. 4096, 0x1000, 64k, 1M)";
    return false;
  }
  *out = v * unit;
  return true;
}

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  return (::getcwd(cwd, sizeof cwd) != nullptr ? std::string(cwd) : std::string("/")) + "/" + path;
}

// The program runs in its sandbox: an argument that names an existing file
// or directory relative to here (the script, an input file) is made
// absolute so that it still names it there. Options and other words stay.
std::string absolute_if_here(const std::string& word) {
  struct stat st {};
  if (word.empty() || word[0] == '/' || word[0] == '-' || ::stat(word.c_str(), &st) != 0) return word;
  return absolute(word);
}

// What each option does to the options; false with *e set for a bad value.
bool set_files(const std::string& v, RunOptions* o, std::string* e) {
  if (o->files.size() == 8) return *e = "at most 8 --files patterns", false;
  o->files.push_back(absolute(v));
  return true;
}
bool set_fault(const std::string& v, RunOptions* o, std::string* e) {
  faults::FaultSpec f;
  if (!parse_fault(v, &f, e)) return false;
  o->plan.faults.push_back(f);
  return true;
}
bool set_outside(const std::string& v, RunOptions* o, std::string* e) {
  PlannedEvent ev;
  if (!parse_event(v, &ev, e)) return false;
  o->plan.events.push_back(ev);
  return true;
}
bool set_disk_free(const std::string& v, RunOptions* o, std::string* e) {
  o->has_disk_free = true;
  return parse_bytes(v, &o->disk_free, e);
}
bool set_size_limit(const std::string& v, RunOptions* o, std::string* e) {
  o->has_size_limit = true;
  return parse_bytes(v, &o->size_limit, e);
}
bool set_timeout(const std::string& v, RunOptions* o, std::string* e) {
  char* end = nullptr;
  o->timeout = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(o->timeout > 0)) return *e = "--timeout wants a positive number of seconds", false;
  return true;
}
bool set_check(const std::string& v, RunOptions* o, std::string*) { return o->check = v, true; }
bool set_enumerate(const std::string&, RunOptions* o, std::string*) { return o->enumerate = true; }
bool set_errnos(const std::string& v, RunOptions* o, std::string* e) {
  if (v != "all" && v != "first") return *e = "--errnos wants all or first", false;
  return o->all_errnos = v == "all", true;
}
bool set_no_events(const std::string&, RunOptions* o, std::string*) { return !(o->events = false); }
bool set_jobs(const std::string& v, RunOptions* o, std::string* e) {
  o->jobs = static_cast<unsigned>(std::strtoul(v.c_str(), nullptr, 10));
  if (o->jobs == 0 || o->jobs > 256) return *e = "--jobs wants 1..256", false;
  return true;
}
bool set_max_runs(const std::string& v, RunOptions* o, std::string* e) {
  o->max_runs = std::strtoul(v.c_str(), nullptr, 10);
  if (o->max_runs == 0) return *e = "--max-runs wants a positive number", false;
  return true;
}
bool set_fail_on(const std::string& v, RunOptions* o, std::string* e) {
  o->fail_on = {};
  for (size_t start = 0;;) {
    const size_t comma = v.find(',', start);
    const std::string name = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    Verdict verdict;
    if (!verdict_from_name(name, &verdict)) return *e = "unknown verdict '" + name + "'", false;
    o->fail_on.add(verdict);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}
bool set_report_dir(const std::string& v, RunOptions* o, std::string* e) {
  struct stat st {};
  if (::stat(v.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(v.c_str(), W_OK) != 0) {
    return *e = "'" + v + "' is not a writable directory", false;
  }
  return o->report_dir = v, true;
}
bool set_keep_privileges(const std::string&, RunOptions* o, std::string*) { return o->keep_privileges = true; }
bool set_gdb(const std::string&, RunOptions* o, std::string*) { return o->gdb = true; }
bool set_quiet(const std::string&, RunOptions* o, std::string*) { return o->quiet = true; }

// The table: parsing, --help and the README read it.
constexpr OptionRow kOptions[] = {
    {"--files", "GLOB", "scope faults to the files matching GLOB (absolute or relative to here; * also matches /); repeatable. Default: everything in a fresh sandbox directory, the program's working directory, also in $MAPFUZZ_SANDBOX", set_files},
    {"--fault", "SPEC", "inject a fault, in a program's fault-op form: 'call=ftruncate errno=ENOSPC nth=2 once' (or persistent); repeatable", set_fault},
    {"--outside", "EVENT", "another process acts on the scoped file right after the program's Nth mmap of it ('shrink size=0 after-mmap=1'), or right after its Nth call on a scoped file, on that call's file (after-call=N); events: shrink, regrow, extend size=N; punch offset=N length=N; pwrite offset=N length=N seed=N; chmod mode=0444; unlink; replace size=N; lock kind=fcntl|ofd|flock mode=shared|exclusive offset=N length=N [file=data|lock|journal|wal|shm], held until unlock kind=K or the end of the run); repeatable", set_outside},
    {"--disk-free", "BYTES", "put the sandbox on its own tmpfs with BYTES free: real ENOSPC, and SIGBUS on the first touch of a hole (needs mount privileges or user namespaces; else the run is skipped, exit 3)", set_disk_free},
    {"--size-limit", "BYTES", "RLIMIT_FSIZE for the program: growing a file past BYTES fails with real EFBIG", set_size_limit},
    {"--timeout", "SECONDS", "a run still going after SECONDS is killed and counts as hung (default 30)", set_timeout},
    {"--check", "CMD", "after each run, run the shell command CMD in the sandbox (faults off; $MAPFUZZ_EXIT holds the program's exit status, or 'signal N'): if it fails, the run is check-failed (not run after an event that destroys the file's data: shrink, punch, pwrite, replace, unlink). E.g. '[ \"$MAPFUZZ_EXIT\" != 0 ] || verify out.db': what the program said it wrote must be there", set_check},
    {"--enumerate", "", "one plain run to count the program's calls on scoped files, then one run per (call, k, errno, once|persistent) and per outside event after each mmap, in parallel; a table of distinct sites", set_enumerate},
    {"--errnos", "all|first", "with --enumerate: every realistic errno of each call (default), or only the most common one", set_errnos},
    {"--no-events", "", "with --enumerate: injected errors only, no outside events", set_no_events},
    {"--jobs", "N", "with --enumerate: runs at once (default: the number of CPUs)", set_jobs},
    {"--max-runs", "N", "with --enumerate: refuse a plan of more than N runs (default 3000)", set_max_runs},
    {"--fail-on", "LIST", "verdicts that make the exit status 1, comma-separated, from crashed, hung, check-failed, swallowed, reported (default: crashed,hung,check-failed)", set_fail_on},
    {"--report-dir", "DIR", "with --enumerate, also write every site's report to DIR/mapfuzz-run-<verdict>-<n>.txt (n: its row, worst first)", set_report_dir},
    {"--keep-privileges", "", "as root, keep CAP_DAC_OVERRIDE (by default the program runs without it, so permission bits, and chmod events, apply to it as to any user)", set_keep_privileges},
    {"--gdb", "", "run the program once under gdb, stopped where an injected fault fails a call (in mapfuzz_fault_fired, inside the fault layer: `bt` shows the program's frames below it), where an event is due (mapfuzz_event_due), and at any signal; the exit status is 0 unless the run cannot start", set_gdb},
    {"--quiet", "", "no progress lines", set_quiet},
};

const OptionRow* find(const std::string& name) {
  for (const OptionRow& row : kOptions) {
    if (name == row.name) return &row;
  }
  return nullptr;
}

}  // namespace

ParseOutcome parse_run_options(const std::vector<std::string>& args, RunOptions* out, std::string* error) {
  out->fail_on = {};
  for (Verdict v : {Verdict::kCrashed, Verdict::kHung, Verdict::kCheckFailed}) out->fail_on.add(v);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return ParseOutcome::kHelp;
    if (arg == "--") {
      out->command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      for (std::string& word : out->command) word = absolute_if_here(word);
      break;
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const OptionRow* row = find(name);
    if (row == nullptr) {
      *error = "unknown option '" + arg + "' (the program comes after --)";
      return ParseOutcome::kError;
    }
    std::string value;
    if (row->value[0] != '\0') {
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        *error = name + " needs a value (" + row->value + ")";
        return ParseOutcome::kError;
      }
    } else if (eq != std::string::npos) {
      *error = name + " takes no value";
      return ParseOutcome::kError;
    }
    std::string why;
    if (!row->apply(value, out, &why)) {
      *error = name + ": " + why;
      return ParseOutcome::kError;
    }
  }
  if (out->command.empty()) {
    *error = "no program to run: put it after --, e.g. -- python3 script.py";
    return ParseOutcome::kError;
  }
  if (out->enumerate && out->gdb) {
    *error = "--gdb runs one program: replay one run of the table with --gdb instead of --enumerate";
    return ParseOutcome::kError;
  }
  return ParseOutcome::kRun;
}


std::string run_usage(const std::string& invoked_as) {
  std::string text = "usage: " + invoked_as + " [options] -- PROGRAM [ARGS...]\n\n"
      "Runs an unmodified, dynamically linked program with mapfuzz's fault layer preloaded\n"
      "(LD_PRELOAD): the faults and outside events act only on the scoped files; everything\n"
      "else the program does passes through untouched. Prints what the program did with them:\n"
      "  clean, swallowed (exit 0 although a scoped call failed), reported (non-zero exit, or\n"
      "  its output names the error), check-failed, crashed (a signal; SIGBUS/SIGSEGV on a\n"
      "  scoped mapping attributed to the file offset, size and cause), hung.\n"
      "Arguments naming existing files here are made absolute (the program runs in its sandbox).\n"
      "Faults and events act in the process the runner starts (whatever it execs into), not\n"
      "in processes it starts. Python programs get faulthandler (Python stacks on a crash).\n\n"
      "options:\n";
  for (const OptionRow& row : kOptions) {
    text += "  " + std::string(row.name) + (row.value[0] ? std::string(" ") + row.value : "") + "\n" +
            wrap_text(row.help, "      ", 90);
  }
  return text + "\n" + kExitCodesHelp;
}

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == std::string::npos) {
    return word;
  }
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string replay_options(const RunOptions& o) {
  std::string s;
  for (const std::string& f : o.files) s += " --files " + shell_quote(f);
  if (o.has_disk_free) s += " --disk-free " + std::to_string(o.disk_free);
  if (o.has_size_limit) s += " --size-limit " + std::to_string(o.size_limit);
  if (!o.check.empty()) s += " --check " + shell_quote(o.check);
  if (o.timeout != 30) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", o.timeout);
    s += std::string(" --timeout ") + text;
  }
  if (o.keep_privileges) s += " --keep-privileges";
  return s;
}

}  // namespace mapfuzz::run
