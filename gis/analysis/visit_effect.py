"""Did the visited places get quieter? Reports in the hours after presence visits against the
same hours at the same places in weeks without a visit.

The design is a within-place comparison (each place is its own control):

* a **visit window** is the ``hours`` (3) after a visit's end, within ``radius_m`` (150 m) of
  its place;
* its **comparison windows** are the same place and the same hours of the week, ``1 …
  weeks`` weeks before and after (so the hour of the week, the weekday and the season match),
  kept only when they were observed (inside ``observed``) and no visit was made within
  ``radius_m`` of the place in the hours around them (a window that was itself visited, or
  just after a visit, is no comparison);
* the **rate ratio** is reports per visit window over reports per comparison window. Its 95 %
  confidence interval is the exact conditional one: given the total of both counts, the count
  after visits is binomial with ``p = n1·RR / (n1·RR + n0)``; the Clopper-Pearson interval of
  ``p`` gives the interval of RR.

It says "too little data" (``enough`` False, with the reason) when there are fewer than
``min_visits`` (20) visit windows or comparison windows, or fewer than ``min_reports`` (10)
reports in the comparison windows: without a baseline the ratio means nothing. The visited
arm is not required to reach 10 reports, since a working visit may leave few reports after it.

A ratio below 1 is fewer reports after visits. It is an association at visited places, not a
proof: places were chosen because they were hot (a hot week tends to be followed by a calmer
one), and the interval is as wide as the data make it.

**Taking the trend out.** Reports may rise or fall everywhere in the visited week (a season, a
holiday, a busy month): the within-place ratio then carries that change too. When comparable
``places`` are given (the plan's other places), the same comparison is made at them for the
same instants: each visit window is matched by windows at the places that were not visited in
those hours (``2 * radius_m`` or more from the visited place), against their own windows in the
weeks around. The **adjusted ratio** is the visited places' ratio over the unvisited places'
ratio (a ratio of rate ratios, as a difference-in-differences on the log scale), with a 95 %
Wald interval on the log scale, ``exp(log RR ± 1.96 · sqrt(1/a + 1/b + 1/c + 1/d))`` over the
four counts; it is given only when each of the four counts is at least ``min_reports / 2``.

Pure numpy, pandas and statsmodels, no Django: the situation picture and a notebook call it
with the same frames. Coordinates are metres in one projected CRS; instants are aware
datetimes (or pandas Timestamps with a zone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gis.analysis.rate_ratios import ratio_of_rate_ratios
from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
pd = lazy_module("pandas")
proportion_confint = lazy_attribute("statsmodels.stats.proportion", "proportion_confint")

#: Hours after a visit's end in which reports are counted.
HOURS = 3.0
#: Metres around a visit's place in which reports are counted.
RADIUS_M = 150.0
#: Comparison windows: the same hours this many weeks before and after.
WEEKS = 4
#: Fewer visit (or comparison) windows than this: too little data.
MIN_VISITS = 20
#: Fewer reports in the comparison windows than this: too little data.
MIN_REPORTS = 10
_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_WEEK = 7 * 24 * _NS_PER_HOUR


@dataclass(frozen=True)
class VisitEffect:
    """The follow-up of visits: counts of both arms, the rate ratio and its 95 % interval.

    ``rate_ratio``, ``ci_low`` and ``ci_high`` are None when there is too little data
    (``enough`` False, ``reason`` says why); ``ci_high`` may be ``inf``.
    """

    visits: int
    comparisons: int
    reports_after_visits: int
    reports_in_comparisons: int
    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    enough: bool
    reason: str
    hours: float
    radius_m: float
    # The unvisited comparable places at the same instants (see "Taking the trend out"); the
    # adjusted figures are None when no places were given or their counts are too small.
    control_windows: int = 0
    control_comparisons: int = 0
    reports_at_controls: int = 0
    reports_at_controls_around: int = 0
    trend_ratio: float | None = None
    adjusted_ratio: float | None = None
    adjusted_low: float | None = None
    adjusted_high: float | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _instants(values) -> np.ndarray:
    """Aware instants as int64 nanoseconds since the epoch (UTC)."""
    return (
        pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        .to_numpy("datetime64[ns]")
        .astype(np.int64)
    )


def _xy(frame) -> np.ndarray:
    return np.column_stack(
        [np.asarray(frame["x"], dtype=float), np.asarray(frame["y"], dtype=float)]
    ).reshape(-1, 2)


def _counts(
    starts: np.ndarray,
    places: np.ndarray,
    times: np.ndarray,
    points: np.ndarray,
    *,
    hours: float,
    radius_m: float,
) -> np.ndarray:
    """Reports within `radius_m` of each window's place in ``[start, start + hours)``."""
    order = np.argsort(times, kind="stable")
    times, points = times[order], points[order]
    length = int(hours * _NS_PER_HOUR)
    lo = np.searchsorted(times, starts, side="left")
    hi = np.searchsorted(times, starts + length, side="left")
    counts = np.zeros(len(starts), dtype=np.int64)
    radius2 = radius_m * radius_m
    for k in np.flatnonzero(hi > lo):
        near = points[lo[k] : hi[k]] - places[k]
        counts[k] = int(np.count_nonzero((near * near).sum(axis=1) <= radius2))
    return counts


