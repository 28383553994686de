// mapfuzz-<target>: replay findings, enumerate faults exhaustively, and
// convert programs between the text form and the binary (fuzz input)
// encoding.
#include <dirent.h>
#include <algorithm>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/binary_codec.h"
#include "harness/enumerate.h"
#include "harness/explanations.h"
#include "harness/gdb_replay.h"
#include "harness/options.h"
#include "harness/runtime.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

constexpr int kUsageError = kOptionsUsageError;

void usage(FILE* out) {
  const char* t = this_target().name;
  std::fprintf(out,
               "usage: mapfuzz-%s <command> [options]\n"
               "\n"
               "commands:\n"
               "  replay [--text|--binary] [--quiet] FILE...\n"
               "      Run each program (a libFuzzer crash file or a text program) against '%s'\n"
               "      and print every step: the op, the model's expectation, the library's answer.\n"
               "      Exits 0 if no finding, 10+kind on the first finding (see docs), 2 on bad input\n"
               "      (a missing, unreadable or empty file, a directory).\n"
               "  replay --gdb|--gdb-batch [--break-at N] [--text|--binary] FILE\n"
               "      Replay FILE under gdb, stopped right before the library call of its failing\n"
               "      step (found by a quiet replay first), or of step N; prints the step, the\n"
               "      model's expectation and the program so far. A signal finding goes on to the\n"
               "      faulting instruction. --gdb leaves you at gdb's prompt; --gdb-batch also\n"
               "      prints the backtrace there and at the library's first file or mapping call\n"
               "      in the step, then exits. Exits with gdb's status (0 and a note if FILE gives\n"
               "      no finding and no --break-at is given).\n"
               "  check DIR...\n"
               "      Replay every file in the directories quietly; print one line per finding and\n"
               "      a summary. Exits 1 if any file gives a finding.\n"
               "  enumerate [--errno-set all|first] [--quiet] FILE|DIR...\n"
               "      For each program (every file of a DIR), run it once counting the file and\n"
               "      mapping calls, then once per call k, errno and mode with a fault op failing\n"
               "      call k (once, then persistently) put first. Prints one line per program, a\n"
               "      table row per run (not with --quiet), each distinct finding's report once\n"
               "      (its program saved under $%s) and a summary. --errno-set first: only each\n"
               "      call's most common errno. Exits 0 if no finding, 1 if any, 2 on bad input.\n"
               "  encode IN.txt OUT      text program -> binary fuzz input\n"
               "  encode-dir INDIR OUTDIR  every INDIR/*.txt -> OUTDIR/<name> (binary)\n"
               "  decode IN [OUT]        binary fuzz input (or text) -> text program (stdout if no OUT)\n"
               "  options [--markdown]   the environment variables below (as a Markdown table)\n"
               "  errors --markdown      what each call's errno and each signal means for mapped files,\n"
               "                         and what a correct library does per finding (docs/ERRORS.md)\n"
               "\n"
               "environment:\n%s",
               t, t, OptionName::artifact_dir, options_help().c_str());
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
  std::fprintf(stderr, "mapfuzz: options: unknown argument %s (only --markdown)\n", args[0].c_str());
  return kUsageError;
}

// `errors --markdown`: the explanation table (harness/explanations.h), as
// docs/ERRORS.md holds it.
int print_errors(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "--markdown") {
    std::fputs(explain::errors_markdown().c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "mapfuzz: usage: errors --markdown\n");
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

bool write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) {
    std::fprintf(stderr, "mapfuzz: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  return true;
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

struct ReplayArgs {
  Format format = Format::kAuto;
  std::vector<std::string> pass_args;  // --text/--binary, for the replay under gdb
  bool quiet = false;
  bool gdb = false;
  bool gdb_batch = false;
  bool debugger_text = false;  // internal: the replay that runs under gdb
  int64_t break_at = -1;
  bool help = false;
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
    else if (a == "--help" || a == "-h") r->help = true;
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

void replay_usage() {
  std::printf("usage: mapfuzz-%s replay [--text|--binary] [--quiet] FILE...\n"
              "       mapfuzz-%s replay --gdb|--gdb-batch [--break-at N] [--text|--binary] FILE\n"
              "  --text, --binary  read FILE as a text program / a binary fuzz input (default: guess)\n"
              "  --quiet           print only the report, not every step\n"
              "  --gdb             run the replay under gdb, stopped before the library call of the\n"
              "                    failing step (a signal finding: at the faulting instruction)\n"
              "  --gdb-batch       the same in gdb's batch mode: prints the backtraces and exits\n"
              "  --break-at N      with --gdb or --gdb-batch: stop at step N instead\n"
              "Exits 0 if no finding, 10+kind on the first finding, 2 on a bad argument or input\n"
              "(a missing, unreadable or empty file, a directory); under gdb, with gdb's status.\n",
              this_target().name, this_target().name);
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
  if (r.help) {
    replay_usage();
    return 0;
  }
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
      return finding_exit_code(finding.kind);
    }
    if (!quiet) {
      std::printf("== no finding%s\n", ex.ended_by_hazard() ? " (the run ended on a documented hazard: SIGBUS after an outside truncation or on a full disk)" : "");
    }
  }
  return 0;
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
  if (dirs.empty()) {
    std::fprintf(stderr, "mapfuzz: check: no directory given\n");
    return kUsageError;
  }
  runtime::install_crash_hooks();
  Executor& ex = runtime::executor();
  size_t files = 0, findings = 0;
  for (const std::string& dir : dirs) {
    bool ok = false;
    for (const std::string& file : list_dir(dir, &ok)) {
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
      }
    }
    if (!ok) return kUsageError;
  }
  std::printf("checked %zu programs against %s: %zu finding(s)\n", files, this_target().name, findings);
  return findings ? 1 : 0;
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
    for (std::string& f : list_dir(in, &ok)) files->push_back(std::move(f));
    if (!ok) return false;
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
    else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "mapfuzz: enumerate: unknown option %s\n", a.c_str());
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
  return found.empty() ? 0 : 1;
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
  if (cmd == "options") return print_options(args);
  if (cmd == "errors") return print_errors(args);
  // Every other command reads the options now, so that a bad MAPFUZZ_* value
  // stops it before any work (exit 2, like a bad argument), whether or not
  // the command would have used that option.
  Options::from_environment();
  if (cmd == "replay") return replay(args);
  if (cmd == "check") return check(args);
  if (cmd == "enumerate") return enumerate(args);
  if (cmd == "encode" && args.size() == 2) return encode(args[0], args[1]);
  if (cmd == "encode-dir" && args.size() == 2) return encode_dir(args[0], args[1]);
  if (cmd == "decode" && (args.size() == 1 || args.size() == 2)) return decode(args[0], args.size() == 2 ? &args[1] : nullptr);
  std::fprintf(stderr, "mapfuzz: unknown command or wrong arguments: %s\n\n", cmd.c_str());
  usage(stderr);
  return kUsageError;
}
