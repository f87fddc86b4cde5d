"""How much more (or less) is reported on a calendar day type than on comparable ordinary days.

The method is a Mantel-Haenszel rate ratio stratified by occurrence, with the Greenland-Robins
variance of its logarithm (Greenland & Robins 1985, Biometrics 41:55-68):

- every date of a day type (e.g. each Valborgsmässoafton of the history) is one stratum;
- its comparison days are the same weekday within ``window_weeks`` weeks before and after
  (so the same season, and the same weekday rhythm), leaving out every date that has any day
  type of its own (another holiday, a lov, a pay day) and the dates outside the counts;
- the stratum holds the count of the day (exposure one day) and the counts of its comparison
  days (exposure: their number);
- RR = sum(a_i t0_i / T_i) / sum(b_i t1_i / T_i), and the 95 % interval is
  exp(log RR ± 1.96 * se) with se² = sum(M_i t1_i t0_i / T_i²) / (sum(a_i t0_i / T_i) *
  sum(b_i t1_i / T_i)), where a_i, b_i are the counts of the day and its comparison days,
  t1_i = 1 and t0_i their exposures, T_i = t1_i + t0_i and M_i = a_i + b_i.

Matching each day with its own neighbours removes the weekday and seasonal rhythm and a slow
trend without a model of them; it assumes counts are Poisson around the local rate (extra
variation between days widens the truth beyond the interval: read an interval that barely
excludes 1 with care). A day type is judged only with *enough history*: at least
``min_days`` dates with comparison days and at least ``min_expected`` expected reports on
them (what the comparison days predict); otherwise its row says so (``enough`` false, no
ratio). With no report at all on the days the ratio is 0 and the upper bound is the exact
Poisson one for a count of 0.

Counts are per *risk day*: a day runs from ``day_start_hour`` (06:00) to the same hour the
next morning, so the night after Valborgsmässoafton belongs to Valborgsmässoafton.

Pure numpy and pandas, no Django: the risk calendar's commands, the situation picture and a
notebook call the same functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

#: The hour a risk day starts on the local clock: earlier hours belong to the day before.
DAY_START_HOUR = 6
WINDOW_WEEKS = 4
MIN_DAYS = 2
MIN_EXPECTED = 5.0
LEVEL = 0.95
COLUMNS = [
    "name",
    "kind",
    "days",
    "observed",
    "expected",
    "rate_ratio",
    "ci_low",
    "ci_high",
    "enough",
    "comparison_days",
]


def risk_dates(instants: Any, *, tz: str, day_start_hour: int = DAY_START_HOUR) -> pd.Series:
    """The local risk day (a ``datetime.date``) of each instant: its local date, or the day
    before when its local hour is earlier than `day_start_hour`. Missing instants give NaN."""
    if not 0 <= day_start_hour < 24:
        raise ValueError(f"day_start_hour must be from 0 to 23, got {day_start_hour}")
    moments = pd.to_datetime(pd.Series(instants), utc=True).dt.tz_convert(tz)
    shifted = moments - pd.Timedelta(hours=day_start_hour)
    return shifted.dt.date


def daily_counts(
    days: Iterable[date | None], first: date, last: date, *, groups: Iterable[Any] | None = None
) -> pd.DataFrame:
    """Counts per date from `first` to `last` (inclusive; days without records count 0).

    Returns a DataFrame indexed by ``datetime.date`` with one column ``"all"``, or one column
    per distinct value of `groups` (aligned with `days`). Dates outside the range are dropped.
    """
    if last < first:
        raise ValueError(f"last ({last}) lies before first ({first})")
    index = pd.Index([first + timedelta(days=i) for i in range((last - first).days + 1)])
    frame = pd.DataFrame({"date": list(days)})
    frame["group"] = "all" if groups is None else list(groups)
    frame = frame.dropna(subset=["date"])
    frame = frame[frame["date"].isin(set(index))]
    table = frame.groupby(["date", "group"]).size().unstack("group", fill_value=0)
    table = table.reindex(index, fill_value=0)
    if groups is None and "all" not in table:
        table["all"] = 0
    table.index.name = "date"
    return table.astype(np.int64)


def _stratum_sums(counts: pd.Series, dates: list[date], excluded: set[date], weeks: int):
    """Per occurrence with comparison days: (a, b, t0)."""
    ordinals = np.fromiter((d.toordinal() for d in counts.index), dtype=np.int64)
    first = int(ordinals.min()) if len(ordinals) else 0
    size = int(ordinals.max()) - first + 1 if len(ordinals) else 0
    values = np.zeros(size)
    known = np.zeros(size, dtype=bool)
    values[ordinals - first] = counts.to_numpy(dtype=float)
    known[ordinals - first] = True
    usable = known.copy()
    for day in excluded:
        position = day.toordinal() - first
        if 0 <= position < size:
            usable[position] = False
    steps = np.array([7 * k for k in range(-weeks, weeks + 1) if k != 0])
    rows = []
    for day in dates:
        position = day.toordinal() - first
        if not 0 <= position < size or not known[position]:
            continue
        near = position + steps
        near = near[(near >= 0) & (near < size)]
        near = near[usable[near]]
        if len(near):
            rows.append((float(values[position]), float(values[near].sum()), len(near)))
    return rows


def rate_ratio(
    strata: list[tuple[float, float, int]], *, level: float = LEVEL
) -> tuple[float, float, float]:
    """The Mantel-Haenszel rate ratio and its interval from strata (a, b, t0) with the day's
    exposure 1: (rate_ratio, ci_low, ci_high). Needs a positive comparison count."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    num = sum(a * t0 / (1 + t0) for a, _b, t0 in strata)
    den = sum(b / (1 + t0) for _a, b, t0 in strata)
    if den <= 0:
        raise ValueError("the comparison days hold no record: no rate ratio")
    if num == 0:
        expected = sum(b / t0 for _a, b, t0 in strata)
        return 0.0, 0.0, -math.log((1 - level) / 2) / expected
    variance = sum((a + b) * t0 / (1 + t0) ** 2 for a, b, t0 in strata) / (num * den)
    ratio = num / den
    spread = z * math.sqrt(variance)
    return ratio, ratio * math.exp(-spread), ratio * math.exp(spread)


