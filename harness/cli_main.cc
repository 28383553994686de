// mapfuzz-<target>: replay findings, enumerate faults exhaustively, and
// convert programs between the text form and the binary (fuzz input)
// encoding.
#include <dirent.h>
#include <algorithm>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/artifact_file.h"
#include "harness/binary_codec.h"
#include "harness/enumerate.h"
#include "harness/exit_codes.h"
#include "harness/explanations.h"
#include "harness/export.h"
#include "harness/gdb_replay.h"
#include "harness/options.h"
#include "harness/run/run_main.h"
#include "harness/runtime.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

constexpr int kUsageError = exit_status(ExitCode::kUsage);

// One entry per command: the top-level usage and each command's --help (or
// -h) print from this table.
struct Command {
  const char* name;
  const char* synopsis;  // after "mapfuzz-<target> "; one form per line
  const char* text;      // what it does, each line indented by six spaces
};

constexpr Command kCommands[] = {
    {"replay", "replay [--text|--binary] [--quiet] FILE...\n"
               "replay --gdb|--gdb-batch [--break-at N] [--text|--binary] FILE",
     "      Run each program (a libFuzzer crash file or a text program) against this target\n"
     "      and print every step: the op, the model's expectation, the library's answer.\n"
     "      --text, --binary: read FILE as a text program / a binary fuzz input (default:\n"
     "      guess); --quiet: print only the report, not every step. Stops at the first\n"
     "      finding. A missing, unreadable or empty file, or a directory, is bad input (2).\n"
     "      A step skipped because a fault mode it needs is unavailable here (disk-full\n"
     "      without mount privileges, outside events turned off) makes a run without\n"
     "      finding inconclusive (3).\n"
     "      --gdb: replay FILE under gdb, stopped right before the library call of its\n"
     "      failing step (found by a quiet replay first), or of step N with --break-at;\n"
     "      prints the step, the model's expectation and the program so far. A signal\n"
     "      finding goes on to the faulting instruction. --gdb leaves you at gdb's prompt;\n"
     "      --gdb-batch also prints the backtrace there and at the library's first file or\n"
     "      mapping call in the step, then exits. Under gdb the exit status is gdb's (0 and\n"
     "      a note if FILE gives no finding and no --break-at is given).\n"},
    {"check", "check DIR...",
     "      Replay every file in the directories quietly; print one line per finding and a\n"
     "      summary. A directory with no program, or a file in it that is not one, is bad\n"
     "      input (2).\n"},
    {"enumerate", "enumerate [--errno-set all|first] [--quiet] FILE|DIR...",
     "      For each program (every file of a DIR), run it once counting the file and\n"
     "      mapping calls, then once per call k, errno and mode with a fault op failing\n"
     "      call k (once, then persistently) put first. Prints one line per program, a\n"
     "      table row per run (not with --quiet), each distinct finding's report once (its\n"
     "      program saved under $MAPFUZZ_ARTIFACT_DIR) and a summary. --errno-set first:\n"
     "      only each call's most common errno.\n"},
    {"run", "run [options] -- PROGRAM [ARGS...]",
     "      Run any dynamically linked program (not this target) under mmap faults: the\n"
     "      fault layer is preloaded and acts only on its sandbox (or --files). The same\n"
     "      as mapfuzz-run and scripts/run; `run --help` lists its options.\n"},
    {"export", "export [--lang c|python] [--text|--binary] [-o OUT] FILE",
     "      Replay FILE and write one standalone program that makes the same library calls,\n"
     "      with no mapfuzz code: a small runtime in it injects FILE's faults into calls on\n"
     "      its data file only, plays the other process and the full disk, and checks the\n"
     "      finding's condition. Its header says how to build and run it; the program exits\n"
     "      0 when the library behaves correctly, 1 while the bug is present, 3 when it\n"
     "      cannot set the run up. A documented hazard (a SIGBUS the library does not claim\n"
     "      to survive) exports too. --lang: c (C/C++) or python, default the one the\n"
     "      target's adapter writes; -o OUT: write there (default: standard output). Exits\n"
     "      0 when written, 2 when FILE gives no finding, the target has no exporter for\n"
     "      the language, or a file cannot be read or written.\n"},
    {"encode", "encode IN.txt OUT", "      Text program IN.txt -> binary fuzz input OUT.\n"},
    {"encode-dir", "encode-dir INDIR OUTDIR",
     "      Every INDIR/*.txt -> OUTDIR/<name> (binary); INDIR must hold at least one.\n"},
    {"decode", "decode IN [OUT]", "      Binary fuzz input (or text) IN -> text program OUT (stdout if no OUT).\n"},
    {"options", "options [--markdown]",
     "      The MAPFUZZ_* environment variables (as a Markdown table with --markdown).\n"},
    {"errors", "errors --markdown",
     "      What each call's errno and each signal means for mapped files, and what a\n"
     "      correct library does per finding (docs/ERRORS.md).\n"},
};

