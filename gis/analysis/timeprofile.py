"""When a place is hot: reports and incidents by hour of the week, with aoristic spreading.

The week has 168 hour bins, Monday 00-01 first and Sunday 23-24 last, on the local clock of
an IANA time zone. A record known to the minute adds 1 to the bin of its hour. A record known
only as a span ("between 22:00 and 06:00", ``occurred_at`` to ``occurred_to``) is spread over
every hour the span touches, each bin getting the share of the span's minutes that fall in it
(aoristic weights, Ratcliffe 2000), so the record still adds 1 in all. A span of a week or
more spreads over every bin.

Minutes are counted on the local wall clock: a span across the spring change to summer time
is read as the clock shows it (one clock hour fewer), which is what a person reporting
"between 01:00 and 04:00" meant.

Pure numpy and pandas, no Django: the dashboard, the presence planner and a notebook call the
same functions. Group records by whatever place they belong to (a street segment, a grid
cell, a district, a hot spot) in a column and pass its name as ``by``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gis.core.lazy import lazy_module

pd = lazy_module("pandas")

HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7
#: Bins of the week: hour ``h`` of weekday ``d`` (Monday 0) is bin ``24 * d + h``.
HOURS_OF_WEEK = HOURS_PER_DAY * DAYS_PER_WEEK
_MINUTES_PER_HOUR = 60
_MINUTES_PER_WEEK = HOURS_OF_WEEK * _MINUTES_PER_HOUR
#: Rows handled at a time, so 100,000 spans never need a 100,000 x 168 matrix at once.
_CHUNK = 8192
#: A Monday at midnight: local minutes are counted from it, so minute 0 is bin 0.
_MONDAY = np.datetime64("2001-01-01T00:00", "m")


def week_minutes(instants: Any, tz: str) -> np.ndarray:
    """Local wall-clock minutes since a Monday midnight, as int64 (``-1`` where missing).

    Parameters
    ----------
    instants : sequence of datetime, pandas Series or DatetimeIndex
        Timezone-aware instants (naive ones are taken as UTC); None or NaT where missing.
    tz : str
        IANA zone whose clock decides the hour ("Europe/Stockholm").
    """
    times = pd.to_datetime(pd.Series(instants, dtype=object), utc=True)
    local = times.dt.tz_convert(tz).dt.tz_localize(None)
    minutes = (local.to_numpy("datetime64[m]") - _MONDAY).astype("timedelta64[m]")
    values = minutes.astype(np.int64)
    values[local.isna().to_numpy()] = -1
    return values


def _cumulative(minutes: np.ndarray) -> np.ndarray:
    """Minutes of ``[0, t)`` falling in each hour-of-week bin: an (n, 168) float array."""
    weeks, rest = np.divmod(minutes, _MINUTES_PER_WEEK)
    starts = np.arange(HOURS_OF_WEEK) * _MINUTES_PER_HOUR
    partial = np.clip(rest[:, None] - starts[None, :], 0, _MINUTES_PER_HOUR)
    return weeks[:, None] * float(_MINUTES_PER_HOUR) + partial


def aoristic_weights(start_minutes: np.ndarray, end_minutes: np.ndarray) -> np.ndarray:
    """Each record's weight in the 168 bins: an (n, 168) array whose rows sum to 1.

    Parameters
    ----------
    start_minutes, end_minutes : numpy.ndarray of int
        Local minutes since a Monday midnight (:func:`week_minutes`). Where the end is missing
        (negative) or not after the start, the record is a moment and its weight is 1 in the
        bin of its start.
    """
    start = np.asarray(start_minutes, dtype=np.int64)
    end = np.asarray(end_minutes, dtype=np.int64)
    weights = np.zeros((len(start), HOURS_OF_WEEK))
    span = end > start
    moments = np.flatnonzero(~span)
    weights[moments, (start[moments] % _MINUTES_PER_WEEK) // _MINUTES_PER_HOUR] = 1.0
    spans = np.flatnonzero(span)
    if len(spans):
        covered = _cumulative(end[spans]) - _cumulative(start[spans])
        weights[spans] = covered / (end[spans] - start[spans])[:, None]
    return weights


def time_profile(
    start: Any,
    end: Any = None,
    *,
    tz: str,
    weights: Sequence[float] | np.ndarray | None = None,
    groups: Sequence[Any] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Weighted counts by hour of the week, per group.

    Parameters
    ----------
    start : sequence of datetime
        When each record happened, or when its span began (timezone-aware).
    end : sequence of datetime, optional
        When each span ended; None (for all, or per record) for a moment.
    tz : str
        IANA zone whose local clock the hours are read on.
    weights : array-like of float, optional
        Each record's weight (severity, recency); 1 each by default.
    groups : array-like, optional
        Each record's place (segment id, cell index, district, hot spot); records whose group
        is missing (None/NaN) are left out. One group, ``"all"``, by default.

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted), columns ``0 … 167`` (bin ``24 * weekday + hour``, Monday
        0), values the summed weights. Every row's sum is the summed weight of its records.
    """
    starts = week_minutes(start, tz)
    n = len(starts)
    ends = week_minutes(end, tz) if end is not None else np.full(n, -1, dtype=np.int64)
    if len(ends) != n:
        raise ValueError(f"start has {n} records but end has {len(ends)}")
    weight = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if len(weight) != n:
        raise ValueError(f"start has {n} records but weights has {len(weight)}")
    keys = pd.Series(["all"] * n if groups is None else list(groups), dtype=object)
    if len(keys) != n:
        raise ValueError(f"start has {n} records but groups has {len(keys)}")
    known = (starts >= 0) & keys.notna().to_numpy() & np.isfinite(weight)
    codes, labels = pd.factorize(keys[known], sort=True)
    rows = np.flatnonzero(known)
    totals = np.zeros((len(labels), HOURS_OF_WEEK))
    for offset in range(0, len(rows), _CHUNK):
        chunk = rows[offset : offset + _CHUNK]
        spread = aoristic_weights(starts[chunk], ends[chunk]) * weight[chunk, None]
        np.add.at(totals, codes[offset : offset + _CHUNK], spread)
    return pd.DataFrame(totals, index=pd.Index(labels, name="group"), columns=range(HOURS_OF_WEEK))


