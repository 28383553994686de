// Tests of harness/options.cc: every option's default, valid and invalid
// values, parsed from a given map (never the process's environment).
#include "harness/options.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mapfuzz {
namespace {

using Env = std::map<std::string, std::string>;

// Parses `env` as if it were the environment.
std::vector<std::string> parse(const Env& env, Options* out) {
  return Options::parse(
      [&env](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      out);
}

// Parses one variable; requires it to be accepted.
Options accepted(const std::string& variable, const std::string& value) {
  Options o;
  const std::vector<std::string> errors = parse({{variable, value}}, &o);
  BOOST_TEST_CONTEXT(variable << "=" << value) { BOOST_TEST(errors.empty()); }
  return o;
}

// Parses one variable; requires exactly one error that names the variable,
// its value and what is wanted, and the option to keep its default.
void rejected(const std::string& variable, const std::string& value, const std::string& want) {
  Options o;
  const std::vector<std::string> errors = parse({{variable, value}}, &o);
  BOOST_TEST_CONTEXT(variable << "=" << value) {
    BOOST_TEST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0] == variable + "=" + value + ": want " + want);
    const Options defaults;
    BOOST_TEST(o.outside_events == defaults.outside_events);
    BOOST_TEST(o.in_call_events == defaults.in_call_events);
    BOOST_TEST(o.disk_full == defaults.disk_full);
    BOOST_TEST((o.outside == defaults.outside));
    BOOST_TEST(o.max_file_size == defaults.max_file_size);
    BOOST_TEST(o.max_faults_per_op == defaults.max_faults_per_op);
    BOOST_TEST(o.avoid_known == defaults.avoid_known);
    BOOST_TEST(o.artifact_dir == defaults.artifact_dir);
  }
}

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(defaults_when_nothing_is_set) {
  Options o;
  BOOST_TEST(parse({}, &o).empty());
  BOOST_TEST(o.outside_events);
  BOOST_TEST(o.in_call_events);
  BOOST_TEST(o.disk_full);
  // The sanitizer build of the core (the unit tests') is not the OSS-Fuzz one.
  BOOST_TEST((o.outside == OutsideMode::kProcess));
  BOOST_TEST((default_outside_mode() == OutsideMode::kProcess));
  BOOST_TEST(o.max_file_size == kMaxProgramFileSize);
  BOOST_TEST(o.max_faults_per_op == 0u);  // no cap
  BOOST_TEST(o.avoid_known.empty());
  BOOST_TEST(o.artifact_dir.empty());
  BOOST_TEST(!o.avoids("stale-tail"));
}

BOOST_AUTO_TEST_CASE(empty_means_unset) {
  Options o;
  BOOST_TEST(parse({{"MAPFUZZ_OUTSIDE_EVENTS", ""},
                    {"MAPFUZZ_IN_CALL_EVENTS", ""},
                    {"MAPFUZZ_OUTSIDE", ""},
                    {"MAPFUZZ_DISK_FULL", ""},
                    {"MAPFUZZ_MAX_FILE_SIZE", ""},
                    {"MAPFUZZ_MAX_FAULTS_PER_OP", ""},
                    {"MAPFUZZ_AVOID_KNOWN", ""},
                    {"MAPFUZZ_ARTIFACT_DIR", ""}},
                   &o)
                 .empty());
  BOOST_TEST(o.outside_events);
  BOOST_TEST((o.outside == OutsideMode::kProcess));
  BOOST_TEST(o.max_file_size == kMaxProgramFileSize);
}

BOOST_AUTO_TEST_CASE(switches) {
  BOOST_TEST(!accepted("MAPFUZZ_OUTSIDE_EVENTS", "0").outside_events);
  BOOST_TEST(accepted("MAPFUZZ_OUTSIDE_EVENTS", "1").outside_events);
  BOOST_TEST(!accepted("MAPFUZZ_IN_CALL_EVENTS", "0").in_call_events);
  BOOST_TEST(accepted("MAPFUZZ_IN_CALL_EVENTS", "1").in_call_events);
  BOOST_TEST(!accepted("MAPFUZZ_DISK_FULL", "0").disk_full);
  BOOST_TEST(accepted("MAPFUZZ_DISK_FULL", "1").disk_full);
  // Each switch turns off only its own mode.
  const Options o = accepted("MAPFUZZ_DISK_FULL", "0");
  BOOST_TEST(o.outside_events);
  BOOST_TEST(o.in_call_events);
  for (const char* variable : {"MAPFUZZ_OUTSIDE_EVENTS", "MAPFUZZ_IN_CALL_EVENTS", "MAPFUZZ_DISK_FULL"}) {
    for (const char* bad : {"off", "no", "false", "2", "00", " 0", "0 ", "yes", "-1"}) {
      rejected(variable, bad, "0 (off) or 1 (on)");
    }
  }
}