// "mapfuzz-<target>"
std::string cli_name() { return std::string("mapfuzz-") + this_target().name; }

const Command* find_command(const std::string& name) {
  for (const Command& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// Each line of `synopsis` after `lead` (the first) or as many spaces.
void print_synopsis(FILE* out, const char* lead, const char* synopsis) {
  const std::string indent(std::strlen(lead), ' ');
  std::string line;
  std::istringstream lines(synopsis);
  for (bool first = true; std::getline(lines, line); first = false) {
    std::fprintf(out, "%s%s %s\n", first ? lead : indent.c_str(), cli_name().c_str(), line.c_str());
  }
}

void usage(FILE* out) {
  std::fprintf(out, "usage: %s <command> [options]   (<command> --help: that command's help)\n\ncommands:\n",
               cli_name().c_str());
  for (const Command& c : kCommands) {
    std::string line;
    std::istringstream lines(c.synopsis);
    while (std::getline(lines, line)) std::fprintf(out, "  %s\n", line.c_str());
    std::fputs(c.text, out);
  }
  std::fprintf(out, "\n%s\nenvironment:\n%s", kExitCodesHelp, options_help().c_str());
}

// `<command> --help`: its synopsis, what it does and the exit codes.
void command_usage(const Command& c) {
  print_synopsis(stdout, "usage: ", c.synopsis);
  std::fputs(c.text, stdout);
  std::fputs(kExitCodesHelp, stdout);
}

// True if `args` ask for help (--help or -h anywhere).
bool asks_help(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
}

// For the commands that take only operands: false (with the reason on
// stderr) if `args` hold an option, or fewer than `min` or more than `max`
// operands.
bool operands_only(const Command& c, const std::vector<std::string>& args, size_t min, size_t max) {
  for (const std::string& a : args) {
    if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "mapfuzz: %s: unknown option %s (see %s --help)\n", c.name, a.c_str(), c.name);
      return false;
    }
  }
  if (args.size() < min || args.size() > max) {
    std::fprintf(stderr, "mapfuzz: %s: wrong arguments; usage:\n", c.name);
    print_synopsis(stderr, "  ", c.synopsis);
    return false;
  }
  return true;
}

// `options [--markdown]`: the option list, read from options.def. Works with
// bad values in the environment (it never reads them).
int print_options(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fputs(options_help().c_str(), stdout);
    return 0;
  }
  if (args.size() == 1 && args[0] == "--markdown") {
    std::fputs(options_markdown().c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "mapfuzz: options: unknown argument %s (only --markdown; see options --help)\n",
               args[0].c_str());
  return kUsageError;
}

// `errors --markdown`: the explanation table (harness/explanations.h), as
// docs/ERRORS.md holds it.
int print_errors(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "--markdown") {
    std::fputs(explain::errors_markdown().c_str(), stdout);
    return 0;
  }
  if (args.empty() || args[0] == "--markdown") {
    std::fprintf(stderr, "mapfuzz: errors: wants --markdown alone (see errors --help)\n");
  } else {
    std::fprintf(stderr, "mapfuzz: errors: unknown argument %s (only --markdown; see errors --help)\n",
                 args[0].c_str());
  }
  return kUsageError;
}

// Reads a whole input file. A directory, an unreadable or an empty file is
// an error (with the reason on stderr): none of them is a program.
bool read_file(const std::string& path, std::string* out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "mapfuzz: cannot read %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "mapfuzz: cannot read %s: it is a directory, not a program\n", path.c_str());
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "mapfuzz: cannot read %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  if (out->empty()) {
    std::fprintf(stderr, "mapfuzz: %s is empty: not a program\n", path.c_str());
    return false;
  }
  return true;
}

