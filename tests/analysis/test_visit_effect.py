"""The follow-up of presence visits (gis.analysis.visit_effect) on constructed data with a
known answer: a place visited gets half the reports in the three hours after the visit that it
gets in the same hours of the weeks around it; the interval is the exact conditional one; too
few visits or reports say so."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from scipy.stats import beta

from gis.analysis.visit_effect import comparison_windows, rate_ratio_ci, visit_effect

BASE = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
OBSERVED = (BASE - timedelta(weeks=6), BASE + timedelta(weeks=12))


def _world(places: int, *, after: int = 1, around: int = 2):
    """`places` places 1 km apart, each visited once (ending at BASE + i days); `after` reports
    in each visit window and `around` in each of its eight comparison windows."""
    visits, reports = [], []
    for i in range(places):
        x, y, end = 1000.0 * i, 0.0, BASE + timedelta(days=i)
        visits.append({"x": x, "y": y, "end": end})
        for k in range(after):
            reports.append({"x": x + 20, "y": y, "at": end + timedelta(minutes=30 + 60 * k)})
        for week in (-4, -3, -2, -1, 1, 2, 3, 4):
            start = end + timedelta(weeks=week)
            for k in range(around):
                reports.append({"x": x, "y": y - 40, "at": start + timedelta(minutes=20 + 70 * k)})
    return pd.DataFrame(visits), pd.DataFrame(reports)


def test_a_planted_halving_is_recovered_with_the_exact_interval():
    visits, reports = _world(40)
    # Reports outside the windows never count: 151 m away, and 3 h after the visit's end.
    reports = pd.concat(
        [
            reports,
            pd.DataFrame(
                [
                    {"x": 151.0, "y": 0.0, "at": BASE + timedelta(hours=1)},
                    {"x": 0.0, "y": 0.0, "at": BASE + timedelta(hours=3)},
                ]
            ),
        ]
    )
    effect = visit_effect(visits, reports, observed=OBSERVED)
    assert effect.enough and effect.reason == ""
    assert (effect.visits, effect.comparisons) == (40, 320)
    assert (effect.reports_after_visits, effect.reports_in_comparisons) == (40, 640)
    assert effect.rate_ratio == pytest.approx(0.5)
    # Exact conditional interval: 40 of 680 reports fall after visits; Clopper-Pearson of p,
    # then RR = (320 / 40) * p / (1 - p).
    low_p, high_p = beta.ppf(0.025, 40, 641), beta.ppf(0.975, 41, 640)
    assert effect.ci_low == pytest.approx(8 * low_p / (1 - low_p), rel=1e-6)
    assert effect.ci_high == pytest.approx(8 * high_p / (1 - high_p), rel=1e-6)
    assert effect.ci_low < 0.5 < effect.ci_high < 1.0  # clearly quieter


def test_no_effect_gives_an_interval_around_one():
    visits, reports = _world(40, after=2, around=2)
    effect = visit_effect(visits, reports, observed=OBSERVED)
    assert effect.rate_ratio == pytest.approx(1.0)
    assert effect.ci_low < 1.0 < effect.ci_high


def test_too_few_visits_is_too_little_data():
    visits, reports = _world(5)
    effect = visit_effect(visits, reports, observed=OBSERVED)
    assert not effect.enough
    assert "fewer than 20 visits" in effect.reason
    assert effect.rate_ratio is None and effect.ci_low is None and effect.ci_high is None
    assert effect.reports_after_visits == 5  # the counts are still given


def test_too_few_comparison_reports_is_too_little_data():
    visits, reports = _world(40, after=0, around=0)
    reports = pd.concat(
        [reports, pd.DataFrame([{"x": 0.0, "y": 0.0, "at": BASE + timedelta(weeks=1, hours=1)}])]
    )
    effect = visit_effect(visits, reports, observed=OBSERVED)
    assert not effect.enough and "reports in the comparison windows (1)" in effect.reason


def test_visited_weeks_and_unobserved_weeks_are_no_comparison():
    visits = pd.DataFrame(
        [
            {"x": 0.0, "y": 0.0, "end": BASE},
            {"x": 50.0, "y": 0.0, "end": BASE + timedelta(weeks=1, hours=1)},  # nearby, visited
        ]
    )
    windows = comparison_windows(visits, observed=(BASE - timedelta(weeks=2), OBSERVED[1]))
    starts = sorted(pd.to_datetime(windows["start"], utc=True))
    # The first visit's +1 week and the second's -1 week overlap a visit; windows before the
    # observed span are dropped (-3 and -4 weeks of the first, -4 of the second, which ends an
    # hour later): 5 of the first's 8 windows and 6 of the second's are left.
    assert BASE + timedelta(weeks=1) not in starts
    assert BASE + timedelta(hours=1) not in starts
    assert len(windows) == 5 + 6
    assert min(starts) >= BASE - timedelta(weeks=2)


def test_rate_ratio_without_reports_is_unbounded():
    ratio, low, high = rate_ratio_ci(0, 10, 0, 10)
    assert math.isinf(ratio) and low == 0.0 and math.isinf(high)


def _trend_world(places: int = 30, controls: int = 30):
    """Everything is twice as busy in the visited days as in the weeks around; the visited
    places get half of that after a visit. Visited place i ends its visit at BASE + i days (with
    4 reports after it and 4 in each week around); each control place, 1 km north of the row,
    has 8 reports in the same window and 4 in each week around."""
    visits, reports, others = [], [], []
    for i in range(places):
        # A day each, at hours that a week's shift never brings onto another visit's window.
        x, end = 1000.0 * i, BASE + timedelta(days=i, hours=3.5 * (i // 7))
        visits.append({"x": x, "y": 0.0, "end": end})
        for k in range(4):
            reports.append({"x": x, "y": 0.0, "at": end + timedelta(minutes=10 + 40 * k)})
        for week in (-4, -3, -2, -1, 1, 2, 3, 4):
            for k in range(4):
                at = end + timedelta(weeks=week, minutes=10 + 40 * k)
                reports.append({"x": x, "y": 0.0, "at": at})
    for j in range(controls):
        x, y = 1000.0 * j, 5000.0
        others.append({"x": x, "y": y})
        for visit in visits:
            for k in range(8 if visit["x"] == x else 0):
                reports.append({"x": x, "y": y, "at": visit["end"] + timedelta(minutes=5 + 20 * k)})
            for week in (-4, -3, -2, -1, 1, 2, 3, 4):
                for k in range(4 if visit["x"] == x else 0):
                    at = visit["end"] + timedelta(weeks=week, minutes=5 + 40 * k)
                    reports.append({"x": x, "y": y, "at": at})
    return pd.DataFrame(visits), pd.DataFrame(reports), pd.DataFrame(others)


def test_the_trend_at_unvisited_places_is_taken_out():
    """Within the place the ratio is 1 (half the reports, in a week twice as busy); the
    unvisited places show the doubling, so the adjusted ratio recovers the halving."""
    visits, reports, others = _trend_world()
    effect = visit_effect(visits, reports, observed=OBSERVED, places=others)
    assert effect.enough
    assert effect.rate_ratio == pytest.approx(1.0)
    assert effect.trend_ratio == pytest.approx(2.0, rel=0.05)
    assert effect.adjusted_ratio == pytest.approx(0.5, rel=0.05)
    assert effect.adjusted_low < 0.5 < effect.adjusted_high < 1.0
    plain = visit_effect(visits, reports, observed=OBSERVED)
    assert plain.adjusted_ratio is None and plain.control_windows == 0


def test_without_reports_at_the_unvisited_places_there_is_no_adjusted_ratio():
    visits, reports, _others = _trend_world()
    empty = pd.DataFrame({"x": [50_000.0], "y": [50_000.0]})
    effect = visit_effect(visits, reports, observed=OBSERVED, places=empty)
    assert effect.control_windows == len(visits) and effect.reports_at_controls == 0
    assert effect.adjusted_ratio is None
