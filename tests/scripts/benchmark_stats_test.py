"""benchmark_stats: Kaplan-Meier steps, RMST, median and the step-shaped
plot points, on trials worked out by hand."""
import unittest

from mapfuzz_tools import benchmark_stats as stats

TRIALS = [(1.0, True), (2.0, True), (10.0, False), (3.0, True)]


class StatsTest(unittest.TestCase):
    def test_kaplan_meier_drops_at_each_hit(self):
        self.assertEqual(stats.kaplan_meier(TRIALS, 10), [(0.0, 1.0), (1.0, 0.75), (2.0, 0.5), (3.0, 0.25),
                                                          (10.0, 0.25)])

    def test_a_censored_trial_leaves_the_risk_set_without_a_drop(self):
        # Stopped at 1 s without finding it (another detection): the hit at 2 s is then 1 of 2.
        self.assertEqual(stats.kaplan_meier([(1.0, False), (2.0, True), (5.0, False)], 5),
                         [(0.0, 1.0), (2.0, 0.5), (5.0, 0.5)])

    def test_rmst_is_the_area_under_the_curve_up_to_the_budget(self):
        self.assertAlmostEqual(stats.rmst(TRIALS, 10), 1 + 0.75 + 0.5 + 0.25 * 7)
        self.assertEqual(stats.rmst([(10.0, False)] * 3, 10), 10)
        self.assertAlmostEqual(stats.rmst([(0.5, True)] * 4, 10), 0.5)
        self.assertIsNone(stats.rmst([], 10))

    def test_median_counts_a_miss_as_longer_than_any_hit(self):
        self.assertEqual(stats.median_time(TRIALS), 2.5)
        self.assertEqual(stats.median_time([(1.0, True), (9.0, False), (9.0, False)]), None)
        self.assertEqual(stats.median_time([(1.0, True), (4.0, True), (9.0, False)]), 4.0)
        self.assertEqual(stats.found_fraction(TRIALS), (3, 4))

    def test_survival_points_make_vertical_drops_that_survive_sorting(self):
        pts = stats.survival_points([(2.0, True), (10.0, False)], 10)
        self.assertEqual(pts, sorted(pts))
        self.assertEqual([round(y) for _, y in pts], [100, 100, 50, 50])
        self.assertEqual(pts[1][0], 2.0)
        self.assertAlmostEqual(pts[2][0], 2.0, places=5)


if __name__ == "__main__":
    unittest.main()