// Writes `data` to `path` whole or not at all; false (with the reason on
// stderr) if it cannot.
bool write_file(const std::string& path, const std::string& data) {
  const Status written = write_file_atomically(path, data);
  if (!written.ok()) std::fprintf(stderr, "mapfuzz: %s\n", write_error(path, written).c_str());
  return written.ok();
}

enum class Format { kAuto, kText, kBinary };

// Loads `path` as a program. Text that does not parse is an error (with its
// line), never silently decoded as binary, unless --binary says so.
bool load_program(const std::string& path, Format format, Program* program) {
  std::string data;
  if (!read_file(path, &data)) return false;
  if (format == Format::kBinary || (format == Format::kAuto && !looks_like_text(data))) {
    *program = decode_binary(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    return true;
  }
  std::string error;
  if (!parse_program(data, program, &error)) {
    std::fprintf(stderr, "mapfuzz: %s: %s (use --binary to read it as a fuzz input)\n", path.c_str(),
                 error.c_str());
    return false;
  }
  return true;
}

// After a run of `file` without a finding: if a step was skipped for want of
// a fault mode, says so on stderr and returns true (the run is inconclusive).
bool note_inconclusive(const std::string& file, const Executor& ex) {
  const StepRecord* skipped = ex.first_unavailable_step();
  if (!skipped) return false;
  std::fflush(stdout);
  std::fprintf(stderr, "mapfuzz: %s: inconclusive: step %u (%s) was skipped: %s\n", file.c_str(), skipped->index,
               format_op(skipped->op).c_str(), skipped->skipped);
  return true;
}

struct ReplayArgs {
  Format format = Format::kAuto;
  std::vector<std::string> pass_args;  // --text/--binary, for the replay under gdb
  bool quiet = false;
  bool gdb = false;
  bool gdb_batch = false;
  bool debugger_text = false;  // internal: the replay that runs under gdb
  int64_t break_at = -1;
  std::vector<std::string> files;
};

// False (with the reason on stderr) on a bad argument.
bool parse_replay_args(const std::vector<std::string>& args, ReplayArgs* r) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--text") r->format = Format::kText;
    else if (a == "--binary") r->format = Format::kBinary;
    else if (a == "--quiet") r->quiet = true;
    else if (a == "--gdb") r->gdb = true;
    else if (a == "--gdb-batch") r->gdb = r->gdb_batch = true;
    else if (a == "--debugger-text") r->debugger_text = true;
    else if (a == "--break-at" || a.rfind("--break-at=", 0) == 0) {
      const std::string n = a == "--break-at" ? (i + 1 < args.size() ? args[++i] : "") : a.substr(11);
      char* end = nullptr;
      const long long v = std::strtoll(n.c_str(), &end, 10);
      if (n.empty() || *end != '\0' || v < 0) {
        std::fprintf(stderr, "mapfuzz: replay: --break-at wants a step number, not '%s'\n", n.c_str());
        return false;
      }
      r->break_at = v;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "mapfuzz: replay: unknown option %s (see replay --help)\n", a.c_str());
      return false;
    } else r->files.push_back(a);
    if (a == "--text" || a == "--binary") r->pass_args.push_back(a);
  }
  return true;
}

// replay --gdb / --gdb-batch: one file, loaded here to check it and count its steps.
int replay_gdb(const ReplayArgs& r) {
  if (r.files.size() != 1) {
    std::fprintf(stderr, "mapfuzz: replay: --gdb and --gdb-batch take one file\n");
    return kUsageError;
  }
  Program program;
  if (!load_program(r.files[0], r.format, &program)) return kUsageError;
  return replay_under_gdb(GdbRequest{r.files[0], r.pass_args, program.ops.size(), r.break_at, r.gdb_batch});
}

