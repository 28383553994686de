#include "harness/export.h"

#include <algorithm>
#include <set>

#include "harness/export_writer.h"
#include "harness/oracle.h"
#include "harness/text_codec.h"

namespace mapfuzz {
namespace {

// ---- images: what the model knows of a file, as the runtime reads it ----

// The seeds whose pattern may be in the file: those of the program's writes.
std::vector<uint8_t> seeds_of(const Program& program) {
  std::set<uint8_t> seeds;
  for (const Op& op : program.ops) {
    if (op.kind == OpKind::kWrite) seeds.insert(op.seed);
    if (op.kind == OpKind::kOutside && op.outside.kind == faults::OutsideKind::kPwrite) seeds.insert(op.outside.seed);
  }
  return {seeds.begin(), seeds.end()};
}

// The known bytes of `image` in [from, to) as runs: z:OFF+LEN, pSEED:OFF+LEN, x:OFF:HEX.
std::string runs_of(const FileImage& image, uint64_t from, uint64_t to, const std::vector<uint8_t>& seeds) {
  std::string out;
  uint64_t literal_end = UINT64_MAX;  // where the current x: token ends
  static const char* hex = "0123456789abcdef";
  for (uint64_t o = from; o < to;) {
    if (!image.known(o)) {
      ++o;
      continue;
    }
    const uint8_t v = image.at(o);
    auto run = [&](auto matches) {
      uint64_t n = 0;
      while (o + n < to && image.known(o + n) && matches(o + n)) ++n;
      return n;
    };
    const uint64_t zeros = v == 0 ? run([&](uint64_t k) { return image.at(k) == 0; }) : 0;
    uint64_t best = 0;
    uint8_t best_seed = 0;
    for (uint8_t s : seeds) {
      const uint64_t n = run([&](uint64_t k) { return image.at(k) == pattern_byte(s, k); });
      if (n > best) best = n, best_seed = s;
    }
    if (zeros >= 8 || (zeros > 0 && zeros >= best)) {
      out += " z:" + std::to_string(o) + "+" + std::to_string(zeros);
      o += zeros;
    } else if (best >= 8) {
      out += " p" + std::to_string(best_seed) + ":" + std::to_string(o) + "+" + std::to_string(best);
      o += best;
    } else {
      if (literal_end != o) out += " x:" + std::to_string(o) + ":";
      out += hex[v >> 4];
      out += hex[v & 15];
      literal_end = ++o;
    }
  }
  return out;
}

// The whole file at the path as the model allows it, alternatives joined by " | ".
std::string file_alternatives(const FileImage& image, const std::vector<uint8_t>& seeds) {
  std::vector<std::string> alts;
  if (!image.exists()) alts.push_back("absent");
  if (image.may_exist()) {
    const std::string size = image.size_known() ? std::to_string(image.size()) : "?";
    const uint64_t end = image.size_known() ? image.size() : image.values().size();
    alts.push_back("size=" + size + runs_of(image, 0, end, seeds));
  }
  if (auto n = image.failed_create_size()) {
    alts.push_back("absent");
    alts.push_back("zeros-up-to=" + std::to_string(*n));
  }
  std::string out;
  for (const std::string& a : alts) out += (out.empty() ? "" : " | ") + a;
  return out;
}

std::string dirty_list(const std::set<uint64_t>& pages) {
  std::string out;
  for (uint64_t p : pages) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

// ---- checks: the finding's condition, in the exported program ----

struct CheckInput {
  const Finding& finding;
  const StepRecord* record;  // the failing step (null: the end of the run)
  const Model& before;       // the model before the failing step
  const Model& after;        // the model when the finding was made
  bool step_level;           // the oracle's step check made the finding (not a file check)
  const std::vector<uint8_t>& seeds;
};

void check_size(ExportWriter& w, const StepRecord& r, const Model& before) {
  const OpKind k = r.op.kind;
  const bool closes = k == OpKind::kOpen || k == OpKind::kReopen || k == OpKind::kClose;
  w.call("rt_expect_size", {"rc", w.size_expr(), w.num(r.expected.size_after),
                            w.num(closes ? 0 : before.size())});
}

void check_read(ExportWriter& w, const StepRecord& r, const Model& before, const std::vector<uint8_t>& seeds) {
  const uint64_t end = r.op.offset + r.expected.read_length;
  const std::string image = runs_of(before.file(), r.op.offset, std::min<uint64_t>(end, before.file().values().size()), seeds);
  w.call("rt_expect_read", {"rc", w.read_data(), w.read_count(), w.num(r.expected.read_length),
                            w.num(r.op.offset), w.str(image.empty() ? "" : image.substr(1))});
}

void emit_checks(ExportWriter& w, const CheckInput& in) {
  const Finding& f = in.finding;
  const StepRecord* r = in.record;
  w.note(std::string("mapfuzz found ") + finding_name(f.kind) + " here: " + f.detail);
  const std::string file = w.str(file_alternatives(in.after.path_file(), in.seeds));
  switch (f.kind) {
    case FindingKind::kUnexpectedError:
      w.call("rt_expect_ok", {"rc"});
      return;
    case FindingKind::kMissingError:
      w.call("rt_expect_fail", {"rc"});
      return;
    case FindingKind::kWrongSize:
      check_size(w, *r, in.before);
      return;
    case FindingKind::kDataMismatch:
      check_read(w, *r, in.before, in.seeds);
      return;
    case FindingKind::kSwallowedError:
    case FindingKind::kNotAtomic:
      if (r && in.step_level) {
        if (r->op.kind == OpKind::kRead && r->status.ok()) check_read(w, *r, in.before, in.seeds);
        else check_size(w, *r, in.before);
      } else {
        w.call_if(f.kind == FindingKind::kNotAtomic, "rt_expect_file", {file});
      }
      return;
    case FindingKind::kFileMismatch:
      w.call("rt_expect_file", {file});
      return;
    case FindingKind::kLeak:
      w.call("rt_expect_no_leak", {});
      return;
    case FindingKind::kUnbackedSync:
      w.call("rt_expect_sync_backed", {"rc", w.num(r->op.offset), w.num(r->op.length),
                                       w.num(r->model_size_before), w.str(dirty_list(in.before.dirty_pages()))});
      return;
    case FindingKind::kSignal:
      w.note("a correct library gets here without a signal (the runtime reports one as the bug)");
      return;
    case FindingKind::kLockIgnored:  // the library promises to lock first: it must refuse (or wait)
      w.call("rt_expect_fail", {"rc"});
      return;
    case FindingKind::kHang:
      w.note("a correct library does not wait here (the runtime turns the wait into EDEADLK)");
      return;
    case FindingKind::kDataRace:  // export refuses programs that race
      return;
    case FindingKind::kNone:
    case FindingKind::kCount:
      return;
  }
}

// ---- steps ----

void emit_outside(ExportWriter& w, const Op& op) {
  const faults::OutsideEvent& e = op.outside;
  switch (e.kind) {
    case faults::OutsideKind::kDiskFull:
      w.call_or_inconclusive("rt_disk_full", {w.num(e.length)});
      return;
    case faults::OutsideKind::kSizeLimit:
      w.call_or_inconclusive("rt_size_limit", {w.num(e.length)});
      return;
    case faults::OutsideKind::kLock:
    case faults::OutsideKind::kUnlock:
      if (op.after_mmap) {
        w.note("another process takes a lock inside the library's call here: not exported (this program runs "
               "without it)");
        return;
      }
      w.call("rt_outside_lock", {e.kind == faults::OutsideKind::kLock ? "1" : "0",
                                 w.str(faults::lock_api_name(e.lock_api)),
                                 e.lock_mode == faults::LockMode::kExclusive ? "1" : "0",
                                 w.str(faults::event_file_name(e.file)), w.num(e.offset), w.num(e.length)});
      return;
    default:
      w.call("rt_outside", {w.str(faults::outside_kind_name(e.kind)), w.num(e.offset), w.num(e.length),
                            std::to_string(e.seed), std::to_string(e.mode), op.after_mmap ? "1" : "0"});
  }
}

// Before the step runs: a library call's comment, bytes and rt_step (the
// adapter's statements follow while it runs).
void begin_step(ExportWriter& w, uint32_t index, const Op& op) {
  if (!calls_library(op.kind)) return;
  w.begin_step(index, format_op(op));
  if (op.kind == OpKind::kWrite) w.fill(op.seed, op.offset, op.length);
}

// After it ran: the library step's statements, or the fault or outside event.
void end_step(ExportWriter& w, const StepRecord& r) {
  const Op& op = r.op;
  if (calls_library(op.kind)) {
    if (r.skipped) w.skip_step(r.skipped);
    else w.end_step();
    return;
  }
  const std::string text = "step " + std::to_string(r.index) + ": " + format_op(op);
  if (r.skipped) {
    w.note(text + " (mapfuzz skipped it: " + r.skipped + ")");
    return;
  }
  w.note(text);
  if (op.kind == OpKind::kFault) {
    w.call("rt_fault", {w.str(faults::call_name(op.fault.call)), w.errno_arg(op.fault.err ? op.fault.err : EIO),
                        std::to_string(op.fault.nth), op.fault.persistent ? "1" : "0"});
  } else {
    w.call("rt_step", {std::to_string(r.index), w.str(format_op(op))});
    emit_outside(w, op);
  }
}

// What the program needs set up before its first step.
struct Needs {
  bool disk = false;   // it fills the disk: a tmpfs of its own
  bool chmod = false;  // another process changes the mode: no permission override
};

Needs needs_of(const Program& program) {
  Needs n;
  for (const Op& op : program.ops) {
    if (op.kind != OpKind::kOutside) continue;
    n.disk |= op.outside.kind == faults::OutsideKind::kDiskFull;
    n.chmod |= op.outside.kind == faults::OutsideKind::kChmod;
  }
  return n;
}

void emit_setup(ExportWriter& w, const Needs& needs) {
  if (needs.disk) w.call_or_inconclusive("rt_disk_setup", {});
  if (needs.chmod) w.call("rt_drop_permission_override", {});
}

// How the replay ended.
struct Ending {
  Finding finding;
  int64_t hazard = -1;  // no finding: the step a documented hazard ended the run at
};

// The program's steps, each as it ran, until a finding or a documented hazard.
Ending emit_steps(Executor& ex, const Program& program, ExportWriter& w, const std::vector<uint8_t>& seeds) {
  Ending e;
  for (const Op& op : program.ops) {
    const Model before = ex.model();
    begin_step(w, static_cast<uint32_t>(ex.trace().size()), op);
    e.finding = ex.step(op);
    const StepRecord& r = ex.trace().back();
    end_step(w, r);
    if (e.finding) {
      const bool step_level = oracle::check_step(r, before, ex.last_read()).kind == e.finding.kind;
      emit_checks(w, {e.finding, &r, before, ex.model(), step_level, seeds});
      return e;
    }
    if (ex.ended_by_hazard()) {
      e.hazard = r.index;
      w.note("mapfuzz: a documented hazard ended the run here: a SIGBUS after another process truncated the file or "
             "the disk filled up, which the library does not claim to survive (the runtime reports the signal)");
      return e;
    }
  }
  return e;
}

// The end of a run without a finding: the close the harness adds, the
// instance destroyed, then the end-of-run checks.
Finding emit_end(Executor& ex, ExportWriter& w, const std::vector<uint8_t>& seeds) {
  const Model before = ex.model();
  const size_t steps = ex.trace().size();
  if (before.is_open()) begin_step(w, static_cast<uint32_t>(steps), Op{.kind = OpKind::kClose});
  const Finding finding = ex.finish();
  if (ex.trace().size() > steps) end_step(w, ex.trace().back());
  const bool at_close = finding && finding.step >= 0;
  if (!at_close) {
    w.call("rt_disarm", {});
    w.destroy();
  }
  if (finding) {
    const StepRecord* r = at_close ? &ex.trace().back() : nullptr;
    const bool step_level = r && oracle::check_step(*r, before, ex.last_read()).kind == finding.kind;
    emit_checks(w, {finding, r, before, ex.model(), step_level, seeds});
  }
  return finding;
}

// "build: <command>" per line of the exporter's build text, {src} replaced.
void build_lines(const Exporter& exporter, const std::string& source_name, std::vector<std::string>* out) {
  for (const char* line = exporter.build; *line;) {
    const char* nl = line;
    while (*nl && *nl != '\n') ++nl;
    std::string command(line, nl);
    for (size_t at; (at = command.find("{src}")) != std::string::npos;) command.replace(at, 5, source_name);
    out->push_back((exporter.language == ExportLanguage::kPython ? "run: " : "build: ") + command);
    line = *nl ? nl + 1 : nl;
  }
}

void write_header(ExportWriter& w, const Target& target, const Ending& e, const Needs& needs,
                  const std::string& origin, const std::string& replay_command, const std::string& source_name) {
  const std::string name = target.name;
  if (e.finding) {
    w.comment("A standalone reproducer of a mapfuzz finding against " + name + ": " + finding_name(e.finding.kind) +
              (e.finding.step >= 0 ? " at step " + std::to_string(e.finding.step) : " at the end") + ".");
    w.comment("  " + e.finding.detail);
  } else {
    w.comment("A standalone reproducer of a documented hazard of " + name + " at step " + std::to_string(e.hazard) +
              ": a SIGBUS after another process truncated the file or the disk filled up.");
    w.comment("The library does not claim to survive it (its contract); the program shows it (exit 1).");
  }
  w.comment("From " + origin + " (replay: " + replay_command + ").");
  w.comment("It makes the same library calls; a small runtime (below) injects the faults into calls on the");
  w.comment("data file only and plays the other process. Exit 0: correct; 1: the bug is present; 3: inconclusive.");
  if (needs.disk) {
    w.comment("It fills the disk: its data file needs a tmpfs of its own (a private mount namespace), so run it");
    w.comment("as root; elsewhere it exits 3.");
  }
  if (needs.chmod) w.comment("Another process changes the file's mode: the program drops root's permission override.");
  std::vector<std::string> build;
  build_lines(*target.exporter, source_name, &build);
  for (const std::string& line : build) w.comment(line);
}

}  // namespace

ExportResult export_program(Executor& ex, const Program& program, ExportLanguage language, const std::string& origin,
                            const std::string& replay_command, const std::string& source_name, std::string* out,
                            const std::function<void(const std::string&)>& crash_sink) {
  const Target& target = ex.target();
  if (!target.exporter || target.exporter->language != language) {
    return {false, std::string("target ") + target.name + " cannot be exported as " + export_language_name(language) +
                       (target.exporter ? std::string(" (its exporter writes ") +
                                              export_language_name(target.exporter->language) + ")"
                                        : " (its adapter has no exporter; see docs/ADAPTERS.md)"),
            {}};
  }
  if (!target.contract.file_is_raw) {
    // The exported checks read the file back with pread, which is right
    // only for a file that holds the bytes themselves.
    return {false, std::string("target ") + target.name +
                       " keeps its file in a format of its own (contract file_is_raw = false): export checks the file "
                       "with pread, so it cannot export this target yet",
            {}};
  }
  for (size_t i = 1; i < program.ops.size(); ++i) {
    if (program.ops[i].concurrent && target.contract.concurrent_ops != 0) {
      // A standalone program makes its calls one at a time: no race.
      return {false, "step " + std::to_string(i) + " races with the step before it (a concurrent group): a standalone "
                         "program makes its calls one at a time and cannot reproduce a race; replay the input instead",
              {}};
    }
  }
  ExportWriter w(language, *target.exporter);
  const std::vector<uint8_t> seeds = seeds_of(program);
  const Needs needs = needs_of(program);
  emit_setup(w, needs);
  if (crash_sink) {
    std::vector<std::string> header = {"A standalone reproducer of a crash of " + std::string(target.name) +
                                       " found by mapfuzz (the replay of " + origin + " died in the last step below)."};
    build_lines(*target.exporter, source_name, &header);
    w.on_crash_text(crash_sink, header);
  }
  ex.set_transcript(&w);
  ex.begin();
  Ending e = emit_steps(ex, program, w, seeds);
  if (!e.finding && e.hazard < 0) {
    e.finding = emit_end(ex, w, seeds);
  } else {
    ex.end();
  }
  ex.set_transcript(nullptr);
  if (!e.finding && e.hazard < 0) {
    return {false, origin + " gives no finding against " + target.name + ": nothing to export", {}};
  }
  write_header(w, target, e, needs, origin, replay_command, source_name);
  *out = w.text();
  ExportResult result{true, "", e.finding};
  result.hazard_step = e.hazard;
  return result;
}

}  // namespace mapfuzz
