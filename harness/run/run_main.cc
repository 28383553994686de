#include "harness/run/run_main.h"

#include <cstdio>

#include "harness/exit_codes.h"
#include "harness/run/run_enumerate.h"
#include "harness/run/run_launch.h"
#include "harness/run/run_options.h"
#include "harness/run/run_report.h"

namespace mapfuzz::run {
namespace {

int single_run(const RunOptions& options, const std::string& preload) {
  JudgedRun run;
  run_all(options, preload, {options.plan}, 1, true,
          [&](size_t, RunResult&& r) { run = judged(options, &options.plan, std::move(r)); });
  if (run.result.end == RunResult::End::kNotStarted || !run.trace.exec_failed.empty()) {
    std::fprintf(stderr, "mapfuzz run: %s: %s\n", run.result.disk_unavailable ? "skipped" : "the program did not start",
                 (run.result.not_started + run.trace.exec_failed).c_str());
    return exit_status(run.result.disk_unavailable ? ExitCode::kInconclusive : ExitCode::kUsage);
  }
  if (options.gdb) {  // the verdict is gdb's session, not the program's
    std::fprintf(stderr, "mapfuzz run: gdb exited (status %d); the run's verdict comes from the same command without --gdb\n",
                 run.result.exit_code);
    return exit_status(ExitCode::kClean);
  }
  if (!run.trace.started) {
    std::fprintf(stderr, "mapfuzz run: note: the preload library did not load in the program (statically linked or setuid?): no fault could be injected\n");
  }
  std::fprintf(stderr, "%s", report(options, run).c_str());
  return exit_status(options.fail_on.has(run.verdict) ? ExitCode::kFinding : ExitCode::kClean);
}

}  // namespace

int run_main(const std::vector<std::string>& args) {
  RunOptions options;
  std::string error;
  switch (parse_run_options(args, &options, &error)) {
    case ParseOutcome::kHelp:
      std::fputs(run_usage(invoked_as()).c_str(), stdout);
      return exit_status(ExitCode::kClean);
    case ParseOutcome::kError:
      std::fprintf(stderr, "mapfuzz run: %s\n(%s --help lists the options)\n", error.c_str(), invoked_as().c_str());
      return exit_status(ExitCode::kUsage);
    case ParseOutcome::kRun:
      break;
  }
  const std::string preload = find_preload(&error);
  if (preload.empty()) {
    std::fprintf(stderr, "mapfuzz run: %s\n", error.c_str());
    return exit_status(ExitCode::kUsage);
  }
  std::fflush(stdout);
  if (options.enumerate) return exit_status(enumerate(options, preload));
  return single_run(options, preload);
}

}  // namespace mapfuzz::run