int replay(const std::vector<std::string>& args) {
  ReplayArgs r;
  if (!parse_replay_args(args, &r)) return kUsageError;
  if (r.files.empty()) {
    std::fprintf(stderr, "mapfuzz: replay: no file given\n");
    return kUsageError;
  }
  if (r.break_at >= 0 && !r.gdb) {
    std::fprintf(stderr, "mapfuzz: replay: --break-at needs --gdb or --gdb-batch\n");
    return kUsageError;
  }
  if (r.gdb) return replay_gdb(r);
  const Format format = r.format;
  const bool quiet = r.quiet;
  const std::vector<std::string>& files = r.files;
  runtime::install_crash_hooks();
  Executor& ex = runtime::executor();
  ex.set_debugger_text(r.debugger_text);
  if (!quiet) ex.set_step_observer([](const StepRecord& s) { std::printf("%s\n", format_step(s).c_str()); std::fflush(stdout); });
  ExitCode result = ExitCode::kClean;
  for (const std::string& file : files) {
    Program program;
    if (!load_program(file, format, &program)) return kUsageError;
    ReportContext context{"replay", "file " + file, cli_path(this_target().name) + " replay " + file, ""};
    if (!quiet) std::printf("== replaying %s (%zu ops) against %s\n", file.c_str(), program.ops.size(), this_target().name);
    runtime::set_current(&program, &context);
    const Finding finding = ex.run(program);
    runtime::set_current(nullptr, nullptr);
    if (finding) {
      std::fflush(stdout);
      std::fputs(format_report(this_target().name, ex.trace(), finding, context).c_str(), stderr);
      return exit_status(ExitCode::kFinding);
    }
    if (!quiet) {
      std::printf("== no finding%s\n", ex.ended_by_hazard() ? " (the run ended on a documented hazard: SIGBUS after an outside truncation or on a full disk)" : "");
    }
    if (note_inconclusive(file, ex)) result = combine(result, ExitCode::kInconclusive);
  }
  return exit_status(result);
}

