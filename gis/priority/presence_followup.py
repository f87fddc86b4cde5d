"""Follow-up of a presence measure: its area against a comparison area, before and during.

Pure function over the input frames (metric CRS, metres). Reports (resident pins, walk findings,
incidents, unified by :func:`gis.priority.demand.report_items`) are counted in two windows of
equal length: the measure's period ``[start, end)`` and the same length just before it
``[start - L, start)``. The period is cut at ``as_of`` when it is not over yet, and both windows
shrink with it, so the comparison stays like for like (the windowing of
:func:`gis.priority.followup.before_after`).

The counts are made in the measure's area and in a comparison area:

* the area is the measure's polygon, or its point buffered by ``radius_m``;
* the comparison area is, by default, the ring from the area's edge out to ``ring_m`` metres
  beyond it (nearby streets that share the area's weather, season and calendar but did not
  get the measure); a caller may give any other comparison polygon instead (the rest of the
  district, a similar neighbourhood).

The effect is the ratio of the two rate ratios (difference in differences on the log scale):
``(a / b) / (c / d)`` with ``a``, ``b`` the area's counts during and before and ``c``, ``d`` the
comparison area's, with the Wald 95 % interval ``exp(log RR ± 1.96 · sqrt(1/a + 1/b + 1/c +
1/d))``. Windows are equal, so their length cancels. With fewer than ``min_count`` reports in
any of the four cells the figures are given but no ratio: "too little data".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gis.analysis.rate_ratios import ratio_of_rate_ratios
from gis.core.lazy import lazy_module
from gis.priority._schema import check_metric_crs, prepare_frame
from gis.priority.demand import check_as_of, report_items
from gis.priority.followup import _windowed_sum
from gis.priority.params import PriorityParams, check_positive

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

#: Fewer reports than this in any of the four cells gives "too little data".
MIN_COUNT = 5
#: The comparison ring reaches this far beyond the area's edge (metres).
RING_M = 500.0
DAYS_PER_WEEK = 7.0


@dataclass(frozen=True)
class MeasureFollowUp:
    """Counts, weekly rates and the ratio of rate ratios of one measure.

    ``area_before``/``area_during`` and ``comparison_before``/``comparison_during`` are report
    counts; ``*_per_week`` the same per week of the window. ``ratio``, ``ci_low``, ``ci_high``
    are ``None`` when ``too_little_data``.
    """

    before: tuple[pd.Timestamp, pd.Timestamp]
    during: tuple[pd.Timestamp, pd.Timestamp]
    weeks: float
    area_before: int
    area_during: int
    comparison_before: int
    comparison_during: int
    min_count: int
    ratio: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def too_little_data(self) -> bool:
        return self.ratio is None

    def per_week(self, count: int) -> float:
        return count / self.weeks

    @property
    def area_change(self) -> float | None:
        """Relative change in the area (0.35 = +35 %), None without reports before."""
        return _change(self.area_before, self.area_during)

    @property
    def comparison_change(self) -> float | None:
        """Relative change in the comparison area, None without reports before."""
        return _change(self.comparison_before, self.comparison_during)

    def as_dict(self) -> dict:
        """JSON-ready figures (ISO instants)."""
        return {
            "before": [t.isoformat() for t in self.before],
            "during": [t.isoformat() for t in self.during],
            "weeks": round(self.weeks, 3),
            "area_before": self.area_before,
            "area_during": self.area_during,
            "comparison_before": self.comparison_before,
            "comparison_during": self.comparison_during,
            "area_change": self.area_change,
            "comparison_change": self.comparison_change,
            "ratio": self.ratio,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "too_little_data": self.too_little_data,
            "min_count": self.min_count,
        }


def _change(before: int, after: int) -> float | None:
    return None if before == 0 else after / before - 1.0


def measure_area(geometry, radius_m: float = 150.0):
    """The area a measure covers: a polygon as it is, a point buffered by ``radius_m``."""
    if geometry is None or shapely.is_empty(geometry):
        raise ValueError("geometry must be a point or a polygon, got an empty geometry")
    kind = shapely.get_type_id(geometry)
    if kind == 0:  # Point
        check_positive("radius_m", radius_m)
        return shapely.buffer(geometry, float(radius_m), quad_segs=16)
    if kind in (3, 6):  # Polygon, MultiPolygon
        return geometry
    raise ValueError(f"geometry must be a point or a polygon, got {geometry.geom_type}")


def comparison_ring(area, ring_m: float = RING_M):
    """The ring from the area's edge out to ``ring_m`` metres beyond it."""
    check_positive("ring_m", ring_m)
    return shapely.difference(shapely.buffer(area, float(ring_m), quad_segs=16), area)