BOOST_AUTO_TEST_CASE(outside_mode) {
  BOOST_TEST((accepted("MAPFUZZ_OUTSIDE", "process").outside == OutsideMode::kProcess));
  BOOST_TEST((accepted("MAPFUZZ_OUTSIDE", "in-process").outside == OutsideMode::kInProcess));
  for (const char* bad : {"inprocess", "in_process", "Process", "child", "0", "thread"}) {
    rejected("MAPFUZZ_OUTSIDE", bad, "process or in-process");
  }
}

BOOST_AUTO_TEST_CASE(max_file_size) {
  BOOST_TEST(accepted("MAPFUZZ_MAX_FILE_SIZE", "1").max_file_size == 1u);
  BOOST_TEST(accepted("MAPFUZZ_MAX_FILE_SIZE", "65536").max_file_size == 65536u);
  BOOST_TEST(accepted("MAPFUZZ_MAX_FILE_SIZE", "0x10000").max_file_size == 65536u);
  BOOST_TEST(accepted("MAPFUZZ_MAX_FILE_SIZE", "0X1f").max_file_size == 31u);
  BOOST_TEST(accepted("MAPFUZZ_MAX_FILE_SIZE", "010").max_file_size == 10u);  // decimal, not octal
  BOOST_TEST(accepted("MAPFUZZ_MAX_FILE_SIZE", "18446744073709551615").max_file_size == UINT64_MAX);
  const std::string want = "a positive number of bytes (decimal, or hexadecimal with 0x)";
  for (const char* bad : {"abc", "0", "0x0", "-1", "+5", " 5", "5 ", "5k", "1e6", "0x", "0xg",
                          "18446744073709551616", "4 MiB"}) {
    rejected("MAPFUZZ_MAX_FILE_SIZE", bad, want);
  }
}

BOOST_AUTO_TEST_CASE(max_faults_per_op) {
  BOOST_TEST(accepted("MAPFUZZ_MAX_FAULTS_PER_OP", "0").max_faults_per_op == 0u);
  BOOST_TEST(accepted("MAPFUZZ_MAX_FAULTS_PER_OP", "1").max_faults_per_op == 1u);
  BOOST_TEST(accepted("MAPFUZZ_MAX_FAULTS_PER_OP", "010").max_faults_per_op == 10u);
  BOOST_TEST(accepted("MAPFUZZ_MAX_FAULTS_PER_OP", "4294967295").max_faults_per_op == UINT32_MAX);
  for (const char* bad : {"-1", "+1", " 1", "1 ", "one", "0x1", "1.5", "4294967296", "99999999999"}) {
    rejected("MAPFUZZ_MAX_FAULTS_PER_OP", bad, "a whole number (decimal; 0 for no limit)");
  }
}

BOOST_AUTO_TEST_CASE(avoid_known) {
  const Options all = accepted("MAPFUZZ_AVOID_KNOWN", "all");
  BOOST_TEST(all.avoids("stale-tail"));
  BOOST_TEST(all.avoids("anything"));
  const Options two = accepted("MAPFUZZ_AVOID_KNOWN", "stale-tail,commit-truncate");
  BOOST_TEST((two.avoid_known == std::vector<std::string>{"stale-tail", "commit-truncate"}));
  BOOST_TEST(two.avoids("stale-tail"));
  BOOST_TEST(two.avoids("commit-truncate"));
  BOOST_TEST(!two.avoids("stale"));
  BOOST_TEST(!two.avoids("resize-zero"));
  BOOST_TEST(accepted("MAPFUZZ_AVOID_KNOWN", "set_mapsize_2").avoids("set_mapsize_2"));
  const std::string want = "names separated by commas (letters, digits, - and _), or all";
  for (const char* bad : {",", "a,", ",a", "a,,b", "a b", "a;b", "stale-tail, commit-truncate", "*"}) {
    rejected("MAPFUZZ_AVOID_KNOWN", bad, want);
  }
}