std::vector<std::string> list_dir(const std::string& dir, bool* ok) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  *ok = d != nullptr;
  if (!d) {
    std::fprintf(stderr, "mapfuzz: cannot open directory %s: %s\n", dir.c_str(), std::strerror(errno));
    return out;
  }
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    out.push_back(dir + "/" + e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

int check(const std::vector<std::string>& dirs) {
  if (!operands_only(*find_command("check"), dirs, 1, SIZE_MAX)) return kUsageError;
  // Every directory is read before any run: a bad one stops the command first.
  std::vector<std::vector<std::string>> listed;
  for (const std::string& dir : dirs) {
    bool ok = false;
    listed.push_back(list_dir(dir, &ok));
    if (!ok) return kUsageError;
    if (listed.back().empty()) {
      std::fprintf(stderr, "mapfuzz: check: %s holds no program\n", dir.c_str());
      return kUsageError;
    }
  }
  runtime::install_crash_hooks();
  Executor& ex = runtime::executor();
  size_t files = 0, findings = 0, inconclusive = 0;
  for (const std::vector<std::string>& dir : listed) {
    for (const std::string& file : dir) {
      Program program;
      if (!load_program(file, Format::kAuto, &program)) return kUsageError;
      ReportContext context{"replay", "file " + file, cli_path(this_target().name) + " replay " + file, ""};
      runtime::set_current(&program, &context);
      const Finding f = ex.run(program);
      runtime::set_current(nullptr, nullptr);
      ++files;
      if (f) {
        ++findings;
        std::printf("%s: %s at step %lld: %s\n", file.c_str(), finding_name(f.kind), (long long)f.step,
                    f.detail.c_str());
      } else if (note_inconclusive(file, ex)) {
        ++inconclusive;
      }
    }
  }
  std::printf("checked %zu programs against %s: %zu finding(s)", files, this_target().name, findings);
  if (inconclusive) std::printf(", %zu inconclusive (a fault mode they need is unavailable here)", inconclusive);
  std::printf("\n");
  if (findings) return exit_status(ExitCode::kFinding);
  return exit_status(inconclusive ? ExitCode::kInconclusive : ExitCode::kClean);
}

// Files named by `inputs`, directories expanded to their files.
bool expand_inputs(const std::vector<std::string>& inputs, std::vector<std::string>* files) {
  for (const std::string& in : inputs) {
    struct stat st;
    if (::stat(in.c_str(), &st) != 0) {
      std::fprintf(stderr, "mapfuzz: cannot read %s: %s\n", in.c_str(), std::strerror(errno));
      return false;
    }
    if (!S_ISDIR(st.st_mode)) {
      files->push_back(in);
      continue;
    }
    bool ok = false;
    std::vector<std::string> listed = list_dir(in, &ok);
    if (!ok) return false;
    if (listed.empty()) {
      std::fprintf(stderr, "mapfuzz: %s holds no program\n", in.c_str());
      return false;
    }
    for (std::string& f : listed) files->push_back(std::move(f));
  }
  return true;
}

int enumerate(const std::vector<std::string>& args) {
  EnumerateOptions options;
  bool quiet = false;
  std::vector<std::string> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string set;
    if (a == "--errno-set" && i + 1 < args.size()) set = args[++i];
    else if (a.rfind("--errno-set=", 0) == 0) set = a.substr(12);
    else if (a == "--quiet") { quiet = true; continue; }
    else if (a == "--errno-set") {
      std::fprintf(stderr, "mapfuzz: enumerate: --errno-set wants all or first\n");
      return kUsageError;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "mapfuzz: enumerate: unknown option %s (see enumerate --help)\n", a.c_str());
      return kUsageError;
    } else { inputs.push_back(a); continue; }
    if (set == "all") options.errnos = ErrnoSet::kAll;
    else if (set == "first") options.errnos = ErrnoSet::kFirst;
    else {
      std::fprintf(stderr, "mapfuzz: enumerate: --errno-set wants all or first, not '%s'\n", set.c_str());
      return kUsageError;
    }
  }
  std::vector<std::string> files;
  if (inputs.empty()) {
    std::fprintf(stderr, "mapfuzz: enumerate: no file or directory given\n");
    return kUsageError;
  }
  if (!expand_inputs(inputs, &files)) return kUsageError;
  std::vector<Program> programs(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (!load_program(files[i], Format::kAuto, &programs[i])) return kUsageError;
  }

  runtime::install_crash_hooks();
  options.table = quiet ? nullptr : stdout;
  options.crash_reports = true;
  const std::string& dir = Options::from_environment().artifact_dir;
  if (!dir.empty()) options.artifact_prefix = dir + "/";
  Enumerator enumerator(runtime::executor(), options);
  for (size_t i = 0; i < files.size(); ++i) enumerator.enumerate(files[i], programs[i], i + 1, files.size());

  const auto& found = enumerator.findings();
  for (size_t i = 0; i < found.size(); ++i) {
    const DistinctFinding& d = found[i];
    std::printf("  #%zu %s: %zu run(s), severity %s, first in %s%s%s\n", i + 1, describe(d.site).c_str(), d.runs,
                severity_class_name(d.severity.cls()), d.program_name.c_str(), d.faulted ? " with " : "",
                d.faulted ? format_op(Op{.kind = OpKind::kFault, .fault = d.fault}).c_str() : "");
  }
  std::printf("%s\n", enumerator.summary().c_str());
  if (!found.empty()) return exit_status(ExitCode::kFinding);
  return exit_status(enumerator.inconclusive() ? ExitCode::kInconclusive : ExitCode::kClean);
}

int encode(const std::string& in, const std::string& out) {
  Program program;
  if (!load_program(in, Format::kText, &program)) return kUsageError;
  const std::vector<uint8_t> bytes = encode_binary(program);
  return write_file(out, std::string(bytes.begin(), bytes.end())) ? 0 : kUsageError;
}

int encode_dir(const std::string& in, const std::string& out) {
  bool ok = false;
  const auto files = list_dir(in, &ok);
  if (!ok) return kUsageError;
  if (::mkdir(out.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "mapfuzz: cannot create %s: %s\n", out.c_str(), std::strerror(errno));
    return kUsageError;
  }
  size_t n = 0;
  for (const std::string& f : files) {
    if (f.size() < 4 || f.compare(f.size() - 4, 4, ".txt") != 0) continue;
    const std::string base = f.substr(f.rfind('/') + 1);
    if (int rc = encode(f, out + "/" + base.substr(0, base.size() - 4))) return rc;
    ++n;
  }
  if (n == 0) {
    std::fprintf(stderr, "mapfuzz: encode-dir: %s holds no *.txt program\n", in.c_str());
    return kUsageError;
  }
  std::printf("encoded %zu programs from %s into %s\n", n, in.c_str(), out.c_str());
  return 0;
}

