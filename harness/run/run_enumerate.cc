#include "harness/run/run_enumerate.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "harness/run/run_report.h"

namespace mapfuzz::run {
namespace {

using Clock = std::chrono::steady_clock;

// The outside events tried after each mmap: the file cut to nothing, its
// first page punched out, replaced by an empty file, made read-only,
// unlinked.
std::vector<faults::OutsideEvent> event_kinds() {
  std::vector<faults::OutsideEvent> kinds(5);
  kinds[0].kind = faults::OutsideKind::kShrink;
  kinds[1].kind = faults::OutsideKind::kPunchHole;
  kinds[1].length = 4096;
  kinds[2].kind = faults::OutsideKind::kReplace;
  kinds[3].kind = faults::OutsideKind::kChmod;
  kinds[3].mode = 0444;
  kinds[4].kind = faults::OutsideKind::kUnlink;
  return kinds;
}

struct SiteRow {
  JudgedRun first;
  size_t runs = 0;
};

void print_table(const std::map<Site, SiteRow>& sites, const RunOptions& options) {
  // Worst verdicts first; the replay command of each site's first run below it.
  std::printf("%-12s %-22s %5s  %s\n", "verdict", "cause", "runs", "where (innermost frame at the fault)");
  for (auto it = sites.rbegin(); it != sites.rend(); ++it) {
    const auto& [site, row] = *it;
    std::string where = site.where.empty() ? "-" : site.where;
    if (where.size() > 80) where = where.substr(0, 77) + "...";  // the report has every frame
    std::printf("%-12s %-22s %5zu  %s\n", verdict_name(site.verdict), describe_cause(site).c_str(),
                row.runs, where.c_str());
    std::printf("    replay: %s\n", replay_command(options, *row.first.plan, false).c_str());
  }
}

void save_report(const RunOptions& options, const std::string& text, Verdict verdict, size_t n) {
  if (options.report_dir.empty()) return;
  const std::string path = options.report_dir + "/mapfuzz-run-" + verdict_name(verdict) + "-" + std::to_string(n) + ".txt";
  std::ofstream(path) << text;
}

}  // namespace

std::vector<RunPlan> enumeration_plans(const RunOptions& options, const Trace& counted) {
  std::vector<RunPlan> plans;
  for (size_t c = 0; c < counted.counts.size(); ++c) {
    size_t n_errnos = 0;
    const int* errnos = faults::realistic_errnos(static_cast<faults::Call>(c), &n_errnos);
    if (!options.all_errnos && n_errnos > 1) n_errnos = 1;
    for (uint64_t k = 1; k <= counted.counts[c] && k <= UINT16_MAX; ++k) {
      for (size_t e = 0; e < n_errnos; ++e) {
        for (const bool persistent : {false, true}) {
          faults::FaultSpec f{static_cast<faults::Call>(c), static_cast<uint16_t>(k), errnos[e], persistent};
          if (!faults::ends_retries(f)) continue;
          RunPlan plan = options.plan;
          plan.faults.push_back(f);
          plans.push_back(std::move(plan));
        }
      }
    }
  }
  for (uint32_t m = 1; options.events && m <= counted.mmaps; ++m) {
    for (const faults::OutsideEvent& e : event_kinds()) {
      RunPlan plan = options.plan;
      plan.events.push_back({e, Trigger::kAfterMmap, m});
      plans.push_back(std::move(plan));
    }
  }
  return plans;
}

namespace {

// The plain run, which counts the calls. False (and *code set) if the
// enumeration cannot go on.
bool counting_run(const RunOptions& options, const std::string& preload, JudgedRun* counting, ExitCode* code) {
  run_all(options, preload, {options.plan}, 1, false,
          [&](size_t, RunResult&& r) { *counting = judged(options, &options.plan, std::move(r)); });
  if (counting->result.end == RunResult::End::kNotStarted || !counting->trace.exec_failed.empty()) {
    std::fprintf(stderr, "mapfuzz run: %s: %s\n", counting->result.disk_unavailable ? "skipped" : "the plain run did not start",
                 (counting->result.not_started + counting->trace.exec_failed).c_str());
    *code = counting->result.disk_unavailable ? ExitCode::kInconclusive : ExitCode::kUsage;
    return false;
  }
  if (!counting->trace.started) {
    std::fprintf(stderr, "mapfuzz run: the preload library did not load in the program (statically linked, or setuid?): nothing can be injected\n");
    *code = ExitCode::kUsage;
    return false;
  }
  return true;
}

}  // namespace

ExitCode enumerate(const RunOptions& options, const std::string& preload) {
  const auto begin = Clock::now();
  JudgedRun counting;
  ExitCode code = ExitCode::kClean;
  if (!counting_run(options, preload, &counting, &code)) return code;
  const std::vector<RunPlan> plans = enumeration_plans(options, counting.trace);
  if (!options.quiet) {
    std::fprintf(stderr, "mapfuzz run: the plain run was %s (%zu calls on scoped files, %u mmaps, %.2f s); %zu runs to go\n",
                 verdict_name(counting.verdict), counting.trace.calls.size(), counting.trace.mmaps,
                 counting.result.seconds, plans.size());
  }
  if (plans.size() > options.max_runs) {
    std::fprintf(stderr, "mapfuzz run: %zu runs planned, more than --max-runs %zu: narrow --files, use --errnos first or --no-events, or raise --max-runs\n",
                 plans.size(), options.max_runs);
    return ExitCode::kUsage;
  }
  std::map<Site, SiteRow> sites;
  sites[site_of(counting)] = {counting, 1};
  size_t finished = 0, unavailable = 0;
  auto last_progress = Clock::now();
  const unsigned jobs = options.jobs != 0 ? options.jobs : std::max(1u, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN)));
  run_all(options, preload, plans, jobs, false, [&](size_t i, RunResult&& r) {
    ++finished;
    if (r.end == RunResult::End::kNotStarted) {
      unavailable += r.disk_unavailable ? 1 : 0;
      return;
    }
    JudgedRun run = judged(options, &plans[i], std::move(r));
    const bool fired = run.trace.first_injected >= 0 || !run.result.events.empty();
    if (!fired && run.verdict == counting.verdict) return;  // not reached: the plain run again
    SiteRow& row = sites[site_of(run)];
    if (row.runs++ == 0) row.first = std::move(run);
    if (!options.quiet && Clock::now() - last_progress > std::chrono::seconds(2)) {
      last_progress = Clock::now();
      std::fprintf(stderr, "mapfuzz run: %zu/%zu runs, %zu sites, %.1f s\n", finished, plans.size(), sites.size(),
                   std::chrono::duration<double>(Clock::now() - begin).count());
    }
  });
  code = unavailable > 0 ? ExitCode::kInconclusive : ExitCode::kClean;
  size_t failing = 0, n = 0;
  for (auto it = sites.rbegin(); it != sites.rend(); ++it) {
    const auto& [site, row] = *it;
    const bool fails = options.fail_on.has(site.verdict);
    if (!fails && options.report_dir.empty()) continue;
    const std::string text = report(options, row.first);
    if (fails) std::fprintf(stderr, "%s\n", text.c_str());
    save_report(options, text, site.verdict, ++n);
    failing += fails ? 1 : 0;
  }
  if (failing > 0) code = ExitCode::kFinding;
  print_table(sites, options);
  std::printf("mapfuzz run: %zu runs in %.1f s, %zu distinct sites, %zu failing (--fail-on)%s\n", plans.size() + 1,
              std::chrono::duration<double>(Clock::now() - begin).count(), sites.size(), failing,
              unavailable > 0 ? "; some runs could not start (disk-full needs mount privileges): inconclusive" : "");
  return code;
}

}  // namespace mapfuzz::run
