"""Tests of mapfuzz_tools.libfuzzer_log on logs captured from real runs
(fixtures/, trimmed) and on small made-up texts."""

import os
import re
import unittest

from mapfuzz_tools import libfuzzer_log

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def fixture(name):
    """The text of fixtures/<name>."""
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return f.read()


def stat(text, name):
    """The value of the stat::<name> line in text, found without the parser."""
    return int(re.search(rf"^stat::{name}:\s*(\d+)$", text, re.M).group(1))


class PlainModeTest(unittest.TestCase):
    """fuzz_reference, 30 s, one process (plain_reference.log)."""

    def setUp(self):
        self.text = fixture("plain_reference.log")
        self.run = libfuzzer_log.parse(self.text)

    def test_totals_match_the_stat_lines(self):
        totals = self.run["totals"]
        self.assertEqual(self.run["mode"], "plain")
        self.assertEqual(totals["executions"], stat(self.text, "number_of_executed_units"))
        self.assertEqual(totals["exec_per_s"], stat(self.text, "average_exec_per_sec"))
        self.assertEqual(totals["seconds"], 31.0)  # "Done 46583 runs in 31 second(s)"
        self.assertEqual(libfuzzer_log.total_executions(self.text), 46583)

    def test_points_follow_the_status_lines(self):
        points = self.run["points"]
        status_lines = re.findall(r"^#\d+\t", self.text, re.M)
        self.assertEqual(len(points), len(status_lines))
        self.assertEqual(set(points[0]), {"t", "execs", "exec_per_s", "cov", "ft", "corpus"})
        self.assertEqual((points[0]["execs"], points[0]["cov"], points[0]["corpus"]), (2, 107, 1))
        self.assertEqual((points[-1]["execs"], points[-1]["cov"], points[-1]["ft"]), (46583, 232, 1271))
        for a, b in zip(points, points[1:]):
            self.assertLessEqual(a["t"], b["t"])
            self.assertLessEqual(a["execs"], b["execs"])

    def test_time_is_execs_over_exec_per_second(self):
        # "#16384\tpulse ... exec/s: 5461": printed in second 3 (16384 / 5461),
        # placed within it by executions.
        pulse = next(p for p in self.run["points"] if p["execs"] == 16384)
        self.assertGreaterEqual(pulse["t"], 3)
        self.assertLess(pulse["t"], 4)
        self.assertEqual(pulse["exec_per_s"], round(16384 / pulse["t"]))
        self.assertAlmostEqual(self.run["points"][-1]["t"], 31, delta=1)
        rates = [p["exec_per_s"] for p in self.run["points"]]
        self.assertEqual(rates[0], 0)  # libFuzzer prints 0 in the first second

    def test_started_shifts_the_times(self):
        shifted = libfuzzer_log.parse(self.text, started=100)["points"]
        self.assertAlmostEqual(shifted[-1]["t"], self.run["points"][-1]["t"] + 100, places=2)