def comparison_windows(
    visits,
    *,
    observed: tuple,
    hours: float = HOURS,
    radius_m: float = RADIUS_M,
    weeks: int = WEEKS,
):
    """The comparison windows of `visits`: a DataFrame of ``x``, ``y``, ``start`` (int64 ns).

    Parameters
    ----------
    visits : DataFrame
        ``x``, ``y`` (metres) and ``end`` (aware instants) of the visits made.
    observed : (start, end)
        The span in which reports were collected: windows outside it are dropped.
    """
    ends = _instants(visits["end"])
    places = _xy(visits)
    where, starts = _weeks_around(
        places, ends, places, ends, observed=observed, hours=hours, radius_m=radius_m, weeks=weeks
    )
    return pd.DataFrame({"x": where[:, 0], "y": where[:, 1], "start": starts})


def _weeks_around(
    xy: np.ndarray,
    starts: np.ndarray,
    visit_xy: np.ndarray,
    visit_ends: np.ndarray,
    *,
    observed: tuple,
    hours: float,
    radius_m: float,
    weeks: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The windows at places `xy` at `starts` moved ``1 … weeks`` weeks back and forth, kept
    when observed and not visited (:func:`_unvisited`): their places and starts (int64 ns)."""
    first, last = _instants([observed[0], observed[1]])
    length = int(hours * _NS_PER_HOUR)
    shifts = [k for k in range(-weeks, weeks + 1) if k]
    if not len(starts):
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    moved = np.concatenate([starts + k * _NS_PER_WEEK for k in shifts])
    where = np.concatenate([xy for _k in shifts])
    keep = np.flatnonzero((moved >= first) & (moved + length <= last))
    keep = keep[
        _unvisited(where[keep], moved[keep], visit_xy, visit_ends, length=length, radius_m=radius_m)
    ]
    return where[keep], moved[keep]


def _unvisited(
    places: np.ndarray,
    starts: np.ndarray,
    visit_xy: np.ndarray,
    visit_ends: np.ndarray,
    *,
    length: int,
    radius_m: float,
) -> np.ndarray:
    """Whether each window (a place, a start) had no visit within ``radius_m`` of its place
    ending less than ``length`` from its start."""
    keep = np.ones(len(starts), dtype=bool)
    radius2 = radius_m * radius_m
    for k in range(len(starts)):
        near = ((visit_xy - places[k]) ** 2).sum(axis=1) <= radius2
        if (np.abs(visit_ends[near] - starts[k]) < length).any():
            keep[k] = False
    return keep


def control_windows(visits, places, *, hours: float = HOURS, radius_m: float = RADIUS_M):
    """The windows at unvisited comparable places at the visits' instants: a DataFrame of
    ``x``, ``y`` and ``end`` (int64 ns, the instant a window begins), one per visit and place
    that lies ``2 * radius_m`` or more from the visit's place and had no visit in those hours."""
    ends = _instants(visits["end"]) if len(visits) else np.zeros(0, dtype=np.int64)
    visit_xy = _xy(visits) if len(visits) else np.zeros((0, 2))
    candidates = np.unique(_xy(places), axis=0) if len(places) else np.zeros((0, 2))
    if not len(ends) or not len(candidates):
        return pd.DataFrame({"x": [], "y": [], "end": np.zeros(0, dtype=np.int64)})
    far = ((candidates[None, :, :] - visit_xy[:, None, :]) ** 2).sum(axis=2) >= (2 * radius_m) ** 2
    visit_index, place_index = np.nonzero(far)
    xy = candidates[place_index]
    starts = ends[visit_index]
    keep = _unvisited(
        xy, starts, visit_xy, ends, length=int(hours * _NS_PER_HOUR), radius_m=radius_m
    )
    return pd.DataFrame({"x": xy[keep, 0], "y": xy[keep, 1], "end": starts[keep]})


def rate_ratio_ci(
    after: int, visits: int, before: int, comparisons: int, alpha: float = 0.05
) -> tuple[float, float, float]:
    """Rate ratio ``(after / visits) / (before / comparisons)`` with its exact conditional
    (Clopper-Pearson) interval at level ``1 - alpha``; ``inf`` where unbounded."""
    total = after + before
    scale = comparisons / visits
    ratio = math.inf if before == 0 else (after / visits) / (before / comparisons)
    if total == 0:
        return ratio, 0.0, math.inf
    low, high = proportion_confint(after, total, alpha=alpha, method="beta")

    def odds(p: float) -> float:
        return math.inf if p >= 1.0 else scale * p / (1.0 - p)

    return ratio, odds(float(low)), odds(float(high))


def visit_effect(
    visits,
    reports,
    *,
    observed: tuple,
    hours: float = HOURS,
    radius_m: float = RADIUS_M,
    weeks: int = WEEKS,
    min_visits: int = MIN_VISITS,
    min_reports: int = MIN_REPORTS,
    places=None,
) -> VisitEffect:
    """Reports after visits against comparable unvisited windows (see the module's text).

    Parameters
    ----------
    visits : DataFrame
        The visits made: ``x``, ``y`` (metres, the same CRS as the reports) and ``end``.
    reports : DataFrame
        Pins, findings and incidents as points: ``x``, ``y`` and ``at`` (aware instants).
    observed : (start, end)
        The span the reports cover (aware instants): windows outside it are not counted.
    places : DataFrame, optional
        Comparable places (``x``, ``y``), e.g. every place of the plans: the unvisited ones at
        the same instants take the trend out (the adjusted ratio).
    """
    length = int(hours * _NS_PER_HOUR)
    first, last = _instants([observed[0], observed[1]])
    ends = _instants(visits["end"]) if len(visits) else np.zeros(0, dtype=np.int64)
    inside = (ends >= first) & (ends + length <= last)
    made = visits[inside] if len(visits) else visits
    controls = comparison_windows(
        made, observed=observed, hours=hours, radius_m=radius_m, weeks=weeks
    )
    times = _instants(reports["at"]) if len(reports) else np.zeros(0, dtype=np.int64)
    points = _xy(reports) if len(reports) else np.zeros((0, 2))
    after = _counts(ends[inside], _xy(made), times, points, hours=hours, radius_m=radius_m).sum()
    before = _counts(
        controls["start"].to_numpy(np.int64),
        _xy(controls),
        times,
        points,
        hours=hours,
        radius_m=radius_m,
    ).sum()
    n1, n0 = int(inside.sum()), len(controls)
    reason = ""
    if n1 < min_visits:
        reason = f"fewer than {min_visits} visits ({n1})"
    elif n0 < min_visits:
        reason = f"fewer than {min_visits} comparison windows ({n0})"
    elif before < min_reports:
        reason = f"fewer than {min_reports} reports in the comparison windows ({int(before)})"
    ratio = low = high = None
    if not reason:
        ratio, low, high = rate_ratio_ci(int(after), n1, int(before), n0)
    adjusted = _adjusted(
        made[["x", "y", "end"]] if len(made) else made,
        places,
        times,
        points,
        observed=observed,
        hours=hours,
        radius_m=radius_m,
        weeks=weeks,
        visited=(int(after), n1, int(before), n0),
        least=max(1, math.ceil(min_reports / 2)),
        enough=not reason,
    )
    return VisitEffect(
        visits=n1,
        comparisons=n0,
        reports_after_visits=int(after),
        reports_in_comparisons=int(before),
        rate_ratio=ratio,
        ci_low=low,
        ci_high=high,
        enough=not reason,
        reason=reason,
        hours=hours,
        radius_m=radius_m,
        **adjusted,
    )


def _adjusted(
    made, places, times, points, *, observed, hours, radius_m, weeks, visited, least, enough
) -> dict:
    """The unvisited places' counts and, when every count reaches `least`, the adjusted
    ratio with its interval (see "Taking the trend out")."""
    if places is None or not len(made) or not len(places):
        return {}
    length = int(hours * _NS_PER_HOUR)
    first, last = _instants([observed[0], observed[1]])
    same_time = control_windows(made, places, hours=hours, radius_m=radius_m)
    same_time = same_time[(same_time["end"] >= first) & (same_time["end"] + length <= last)]
    xy, starts = _xy(same_time), same_time["end"].to_numpy(np.int64)
    around_xy, around_starts = _weeks_around(
        xy,
        starts,
        _xy(made),
        _instants(made["end"]),
        observed=observed,
        hours=hours,
        radius_m=radius_m,
        weeks=weeks,
    )
    c = int(_counts(starts, xy, times, points, hours=hours, radius_m=radius_m).sum())
    d = int(_counts(around_starts, around_xy, times, points, hours=hours, radius_m=radius_m).sum())
    n2, n3 = len(starts), len(around_starts)
    figures = {
        "control_windows": n2,
        "control_comparisons": n3,
        "reports_at_controls": c,
        "reports_at_controls_around": d,
    }
    if n2 and n3 and d:
        figures["trend_ratio"] = (c / n2) / (d / n3)
    a, n1, b, n0 = visited
    if enough and min(a, b, c, d) >= least and n2 and n3:
        ratio, low, high = ratio_of_rate_ratios(a, n1, b, n0, c, n2, d, n3)
        figures.update(adjusted_ratio=ratio, adjusted_low=low, adjusted_high=high)
    return figures