BOOST_AUTO_TEST_CASE(artifact_dir) {
  BOOST_TEST(accepted("MAPFUZZ_ARTIFACT_DIR", "/").artifact_dir == "/");
  BOOST_TEST(accepted("MAPFUZZ_ARTIFACT_DIR", ".").artifact_dir == ".");
  rejected("MAPFUZZ_ARTIFACT_DIR", "/nonexistent/mapfuzz-options-test", "an existing directory");
  rejected("MAPFUZZ_ARTIFACT_DIR", "/proc/self/status", "an existing directory");  // a file
}

BOOST_AUTO_TEST_CASE(every_bad_value_is_reported) {
  Options o;
  const std::vector<std::string> errors =
      parse({{"MAPFUZZ_DISK_FULL", "off"}, {"MAPFUZZ_MAX_FILE_SIZE", "abc"}, {"MAPFUZZ_OUTSIDE_EVENTS", "0"}}, &o);
  BOOST_TEST_REQUIRE(errors.size() == 2u);
  BOOST_TEST(errors[0].rfind("MAPFUZZ_DISK_FULL=off: want ", 0) == 0);
  BOOST_TEST(errors[1].rfind("MAPFUZZ_MAX_FILE_SIZE=abc: want ", 0) == 0);
  BOOST_TEST(!o.outside_events);  // the good one still applies
}

BOOST_AUTO_TEST_CASE(unknown_variables) {
  const char* env[] = {"PATH=/bin", "MAPFUZZ_DISK_FULL=0", "MAPFUZZ_DISKFULL=0", "MAPFUZZ_OUTSIDE=process",
                       "MAPFUZZ_OUTSIDE_MODE=x", "MAPFUZZ_X", "XMAPFUZZ_Y=1", nullptr};
  BOOST_TEST((Options::unknown_variables(env) ==
              std::vector<std::string>{"MAPFUZZ_DISKFULL", "MAPFUZZ_OUTSIDE_MODE", "MAPFUZZ_X"}));
  const char* none[] = {nullptr};
  BOOST_TEST(Options::unknown_variables(none).empty());
}

BOOST_AUTO_TEST_CASE(table_help_and_markdown) {
  const std::vector<OptionInfo> table = option_table();
  BOOST_TEST(table.size() == 8u);
  std::set<std::string> names;
  for (const OptionInfo& o : table) {
    names.insert(o.variable);
    BOOST_TEST(std::string(o.variable).rfind("MAPFUZZ_", 0) == 0u);
    BOOST_TEST(*o.help != '\0');
    BOOST_TEST(options_help().find(o.variable) != std::string::npos);
    BOOST_TEST(options_markdown().find("| `" + std::string(o.variable) + "` | ") != std::string::npos);
  }
  BOOST_TEST(names.size() == table.size());
  BOOST_TEST(std::string(OptionName::disk_full) == "MAPFUZZ_DISK_FULL");
  BOOST_TEST(std::string(OptionName::outside_events) == "MAPFUZZ_OUTSIDE_EVENTS");
  BOOST_TEST(std::string(OptionName::in_call_events) == "MAPFUZZ_IN_CALL_EVENTS");
  BOOST_TEST(options_help().find("  MAPFUZZ_MAX_FILE_SIZE: a positive number of bytes (decimal, or hexadecimal with "
                                 "0x); default 4194304\n") != std::string::npos);
  BOOST_TEST(options_help().find("  MAPFUZZ_MAX_FAULTS_PER_OP: a whole number (decimal; 0 for no limit); default 0 "
                                 "(no limit)\n") != std::string::npos);
  BOOST_TEST(options_help().find("  MAPFUZZ_ARTIFACT_DIR: an existing directory; default the current directory\n") !=
             std::string::npos);
  BOOST_TEST(options_markdown().rfind("| Variable | Values | Default | Meaning |\n| --- | --- | --- | --- |\n", 0) ==
             0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