class ForkModeTest(unittest.TestCase):
    """fuzz_tkrzw -fork=2 -ignore_crashes=1, 40 s (fork_tkrzw.log): the
    per-job stat:: lines are not in this log."""

    def setUp(self):
        self.text = fixture("fork_tkrzw.log")
        self.run = libfuzzer_log.parse(self.text)

    def test_executions_are_the_last_fork_line_count(self):
        last = int(re.findall(r"^#(\d+): cov:", self.text, re.M)[-1])
        self.assertNotIn("stat::number_of_executed_units", self.text)
        self.assertEqual(self.run["mode"], "fork")
        self.assertEqual(libfuzzer_log.total_executions(self.text), last)
        self.assertEqual(last, 48436)

    def test_seconds_and_rate(self):
        totals = self.run["totals"]
        self.assertEqual(totals["seconds"], 41.0)  # "INFO: fuzzed for 41 seconds"
        self.assertEqual(totals["exec_per_s"], round(48436 / 41))

    def test_points_carry_the_fork_line_time(self):
        points = self.run["points"]
        self.assertEqual(len(points), 35)
        self.assertEqual((points[0]["t"], points[0]["execs"]), (2.0, 3818))
        self.assertEqual((points[-1]["cov"], points[-1]["ft"], points[-1]["corpus"]), (292, 1203, 138))
        for p in points:
            self.assertEqual(p["exec_per_s"], round(p["execs"] / p["t"]))

    def test_inner_log_of_a_crashed_job_is_not_counted_twice(self):
        # Without -ignore_crashes libFuzzer copies the crashed job's log, with
        # its plain status lines and stat:: lines, into the main log.
        text = fixture("fork_inner_log.log")
        self.assertIn("INFO: log from the inner process", text)
        run = libfuzzer_log.parse(text)
        self.assertEqual(run["mode"], "fork")
        self.assertEqual(run["totals"]["executions"], 1801)
        self.assertEqual(len(run["points"]), 1)
        self.assertEqual(run["totals"]["seconds"], 2.0)  # "INFO: exiting: 77 time: 2s"

    def test_exec_per_second_with_a_colon(self):
        text = ("#123: cov: 1234 ft: 5678 corp: 90 exec/s: 456 oom/timeout/crash: 0/0/3 time: 61s job: 12 dft_time: 0\n"
                "#250: cov: 1300 ft: 5700 corp: 95 exec/s: 10 oom/timeout/crash: 0/0/3 time: 70s job: 13 dft_time: 0\n")
        run = libfuzzer_log.parse(text)
        self.assertEqual(run["totals"], {"executions": 250, "seconds": 70.0, "exec_per_s": 4})
        self.assertEqual(run["points"][0]["corpus"], 90)


class OddLogsTest(unittest.TestCase):
    """Crashes, empty logs, concatenated runs."""

    def test_crash_in_the_first_second(self):
        text = fixture("plain_crash.log")
        run = libfuzzer_log.parse(text)
        self.assertEqual(run["totals"]["executions"], stat(text, "number_of_executed_units"))
        self.assertEqual(run["totals"]["seconds"], 0)
        timed = libfuzzer_log.parse(text, duration=3)
        self.assertEqual(timed["totals"]["seconds"], 3.0)
        self.assertEqual(timed["totals"]["exec_per_s"], round(1504 / 3))

    def test_no_status_line(self):
        run = libfuzzer_log.parse("INFO: Seed: 1\nsomething else\n")
        self.assertEqual(run, {"mode": "none", "points": [],
                               "totals": {"executions": 0, "seconds": 0.0, "exec_per_s": 0}})
        self.assertEqual(libfuzzer_log.total_executions(""), 0)

    def test_lines_without_coverage_and_stack_frames_are_skipped(self):
        text = ("#0\tREAD units: 12\n"
                "    #0 0x5 in __sanitizer_print_stack_trace\n"
                "#2\tINITED cov: 10 ft: 11 corp: 1/1b exec/s: 0 rss: 30Mb\n")
        run = libfuzzer_log.parse(text)
        self.assertEqual([p["execs"] for p in run["points"]], [2])
        self.assertEqual(run["totals"]["executions"], 2)

    def test_two_runs_in_one_text_are_summed(self):
        text = fixture("plain_reference.log") + fixture("plain_crash.log")
        self.assertEqual(libfuzzer_log.total_executions(text), 46583 + 1504)

    def test_downsample_keeps_the_ends(self):
        points = [{"t": i} for i in range(1000)]
        few = libfuzzer_log.downsample(points, 50)
        self.assertEqual(len(few), 50)
        self.assertEqual((few[0]["t"], few[-1]["t"]), (0, 999))
        self.assertEqual(libfuzzer_log.downsample(points[:3], 50), points[:3])


if __name__ == "__main__":
    unittest.main()