int decode(const std::string& in, const std::string* out) {
  Program program;
  if (!load_program(in, Format::kAuto, &program)) return kUsageError;
  const std::string text = format_program(program);
  if (!out) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  return write_file(*out, text) ? 0 : kUsageError;
}

int export_command(const std::vector<std::string>& args) {
  Format format = Format::kAuto;
  std::string file, out_path, lang;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--lang" || a == "-o") && i + 1 < args.size()) {
      (a == "-o" ? out_path : lang) = args[++i];
    } else if (a == "--text" || a == "--binary") {
      format = a == "--text" ? Format::kText : Format::kBinary;
    } else if (a.rfind("-", 0) == 0 || !file.empty()) {
      std::fprintf(stderr, "mapfuzz: export: unexpected argument %s (see export --help)\n", a.c_str());
      return kUsageError;
    } else {
      file = a;
    }
  }
  const Exporter* exporter = this_target().exporter;
  ExportLanguage language = exporter ? exporter->language : ExportLanguage::kCpp;
  if (lang == "c" || lang == "python") {
    language = lang == "c" ? ExportLanguage::kCpp : ExportLanguage::kPython;
  } else if (!lang.empty()) {
    std::fprintf(stderr, "mapfuzz: export: --lang takes c or python, not '%s'\n", lang.c_str());
    return kUsageError;
  }
  if (file.empty()) {
    std::fprintf(stderr, "mapfuzz: export: no file given (see export --help)\n");
    return kUsageError;
  }
  Program program;
  if (!load_program(file, format, &program)) return kUsageError;
  const std::string source = out_path.empty() ? (language == ExportLanguage::kPython ? "repro.py" : "repro.cc")
                                              : out_path.substr(out_path.rfind('/') + 1);
  std::string text;
  const ExportResult result = export_isolated(program, language, file,
                                              cli_path(this_target().name) + " replay " + file, source, &text);
  if (!result.ok) {
    std::fprintf(stderr, "mapfuzz: export: %s\n", result.error.c_str());
    return kUsageError;
  }
  const std::string what = result.crashed ? std::string("the crash in its last step")
                           : result.hazard_step >= 0
                               ? "the documented hazard at step " + std::to_string(result.hazard_step)
                                          : std::string(finding_name(result.finding.kind)) + " at " +
                                                (result.finding.step >= 0 ? "step " + std::to_string(result.finding.step)
                                                                          : std::string("the end"));
  if (out_path.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  if (!write_file(out_path, text)) return kUsageError;
  if (language == ExportLanguage::kPython) ::chmod(out_path.c_str(), 0755);
  std::fprintf(stderr, "mapfuzz: wrote %s: a standalone reproducer of %s\n", out_path.c_str(), what.c_str());
  return 0;
}

}  // namespace
}  // namespace mapfuzz

int main(int argc, char** argv) {
  using namespace mapfuzz;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    usage(args.empty() ? stderr : stdout);
    return args.empty() ? kUsageError : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "run") return run::run_main(args);  // any program, not this target: harness/run/ (its own --help)
  if (const Command* command = find_command(cmd); command && asks_help(args)) {
    command_usage(*command);
    return 0;
  }
  if (cmd == "options") return print_options(args);
  if (cmd == "errors") return print_errors(args);
  // Every other command reads the options now, so that a bad MAPFUZZ_* value
  // stops it before any work (exit 2, like a bad argument), whether or not
  // the command would have used that option.
  Options::from_environment();
  if (cmd == "replay") return replay(args);
  if (cmd == "check") return check(args);
  if (cmd == "enumerate") return enumerate(args);
  if (cmd == "export") return export_command(args);
  if (cmd == "encode" || cmd == "encode-dir" || cmd == "decode") {
    if (!operands_only(*find_command(cmd), args, cmd == "decode" ? 1 : 2, 2)) return kUsageError;
    if (cmd == "encode") return encode(args[0], args[1]);
    if (cmd == "encode-dir") return encode_dir(args[0], args[1]);
    return decode(args[0], args.size() == 2 ? &args[1] : nullptr);
  }
  std::fprintf(stderr, "mapfuzz: unknown command: %s\n\n", cmd.c_str());
  usage(stderr);
  return kUsageError;
}
