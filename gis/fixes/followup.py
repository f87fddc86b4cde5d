"""Follow-up of a done fix: its place before and after, over matching periods.

Uses :func:`gis.priority.before_after` on the layers of :mod:`gis.frames` (storage CRS,
metres): reports per month (all, and evening/night), mean lux of the readings on the place, and
the mean score of safety-walk audits (0–27, the sum of the nine parameters) taken within
``audit_radius_m`` of the place, each before and after the day the fix was done. Every report
counts here, including the ones the fix answered; only pins closed as duplicates are left out.

Reports snap to their nearest segment, so a place that people report as an area (a corner, a
square) spreads over several segments. The follow-up therefore also counts, in the same two
windows, every report within ``area_radius_m`` of the place (plain distance, no snapping): all
of them, and those of the categories the fix fully relieves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.gis.measure import D
from django.utils import timezone
from django.utils.translation import gettext as _

from gis import frames
from gis.core.lazy import lazy_module
from gis.fixes.models import PROPERTY_FIX_TYPES, Fix
from gis.fixes.persist import default_params, full_relevance
from gis.priority import PriorityParams, before_after
from walks.models import WalkAudit

pd = lazy_module("pandas")
shapely = lazy_module("shapely")

SOURCES = ("pins", "findings", "incidents")
AUDIT_RADIUS_M = 100.0
AREA_RADIUS_M = 100.0
WINDOW_DAYS = 180.0
DAYS_PER_MONTH = 365.25 / 12


@dataclass
class FollowUp:
    """Before/after figures of one fix.

    Attributes
    ----------
    table : DataFrame
        ``gis.priority.followup.METRICS`` x (before, after, change, n_before, n_after).
    by_source : DataFrame
        Reports per month and report counts per source (pins, findings, incidents).
    area : DataFrame
        Rows reports_per_month and relevant_reports_per_month within ``area_radius_m``;
        columns before, after, change, n_before, n_after.
    before, after : (datetime, datetime)
        The two windows [start, end).
    window_days : float
        Their length in days (shortened when the after-period is not over yet).
    audit_radius_m : float
        Audits within this distance of the place count (metres).
    area_radius_m : float
        Radius of the area counts (metres).
    """

    table: pd.DataFrame
    by_source: pd.DataFrame
    area: pd.DataFrame
    before: tuple[dt.datetime, dt.datetime]
    after: tuple[dt.datetime, dt.datetime]
    window_days: float
    audit_radius_m: float
    area_radius_m: float


def fix_followup(
    fix: Fix,
    *,
    window_days: float = WINDOW_DAYS,
    as_of: dt.datetime | None = None,
    audit_radius_m: float = AUDIT_RADIUS_M,
    area_radius_m: float = AREA_RADIUS_M,
    params: PriorityParams | None = None,
) -> FollowUp:
    """Compare a done fix's place before and after it was done.

    Parameters
    ----------
    fix : Fix
        A fix with ``done_at`` set.
    window_days : float
        Length of each period in days (> 0).
    as_of : datetime, optional
        Tz-aware end of the data; now when omitted.
    audit_radius_m : float
        Audits within this many metres of the place count (> 0).
    area_radius_m : float
        Reports within this many metres of the place make the area counts (> 0).
    params : PriorityParams, optional
        Snapping tolerances; ``default_params`` of the municipality with only duplicates
        excluded when omitted.

    Returns
    -------
    FollowUp
    """
    if fix.done_at is None:
        raise ValueError(f"fix {fix.pk} has no done_at: the follow-up starts when it is done")
    for name, value in (("audit_radius_m", audit_radius_m), ("area_radius_m", area_radius_m)):
        if not value > 0:
            raise ValueError(f"{name} must be > 0 m, got {value}")
    if fix.property_id is not None or fix.fix_type in PROPERTY_FIX_TYPES:
        raise ValueError(
            _("The follow-up compares streets and parks; a property fix has none yet.")
        )
    as_of = timezone.now() if as_of is None else as_of
    municipality = fix.municipality
    if params is None:
        params = default_params(municipality, excluded_pin_statuses=("closed_duplicate",))
    place = shapely.from_wkb(bytes(fix.geom.wkb))
    reach = max(params.snap_tolerance_m, params.lux_tolerance_m, area_radius_m)
    layers = {
        "pins": frames.pins(municipality),
        "findings": frames.findings(municipality),
        "incidents": frames.incidents(municipality),
        "lux": frames.lux(municipality),
    }
    # Only reports within reach of the place can link to it; the rest change nothing.
    layers = {k: v[shapely.dwithin(v.geometry.values, place, reach)] for k, v in layers.items()}
    layers["pins"] = layers["pins"][~layers["pins"]["status"].isin(params.excluded_pin_statuses)]
    common = {
        "segments": frames.segments(municipality),
        "place_kind": "segment" if fix.segment_id else "green_area",
        "green_areas": frames.green_areas(municipality),
        "audits": _audits(fix, audit_radius_m),
        "window_days": window_days,
        "as_of": as_of,
        "params": params,
    }
    place_id = fix.segment_id or fix.green_area_id
    table = before_after(place_id, fix.done_at, **common, **layers)
    rows = {}
    for source in SOURCES:
        only = {k: (v if k in (source, "lux") else None) for k, v in layers.items()}
        part = before_after(place_id, fix.done_at, **common, **only)
        rows[source] = part.loc["reports_per_month"]
    by_source = pd.DataFrame(rows).T[["before", "after", "change", "n_before", "n_after"]]
    windows = (table.attrs["before"], table.attrs["after"])
    cats = full_relevance(params, fix.fix_type)
    return FollowUp(
        table=table,
        by_source=by_source.astype({"n_before": int, "n_after": int}),
        area=_area(layers, place, area_radius_m, windows, cats, params),
        before=tuple(t.to_pydatetime() for t in table.attrs["before"]),
        after=tuple(t.to_pydatetime() for t in table.attrs["after"]),
        window_days=float(table.attrs["window_days"]),
        audit_radius_m=float(audit_radius_m),
        area_radius_m=float(area_radius_m),
    )


def _area(layers, place, radius_m, windows, categories, params) -> pd.DataFrame:
    """Reports within ``radius_m`` of the place per month in the two windows."""
    parts = []
    for name, time_col in (("pins", "created_at"), ("findings", "created_at")):
        frame = layers[name]
        parts.append(frame[["category", time_col]].set_axis(["category", "at"], axis=1))
    incidents = layers["incidents"]
    parts.append(
        pd.DataFrame(
            {
                "category": incidents["type"].map(params.incident_category),
                "at": incidents["occurred_at"],
            }
        )
    )
    near = [
        shapely.dwithin(layers[n].geometry.values, place, radius_m)
        for n in ("pins", "findings", "incidents")
    ]
    reports = pd.concat([p[m] for p, m in zip(parts, near, strict=True)], ignore_index=True)
    at = pd.to_datetime(reports["at"], utc=True)
    (b0, b1), (a0, a1) = windows
    months = ((b1 - b0) / pd.Timedelta(days=1)) / DAYS_PER_MONTH
    rows = {}
    for metric, mask in (
        ("reports_per_month", pd.Series(True, index=reports.index)),
        ("relevant_reports_per_month", reports["category"].isin(categories)),
    ):
        n_before = int((mask & (at >= b0) & (at < b1)).sum())
        n_after = int((mask & (at >= a0) & (at < a1)).sum())
        rows[metric] = {
            "before": n_before / months,
            "after": n_after / months,
            "change": (n_after - n_before) / months,
            "n_before": n_before,
            "n_after": n_after,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _audits(fix: Fix, radius_m: float) -> pd.DataFrame:
    """Audits near the place: place_id, place_kind, audited_at, score (0–27)."""
    audits = WalkAudit.objects.filter(
        municipality=fix.municipality, geom__dwithin=(fix.geom, D(m=radius_m))
    )
    place_id = fix.segment_id or fix.green_area_id
    kind = "segment" if fix.segment_id else "green_area"
    rows = [
        {"place_id": place_id, "place_kind": kind, "audited_at": a.observed_at, "score": a.total()}
        for a in audits
    ]
    columns = ["place_id", "place_kind", "audited_at", "score"]
    return pd.DataFrame(rows, columns=columns)
