"""The time profile: hour-of-week bins with aoristic spreading, on constructed cases."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from gis.analysis.timeprofile import (
    HOURS_OF_WEEK,
    aoristic_weights,
    bin_label,
    hot_hours,
    time_profile,
    week_grid,
    week_minutes,
)

TZ = "Europe/Stockholm"
LOCAL = ZoneInfo(TZ)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


def test_a_moment_counts_once_in_its_local_hour():
    # Friday 4 December 2026, 22:30 in Stockholm is 21:30 UTC.
    profile = time_profile([local(2026, 12, 4, 22, 30).astimezone(UTC)], tz=TZ)
    row = profile.loc["all"].to_numpy()
    assert row.sum() == pytest.approx(1.0)
    assert int(np.argmax(row)) == 4 * 24 + 22
    assert bin_label(4 * 24 + 22) == (4, 22)


def test_a_span_over_midnight_is_spread_over_its_hours():
    # Saturday 23:30 to Sunday 01:30: half an hour, a whole hour and half an hour.
    profile = time_profile([local(2026, 12, 5, 23, 30)], [local(2026, 12, 6, 1, 30)], tz=TZ).loc[
        "all"
    ]
    saturday_23, sunday_0, sunday_1 = 5 * 24 + 23, 6 * 24 + 0, 6 * 24 + 1
    assert profile[saturday_23] == pytest.approx(0.25)
    assert profile[sunday_0] == pytest.approx(0.5)
    assert profile[sunday_1] == pytest.approx(0.25)
    assert profile.sum() == pytest.approx(1.0)


def test_a_span_over_the_end_of_the_week_wraps_to_monday():
    profile = time_profile([local(2026, 12, 6, 23, 0)], [local(2026, 12, 7, 1, 0)], tz=TZ).loc[
        "all"
    ]
    assert profile[HOURS_OF_WEEK - 1] == pytest.approx(0.5)
    assert profile[0] == pytest.approx(0.5)


def test_a_span_of_two_weeks_is_uniform():
    start = local(2026, 11, 2, 0, 0)
    profile = time_profile([start], [start + timedelta(days=14)], tz=TZ).loc["all"]
    assert np.allclose(profile.to_numpy(), 1 / HOURS_OF_WEEK)


def test_weights_and_groups_sum_per_place():
    at = [local(2026, 12, 4, 22, 0), local(2026, 12, 4, 22, 10), local(2026, 12, 2, 15, 0)]
    profile = time_profile(at, tz=TZ, weights=[3, 1, 2], groups=["a", "a", "b"])
    assert list(profile.index) == ["a", "b"]
    assert profile.loc["a", 4 * 24 + 22] == pytest.approx(4.0)
    assert profile.loc["b", 2 * 24 + 15] == pytest.approx(2.0)
    assert profile.to_numpy().sum() == pytest.approx(6.0)


def test_records_without_a_place_or_time_are_left_out():
    profile = time_profile([local(2026, 12, 4, 22, 0), None], tz=TZ, groups=["a", "a"])
    assert profile.to_numpy().sum() == pytest.approx(1.0)
    profile = time_profile([local(2026, 12, 4, 22, 0)], tz=TZ, groups=[None])
    assert profile.empty


def test_a_missing_or_reversed_end_is_a_moment():
    start = week_minutes([local(2026, 12, 7, 5, 20)], TZ)
    weights = aoristic_weights(np.repeat(start, 2), np.array([-1, start[0] - 30]))
    assert weights[:, 5].tolist() == [1.0, 1.0]


def test_chunks_give_the_same_sums_as_one_pass():
    rng = np.random.default_rng(4)
    base = local(2026, 1, 5, 0, 0)
    starts = [base + timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 300, 20_000)]
    spans = rng.integers(0, 900, 20_000)
    ends = [s + timedelta(minutes=int(d)) for s, d in zip(starts, spans, strict=True)]
    profile = time_profile(starts, ends, tz=TZ).loc["all"]
    assert profile.sum() == pytest.approx(20_000)
    direct = aoristic_weights(week_minutes(starts, TZ), week_minutes(ends, TZ)).sum(axis=0)
    assert np.allclose(profile.to_numpy(), direct)


def test_hot_hours_hold_the_share_hottest_first():
    profile = np.zeros(HOURS_OF_WEEK)
    profile[[10, 20, 30]] = [5, 3, 2]
    assert hot_hours(profile, 0.5) == [10]
    assert hot_hours(profile, 0.8) == [10, 20]
    assert hot_hours(np.zeros(HOURS_OF_WEEK)) == []
    assert week_grid(profile)[0, 10] == 5


def test_lengths_must_agree():
    with pytest.raises(ValueError, match="weights"):
        time_profile([local(2026, 12, 4, 22, 0)], tz=TZ, weights=[1, 2])
    with pytest.raises(ValueError, match="168"):
        week_grid([1, 2, 3])