def calendar_effects(
    counts: pd.Series,
    calendar: pd.DataFrame,
    *,
    window_weeks: int = WINDOW_WEEKS,
    min_days: int = MIN_DAYS,
    min_expected: float = MIN_EXPECTED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """The rate ratio of each day type of `calendar` against comparable ordinary days.

    Parameters
    ----------
    counts : Series
        Counts per date, indexed by ``datetime.date``: every observed date, zeros included
        (see :func:`daily_counts`).
    calendar : DataFrame
        ``date`` and ``day_type`` (and optionally ``kind``), one row per date and day type.
        Every date in it is left out of every day type's comparison days.

    Returns
    -------
    DataFrame
        One row per day type with any date in `counts`, in the order of `COLUMNS`: ``name``,
        ``kind``, ``days`` (dates judged), ``observed``, ``expected`` (what the comparison days
        predict), ``rate_ratio``, ``ci_low``, ``ci_high`` (None without enough history),
        ``enough`` and ``comparison_days``; sorted by the ratio, strongest first.
    """
    if window_weeks < 1:
        raise ValueError(f"window_weeks must be at least 1, got {window_weeks}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level}")
    if min_days < 1:
        raise ValueError(f"min_days must be at least 1, got {min_days}")
    counts = pd.Series(counts).astype(float)
    if len(calendar) == 0:
        return pd.DataFrame(columns=COLUMNS)
    kinds = calendar["kind"] if "kind" in calendar else pd.Series("", index=calendar.index)
    excluded = set(calendar["date"])
    rows = []
    for name, group in calendar.assign(kind=kinds).groupby("day_type", sort=True):
        dates = sorted(set(group["date"]))
        strata = _stratum_sums(counts, dates, excluded, window_weeks)
        if not strata:
            continue
        observed = sum(a for a, _b, _t in strata)
        expected = sum(b / t0 for _a, b, t0 in strata)
        enough = len(strata) >= min_days and expected >= min_expected
        ratio = low = high = None
        if enough:
            ratio, low, high = rate_ratio(strata, level=level)
        rows.append(
            {
                "name": name,
                "kind": str(group["kind"].iloc[0]),
                "days": len(strata),
                "observed": round(observed),
                "expected": round(expected, 2),
                "rate_ratio": None if ratio is None else round(ratio, 3),
                "ci_low": None if low is None else round(low, 3),
                "ci_high": None if high is None else round(high, 3),
                "enough": enough,
                "comparison_days": sum(t0 for _a, _b, t0 in strata),
            }
        )
    result = pd.DataFrame(rows, columns=COLUMNS)
    if result.empty:
        return result
    order = result["rate_ratio"].fillna(-1.0)
    result = result.assign(_order=order).sort_values(["_order", "name"], ascending=[False, True])
    result = result.drop(columns="_order").reset_index(drop=True).astype(object)
    return result.where(result.notna(), None)  # no ratio: None, never NaN (JSON)


def is_effect(row: Any) -> bool:
    """Whether a row of :func:`calendar_effects` has enough history and an interval that
    excludes 1."""
    if not row["enough"] or row["rate_ratio"] is None:
        return False
    return row["ci_low"] > 1 or row["ci_high"] < 1