def week_grid(profile: Sequence[float] | np.ndarray) -> np.ndarray:
    """A 168-bin profile as a 7 x 24 array: rows Monday … Sunday, columns hours 0 … 23."""
    values = np.asarray(profile, dtype=float)
    if values.shape != (HOURS_OF_WEEK,):
        raise ValueError(f"a week profile has {HOURS_OF_WEEK} bins, got shape {values.shape}")
    return values.reshape(DAYS_PER_WEEK, HOURS_PER_DAY)


def hot_hours(profile: Sequence[float] | np.ndarray, share: float = 0.5) -> list[int]:
    """The fewest bins that together hold at least ``share`` of the profile, hottest first.

    An empty profile has no hot hours. Ties keep the earlier bin first, so the answer is
    reproducible.
    """
    values = np.asarray(profile, dtype=float)
    total = values.sum()
    if not 0 < share <= 1:
        raise ValueError(f"share must lie in (0, 1], got {share}")
    if total <= 0:
        return []
    order = np.argsort(-values, kind="stable")
    held = np.cumsum(values[order])
    count = int(np.searchsorted(held, share * total - 1e-9 * total)) + 1
    return [int(b) for b in order[:count] if values[b] > 0]


def bin_label(bin_index: int) -> tuple[int, int]:
    """``(weekday, hour)`` of a bin, weekday 0 for Monday."""
    if not 0 <= bin_index < HOURS_OF_WEEK:
        raise ValueError(f"a bin of the week lies in 0 … {HOURS_OF_WEEK - 1}, got {bin_index}")
    return divmod(int(bin_index), HOURS_PER_DAY)
