"""The calendar effect engine on constructed daily counts with known rate ratios."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from gis.analysis.calendar_effects import (
    calendar_effects,
    daily_counts,
    is_effect,
    rate_ratio,
    risk_dates,
)

FIRST, LAST = date(2018, 1, 1), date(2025, 12, 31)
DATES = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def calendar(*types: tuple[str, int, int]) -> pd.DataFrame:
    rows = [
        (date(year, month, day), name, "holiday")
        for name, month, day in types
        for year in range(FIRST.year, LAST.year + 1)
    ]
    return pd.DataFrame(rows, columns=["date", "day_type", "kind"])


def test_a_planted_valborg_effect_is_recovered_and_a_plain_day_covers_one():
    """Poisson counts, 12 a day with a weekly and yearly rhythm, doubled on 30 April: the
    interval of Valborg covers 2 and excludes 1; National Day's (no effect) covers 1."""
    rng = np.random.default_rng(7)
    rhythm = np.array(
        [
            12 * (1.3 if d.weekday() >= 4 else 1.0) * (1.2 if d.month in (6, 7, 8) else 1.0)
            for d in DATES
        ]
    )
    planted = np.array([2.0 if (d.month, d.day) == (4, 30) else 1.0 for d in DATES])
    counts = pd.Series(rng.poisson(rhythm * planted), index=DATES)
    table = calendar(("Valborgsmässoafton", 4, 30), ("Nationaldagen", 6, 6))
    found = calendar_effects(counts, table).set_index("name")

    valborg = found.loc["Valborgsmässoafton"]
    assert valborg["days"] == 8 and valborg["enough"]
    assert valborg["ci_low"] < 2.0 < valborg["ci_high"]
    assert valborg["ci_low"] > 1.0 and is_effect(valborg)
    assert 1.6 < valborg["rate_ratio"] < 2.5
    national = found.loc["Nationaldagen"]
    assert national["ci_low"] < 1.0 < national["ci_high"] and not is_effect(national)
    # The strongest first; the keys the command prints.
    assert list(found.index) == ["Valborgsmässoafton", "Nationaldagen"]


def test_exact_counts_give_the_exact_ratio_and_the_greenland_robins_interval():
    counts = pd.Series(3, index=DATES)
    for year in range(2023, 2026):
        counts[date(year, 4, 30)] = 6
    found = calendar_effects(counts[counts.index >= date(2023, 1, 1)], calendar(("V", 4, 30)))
    row = found.iloc[0]
    assert row["rate_ratio"] == 2.0 and row["observed"] == 18 and row["expected"] == 9.0
    # Three strata of a = 6, b = 24, t0 = 8: se² = 3 * 30 * 8 / 81 / (16 * 8).
    se = np.sqrt(3 * 30 * 8 / 81 / (16 * 8))
    assert row["ci_low"] == pytest.approx(2 * np.exp(-1.959964 * se), abs=1e-3)
    assert row["ci_high"] == pytest.approx(2 * np.exp(1.959964 * se), abs=1e-3)


def test_too_little_history_gives_no_ratio():
    counts = pd.Series(1, index=DATES[-400:])
    found = calendar_effects(counts, calendar(("Sällsynt", 3, 3), ("Ofta", 12, 5)), min_days=2)
    rows = found.set_index("name")
    assert not rows.loc["Sällsynt"]["enough"] and rows.loc["Sällsynt"]["rate_ratio"] is None
    assert rows.loc["Sällsynt"]["days"] == 1
    # Two dates but fewer than five expected reports: still too little.
    assert rows.loc["Ofta"]["days"] == 2 and rows.loc["Ofta"]["expected"] == 2.0
    assert not rows.loc["Ofta"]["enough"] and rows.loc["Ofta"]["ci_low"] is None


def test_comparison_days_leave_out_other_calendar_days():
    counts = pd.Series(2, index=DATES)
    table = calendar(("A", 4, 30))
    # Every neighbour one week on is another calendar day with a huge count: left out.
    for year in range(FIRST.year, LAST.year + 1):
        counts[date(year, 5, 7)] = 500
    table = pd.concat([table, calendar(("B", 5, 7))], ignore_index=True)
    row = calendar_effects(counts, table).set_index("name").loc["A"]
    assert row["rate_ratio"] == 1.0 and row["comparison_days"] == 7 * 8


def test_no_report_on_the_days_gives_zero_and_an_exact_upper_bound():
    strata = [(0.0, 16.0, 8), (0.0, 16.0, 8), (0.0, 16.0, 8)]
    ratio, low, high = rate_ratio(strata)
    assert (ratio, low) == (0.0, 0.0) and high == pytest.approx(3.689 / 6, abs=1e-3)


def test_a_risk_day_runs_from_six_to_six_local():
    instants = [
        datetime(2026, 4, 30, 22, 0, tzinfo=UTC),  # 00:00 on 1 May in Stockholm
        datetime(2026, 5, 1, 3, 59, tzinfo=UTC),  # 05:59
        datetime(2026, 5, 1, 4, 0, tzinfo=UTC),  # 06:00: the next risk day
        None,
    ]
    days = risk_dates(instants, tz="Europe/Stockholm")
    assert list(days[:3]) == [date(2026, 4, 30), date(2026, 4, 30), date(2026, 5, 1)]
    table = daily_counts(days, date(2026, 4, 29), date(2026, 5, 2))
    assert table["all"].tolist() == [0, 2, 1, 0]
    grouped = daily_counts(days, date(2026, 4, 30), date(2026, 5, 1), groups=["a", "b", "a", "c"])
    assert grouped.loc[date(2026, 4, 30)].to_dict() == {"a": 1, "b": 1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window_weeks": 0}, "window_weeks"),
        ({"level": 1.5}, "level"),
        ({"min_days": 0}, "min_days"),
    ],
)
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        calendar_effects(pd.Series(1, index=DATES[:30]), calendar(("A", 1, 5)), **kwargs)