def presence_followup(
    geometry,
    start: dt.datetime,
    end: dt.datetime,
    *,
    pins: gpd.GeoDataFrame | None = None,
    findings: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    radius_m: float = 150.0,
    ring_m: float = RING_M,
    comparison=None,
    as_of: dt.datetime | None = None,
    min_count: int = MIN_COUNT,
    params: PriorityParams | None = None,
) -> MeasureFollowUp:
    """Follow up a measure over ``[start, end)`` against the same length before it.

    Parameters
    ----------
    geometry : shapely geometry
        The measure's point or polygon, metric CRS of the frames.
    start, end : datetime
        Tz-aware period of the measure (``end`` exclusive).
    pins, findings, incidents : GeoDataFrame
        Reports (see ``gis.priority._schema``), metric CRS, at least one of them; pins with a
        status in ``params.excluded_pin_statuses`` are left out. Incidents count at their
        start (``occurred_at``).
    radius_m : float
        Around a point: the area's radius (> 0).
    ring_m : float
        Width of the comparison ring beyond the area's edge (> 0); unused with ``comparison``.
    comparison : shapely geometry, optional
        Another comparison area (the measure's area is taken out of it).
    as_of : datetime, optional
        Tz-aware end of the data; cuts the period (and the window before) when earlier.
    min_count : int
        The "too little data" rule: every one of the four counts must reach it (>= 1).
    params : PriorityParams, optional
        Excluded pin statuses and incident categories.

    Returns
    -------
    MeasureFollowUp
    """
    params = PriorityParams() if params is None else params
    start, end = check_as_of(start), check_as_of(end)
    if end <= start:
        raise ValueError(f"end must be after start ({start}), got {end}")
    if as_of is not None:
        as_of = check_as_of(as_of)
        if as_of <= start:
            raise ValueError(f"as_of must be after start ({start}), got {as_of}")
        end = min(end, as_of)
    if int(min_count) != min_count or min_count < 1:
        raise ValueError(f"min_count must be a whole number >= 1, got {min_count}")
    given = [f for f in (pins, findings, incidents) if f is not None]
    if not given:
        raise ValueError("give at least one of pins, findings and incidents")
    crs = given[0].crs
    check_metric_crs(crs, "reports")
    area = measure_area(geometry, radius_m)
    if comparison is None:
        other = comparison_ring(area, ring_m)
    else:
        other = shapely.difference(comparison, area)
        if shapely.is_empty(other):
            raise ValueError("comparison must reach beyond the measure's area")
    length = end - start
    before_start = start - length
    frames = {
        k: prepare_frame(v, k, crs)
        for k, v in (("pins", pins), ("findings", findings), ("incidents", incidents))
    }
    items, _excluded = report_items(
        frames["pins"], frames["findings"], frames["incidents"], as_of=end, params=params
    )
    when = pd.to_datetime(items["created_at"], utc=True).reset_index(drop=True)
    points = items.geometry.values
    weeks = (length / pd.Timedelta(days=1)) / DAYS_PER_WEEK
    counts = []
    for polygon in (area, other):
        inside = shapely.intersects(np.asarray(points), polygon).astype(float)
        # The windowed sums of the fix follow-up, of 1 (inside) / 0 (outside) per report.
        in_before, in_during, _n, _m = _windowed_sum(when, inside, before_start, start, end, 1.0)
        counts.append((round(in_before), round(in_during)))
    (b, a), (d, c) = counts
    figures = (b, a, d, c, int(min_count), *ratio_of_ratios(a, b, c, d, min_count=min_count))
    return MeasureFollowUp((before_start, start), (start, end), weeks, *figures)


def ratio_of_ratios(
    a: int, b: int, c: int, d: int, *, min_count: int = MIN_COUNT
) -> tuple[float | None, float | None, float | None]:
    """``(a / b) / (c / d)`` with its Wald 95 % interval on the log scale; three ``None`` when
    any count is below ``min_count`` (too little data)."""
    if min(a, b, c, d) < min_count or min(a, b, c, d) <= 0:
        return None, None, None
    return ratio_of_rate_ratios(a, 1, b, 1, c, 1, d, 1)
