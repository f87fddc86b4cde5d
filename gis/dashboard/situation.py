"""The situation picture (lägesbild): what was reported in a period and district against the
previous period of the same length, new and persisting hot spots, the top fixes per department
and the follow-up of completed fixes. Exported as CSV and GeoJSON as well as shown as a page.

The period's newest incidents are listed with their time, a moment or a span ("12 mars 2026
22:00–06:00", :mod:`gis.core.timespan`); an incident belongs to the period of its start.

The period defaults to the last ``TRYGG_SITUATION_PERIOD_DAYS`` days (14). Hot spots are the
Gi* cells significant at ``HOT_BIN`` (95 %) or more in each period (see
:mod:`gis.dashboard.overlay`). The follow-up of a completed fix is the one of its fix page
(:func:`gis.fixes.followup.fix_followup`: reports per month at the place before and after
``done_at`` over equal windows, as of the end of the period).

Places carry the names people use (:mod:`layers.naming`): each fix its ``headline`` ("Add
lighting: Gångväg vid Töölönlahden puisto"), each hot-spot cell a ``place`` named from the
nearest street segment to its centre; ids stay in the exports' own columns.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gis.core import csvsafe
from gis.core.colours import safe_hex
from gis.core.dbrouter import read_cursor
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from gis.core.partners import Partner
from gis.core.vocabulary import Department
from gis.dashboard import (
    conf,
    incidents,
    situation_calendar,
    situation_measures,
    situation_presence,
)
from gis.dashboard.filters import NO_PARTNER, SOURCES, Filters, reports_sql
from gis.dashboard.property_counts import PropertyRow, by_property
from gis.dashboard.queries import data_version, hotspot_frame
from gis.fixes import explain
from gis.fixes.models import PROPERTY_FIX_TYPES, Fix
from layers import naming
from layers.models import District
from walks.models import Category

shapely = lazy_module("shapely")

HOT_BIN = 2
COMPLETED_LOOKBACK_DAYS = 365
TOP_FIXES = 5
SITUATION_CACHE_SECONDS = 600


def period_days() -> int:
    """The rhythm of the situation picture in days (setting TRYGG_SITUATION_PERIOD_DAYS)."""
    return int(conf.number("TRYGG_SITUATION_PERIOD_DAYS"))


def source_labels() -> dict[str, str]:
    """Source codes and their names in the active language."""
    return {"walk": _("Safety walks"), "resident": _("Resident pins"), "incident": _("Incidents")}


@dataclass
class Row:
    """One line of a comparison: a key, its label and the counts of both periods."""

    key: str
    label: str
    current: int
    previous: int
    colour: str = "#888888"

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_pct(self) -> float | None:
        return None if self.previous == 0 else 100.0 * self.change / self.previous


@dataclass
class FollowUp:
    """A completed fix and its before/after figures (reports per month at its place)."""

    fix: Fix
    before_per_month: float | None
    after_per_month: float | None
    night_before_per_month: float | None
    night_after_per_month: float | None
    window_days: float


@dataclass
class Situation:
    """Everything the situation picture shows; geometry in the storage CRS."""

    municipality: Municipality
    district: District | None
    filters: Filters
    previous: Filters
    by_category: list[Row]
    by_source: list[Row]
    total: Row
    hot_new: object  # GeoDataFrame of cells, with their `place`
    hot_persisting: object
    hot_ended: object
    top_fixes: dict[str, list[Fix]]  # each fix with its `headline`
    completed: list[FollowUp]
    incidents: list = field(default_factory=list)  # the newest Incidents, with their `place`
    generated_at: datetime = field(default_factory=timezone.now)
    # The municipal properties with most reports on or next to them (gis.dashboard.property_counts).
    by_property: list[PropertyRow] = field(default_factory=list)
    by_partner: list[Row] = field(default_factory=list)  # incidents: own, then each partner
    risk_days: list = field(default_factory=list)  # the coming weeks' (situation_calendar)
    measures: list = field(default_factory=list)  # presence measures (situation_measures)

    @property
    def start(self) -> datetime:
        return self.filters.start

    @property
    def end(self) -> datetime:
        return self.filters.end

    @property
    def last_day(self) -> datetime:
        """The last instant of the period (its end is exclusive)."""
        return self.filters.end - timedelta(microseconds=1)


def previous_period(filters: Filters) -> Filters:
    """The same filters over the period of equal length just before."""
    length = filters.end - filters.start
    return filters.with_period(filters.start - length, filters.start)


def _comparison(filters: Filters, previous: Filters) -> dict[tuple[str, str], tuple[int, int]]:
    both = filters.with_period(previous.start, filters.end)
    rows_sql, params = reports_sql(both)
    sql = (
        "SELECT source, category, count(*) FILTER (WHERE at >= %s), "
        f"count(*) FILTER (WHERE at < %s) FROM ({rows_sql}) r GROUP BY 1, 2"
    )
    with read_cursor() as cursor:
        cursor.execute(sql, [filters.start, filters.start, *params])
        return {(s, c): (cur, prev) for s, c, cur, prev in cursor.fetchall()}


def _by_partner(filters: Filters, previous: Filters) -> list[Row]:
    """Incidents of both periods by who reported them: the municipality's own (no partner)
    first, then each EST partner of the municipality by name (also those with none)."""
    if "incident" not in filters.active_sources():
        return []
    both = replace(filters.with_period(previous.start, filters.end), sources=("incident",))
    rows_sql, params = reports_sql(both)
    sql = (
        "SELECT partner, count(*) FILTER (WHERE at >= %s), "
        f"count(*) FILTER (WHERE at < %s) FROM ({rows_sql}) r GROUP BY 1"
    )
    with read_cursor() as cursor:
        cursor.execute(sql, [filters.start, filters.start, *params])
        counted = {partner: (cur, prev) for partner, cur, prev in cursor.fetchall()}
    own = counted.get(None, (0, 0))
    rows = [Row(NO_PARTNER, _("The municipality's own"), *own)]
    partners = Partner.objects.filter(municipality_id=filters.municipality_id).order_by("name")
    if filters.partners:
        partners = partners.filter(pk__in=[int(p) for p in filters.partners if p != NO_PARTNER])
        if NO_PARTNER not in filters.partners:
            rows = []
    rows += [Row(str(p.pk), p.name, *counted.get(p.pk, (0, 0))) for p in partners]
    return rows


def _hot(filters: Filters):
    frame = hotspot_frame(filters)
    return frame[frame["gi_bin"] >= HOT_BIN]


def _named_cells(municipality_id: int, *frames) -> list:
    """The cell frames, each with a `place` column: the name of the place at the cell's centre
    (see :func:`layers.naming.names_at`; the frames are in the storage CRS)."""
    centres = [(c.x, c.y) for frame in frames for c in frame.geometry.centroid]
    names = iter(naming.names_at(municipality_id, centres))
    return [frame.assign(place=[next(names) for _ in range(len(frame))]) for frame in frames]


def _with_headlines(fixes: list[Fix]) -> list[Fix]:
    """The fixes, each given its `headline` in the active language (what to do where)."""
    for fix in fixes:
        fix.headline = explain.headline(fix)
    return fixes


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _followup(fix: Fix, end: datetime) -> FollowUp:
    from gis.fixes.followup import fix_followup

    table = fix_followup(fix, as_of=min(end, timezone.now())).table
    reports, night = table.loc["reports_per_month"], table.loc["night_reports_per_month"]
    return FollowUp(
        fix=fix,
        before_per_month=_number(reports["before"]),
        after_per_month=_number(reports["after"]),
        night_before_per_month=_number(night["before"]),
        night_after_per_month=_number(night["after"]),
        window_days=float(table.attrs["window_days"]),
    )


def _fixes_version(municipality_id: int) -> str:
    with read_cursor() as cursor:
        cursor.execute(
            "SELECT count(*), max(id), max(status_changed_at), max(done_at), "
            f"string_agg(coalesce(rank, -1)::text || status, ',' ORDER BY id) "
            f"FROM {Fix._meta.db_table} WHERE municipality_id = %s",
            [municipality_id],
        )
        row = cursor.fetchone()
    return hashlib.sha1(repr(row).encode()).hexdigest()[:16]


def cached_situation(filters: Filters) -> Situation:
    """:func:`build_situation`, reused while neither the reports nor the fixes change.

    The page, its map image and its downloads ask for the same picture one after the other.
    """
    key = ":".join(
        (
            "trygg:situation",
            filters.key(),
            data_version(filters.municipality_id),
            _fixes_version(filters.municipality_id),
            situation_measures.version(filters.municipality_id),
            get_language() or "",
        )
    )
    found = cache.get(key)
    if found is None:
        found = build_situation(filters)
        cache.set(key, found, SITUATION_CACHE_SECONDS)
    return found


def build_situation(filters: Filters) -> Situation:
    """Compute the situation picture for the period and district of `filters`.

    Parameters
    ----------
    filters : Filters
        With `start` and `end` set (see ``parse_filters(default_days=period_days())``); the
        other filters (category, source, ...) apply to every count.

    Returns
    -------
    Situation
    """
    if filters.start is None or filters.end is None:
        raise ValueError("filters must have a period (from and to), got an open period")
    municipality = Municipality.objects.get(pk=filters.municipality_id)
    district = District.objects.get(pk=filters.district_id) if filters.district_id else None
    previous = previous_period(filters)
    counted = _comparison(filters, previous)

    categories = list(Category.objects.all())
    by_category = []
    for category in categories:
        cur = sum(v[0] for (s, c), v in counted.items() if c == category.code)
        prev = sum(v[1] for (s, c), v in counted.items() if c == category.code)
        # Stored colours may hold anything (old rows): only hex colours reach page and figures.
        by_category.append(Row(category.code, category.name, cur, prev, safe_hex(category.colour)))
    labels = source_labels()
    by_source = [
        Row(
            s,
            labels[s],
            sum(v[0] for (src, _c), v in counted.items() if src == s),
            sum(v[1] for (src, _c), v in counted.items() if src == s),
        )
        for s in SOURCES
    ]
    total = Row(
        "total",
        _("All reports"),
        sum(v[0] for v in counted.values()),
        sum(v[1] for v in counted.values()),
    )

    now_hot, before_hot = _hot(filters), _hot(previous)
    before_ids = set(before_hot["cell_id"].tolist())
    now_ids = set(now_hot["cell_id"].tolist())
    hot_new, hot_persisting, hot_ended = _named_cells(
        municipality.pk,
        now_hot[~now_hot["cell_id"].isin(before_ids)],
        now_hot[now_hot["cell_id"].isin(before_ids)],
        before_hot[~before_hot["cell_id"].isin(now_ids)],
    )

    fixes = (
        Fix.objects.filter(municipality=municipality)
        .select_related("segment", "green_area", "property")
        .order_by("rank", "pk")
    )
    if district is not None:
        fixes = fixes.filter(geom__intersects=district.geom)
    top: dict[str, list[Fix]] = {}
    for department in Department.values:
        ranked = fixes.filter(department=department, rank__gte=1)  # 0 is no rank
        chosen = _with_headlines(list(ranked.exclude(status=Fix.Status.REJECTED)[:TOP_FIXES]))
        if chosen:
            top[department] = chosen
    end = min(filters.end, timezone.now())
    completed = fixes.filter(
        status__in=[Fix.Status.DONE, Fix.Status.VERIFIED],
        done_at__isnull=False,
        done_at__lt=end,
        done_at__gte=end - timedelta(days=COMPLETED_LOOKBACK_DAYS),
    ).exclude(fix_type__in=PROPERTY_FIX_TYPES)  # no street or park to follow up (yet)
    completed = completed.order_by("-done_at")
    followups = [_followup(fix, end) for fix in _with_headlines(list(completed))]
    return Situation(
        municipality=municipality,
        district=district,
        filters=filters,
        previous=previous,
        by_category=by_category,
        by_source=by_source,
        total=total,
        hot_new=hot_new,
        hot_persisting=hot_persisting,
        hot_ended=hot_ended,
        top_fixes=top,
        completed=followups,
        incidents=incidents.latest(filters),
        by_property=by_property(filters, previous),
        by_partner=_by_partner(filters, previous),
        risk_days=situation_calendar.coming_risk_days(municipality, filters.end),
        measures=situation_measures.measures(municipality, district, filters.start, filters.end),
    )


# --- exports ------------------------------------------------------------------------------


def to_csv(situation: Situation) -> str:
    """The situation picture as long-format CSV: section, key, label, metric, value.

    Written through :mod:`gis.core.csvsafe`: a name that begins like a formula is neutralised.
    """
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["section", "key", "label", "metric", "value"])
    period = [
        ("period", "current", _("This period"), "start", situation.start.isoformat()),
        ("period", "current", _("This period"), "end", situation.end.isoformat()),
        ("period", "previous", _("Previous period"), "start", situation.previous.start.isoformat()),
        ("period", "previous", _("Previous period"), "end", situation.previous.end.isoformat()),
        (
            "period",
            "district",
            _("District"),
            "name",
            situation.district.name if situation.district else "",
        ),
    ]
    writer.writerows(period)
    for section, rows in (
        ("reports_total", [situation.total]),
        ("reports_by_source", situation.by_source),
        ("reports_by_category", situation.by_category),
        ("incidents_by_partner", situation.by_partner),
    ):
        for row in rows:
            writer.writerow([section, row.key, row.label, "current", row.current])
            writer.writerow([section, row.key, row.label, "previous", row.previous])
            writer.writerow([section, row.key, row.label, "change", row.change])
    for place in situation.by_property:
        for metric in ("pins", "incidents", "findings", "current", "previous"):
            writer.writerow(
                ["reports_by_property", place.id, place.name, metric, getattr(place, metric)]
            )
    for status, frame in hot_frames(situation):
        writer.writerow(["hotspots", status, hotspot_label(status), "cells", len(frame)])
    for status, frame in hot_frames(situation):
        for row in frame.itertuples():
            for metric, value in (("reports", int(row.value)), ("z", round(float(row.z), 3))):
                writer.writerow(
                    [f"hotspot_cells_{status}", int(row.cell_id), row.place, metric, value]
                )
    for department, fixes in situation.top_fixes.items():
        for fix in fixes:
            label = fix.headline
            writer.writerow([f"top_fixes_{department}", fix.pk, label, "status", fix.status])
            writer.writerow([f"top_fixes_{department}", fix.pk, label, "score", fix.score])
    for incident in situation.incidents:
        label = incident.get_type_display()
        for metric, value in (
            ("occurred", incident.occurred_label),
            ("occurred_at", _iso(incident.occurred_at)),
            ("occurred_to", _iso(incident.occurred_to)),
            ("place", incident.place),
        ):
            writer.writerow(["incidents", incident.pk, label, metric, value])
    writer.writerows(situation_calendar.csv_rows(situation.risk_days))
    for follow in situation.completed:
        fix = follow.fix
        label = fix.headline
        writer.writerow(["completed_fixes", fix.pk, label, "done_at", fix.done_at.isoformat()])
        for metric in (
            "before_per_month",
            "after_per_month",
            "night_before_per_month",
            "night_after_per_month",
            "window_days",
        ):
            value = getattr(follow, metric)
            writer.writerow(
                ["completed_fixes", fix.pk, label, metric, "" if value is None else round(value, 3)]
            )
    writer.writerows(situation_presence.csv_rows(situation))
    writer.writerows(situation_measures.csv_rows(situation.measures))
    return out.getvalue()


def _iso(instant: datetime | None) -> str:
    return instant.isoformat() if instant else ""


def hot_frames(situation: Situation) -> list[tuple[str, object]]:
    """The hot-spot cells of the picture by change: new, persisting, ended."""
    return [
        ("new", situation.hot_new),
        ("persisting", situation.hot_persisting),
        ("ended", situation.hot_ended),
    ]


def hotspot_label(status: str) -> str:
    """The name of a hot-spot change in the active language."""
    return {
        "new": _("New hot spot"),
        "persisting": _("Persisting hot spot"),
        "ended": _("No longer a hot spot"),
    }[status]


def to_geojson(situation: Situation, reports: list[dict]) -> dict:
    """Hot-spot cells, fixes and the period's reports as a GeoJSON FeatureCollection (WGS 84).

    Parameters
    ----------
    situation : Situation
    reports : list of dict
        GeoJSON features of the period's reports (see :func:`period_reports`).
    """
    features = []
    for status, frame in hot_frames(situation):
        if len(frame):
            for row in frame.to_crs(4326).itertuples():
                features.append(
                    {
                        "type": "Feature",
                        "geometry": shapely.geometry.mapping(row.geometry),
                        "properties": {
                            "layer": "hotspot",
                            "status": status,
                            "cell": int(row.cell_id),
                            "place": row.place,
                            "count": int(row.value),
                            "z": round(float(row.z), 3),
                            "gi_bin": int(row.gi_bin),
                        },
                    }
                )
    seen = set()
    fixes = [f for fixes in situation.top_fixes.values() for f in fixes]
    fixes += [follow.fix for follow in situation.completed]
    for fix in fixes:
        if fix.pk in seen:
            continue
        seen.add(fix.pk)
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(fix.geom.transform(4326, clone=True).geojson),
                "properties": {
                    "layer": "fix",
                    "id": fix.pk,
                    "headline": fix.headline,
                    "place_kind": explain.place_kind(fix),
                    "place_id": explain.place_id(fix),
                    "place_name": explain.place_label(fix),
                    "rank": explain.rank(fix),
                    "fix_type": fix.fix_type,
                    "department": fix.department,
                    "status": fix.status,
                    "score": fix.score,
                    "done_at": fix.done_at.isoformat() if fix.done_at else None,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features + reports,
        "period": {"start": situation.start.isoformat(), "end": situation.end.isoformat()},
    }


def period_reports(filters: Filters) -> list[dict]:
    """The reports of the period as GeoJSON features (WGS 84), without personal data.

    ``at`` is when a report was made, observed or occurred (an incident's start);
    ``occurred_to`` the end of an incident's span, null for a moment and for other reports.
    """
    rows_sql, params = reports_sql(filters)
    sql = (
        "SELECT source, id, category, severity, tod, status, at, "
        f"ST_AsGeoJSON(ST_Transform(geom, 4326), 6) FROM ({rows_sql}) r ORDER BY at"
    )
    with read_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ends = incidents.span_ends(pk for source, pk, *_rest in rows if source == "incident")
    return [
        {
            "type": "Feature",
            "geometry": json.loads(geometry),
            "properties": {
                "layer": "report",
                "source": source,
                "id": pk,
                "category": category,
                "severity": severity,
                "when": tod,
                "status": status,
                "at": at.isoformat(),
                "occurred_to": ends.get(pk) if source == "incident" else None,
            },
        }
        for source, pk, category, severity, tod, status, at, geometry in rows
    ]


def map_layers(situation: Situation):
    """The geometry the situation map draws (see :func:`gis.dashboard.charts.map_png`)."""
    from gis.dashboard.charts import MapLayers
    from layers.models import StreetSegment

    if situation.district is not None:
        areas = [(situation.district.name, shapely.from_wkb(bytes(situation.district.geom.wkb)))]
        extent = tuple(areas[0][1].bounds)
    else:
        areas = [
            (d.name, shapely.from_wkb(bytes(d.geom.wkb)))
            for d in District.objects.filter(municipality=situation.municipality)
        ]
        extent = tuple(shapely.from_wkb(bytes(situation.municipality.boundary.wkb)).bounds)
    xmin, ymin, xmax, ymax = extent
    with read_cursor() as cursor:
        cursor.execute(
            f"SELECT ST_AsBinary(geom) FROM {StreetSegment._meta.db_table} "
            "WHERE municipality_id = %s AND geom && ST_MakeEnvelope(%s, %s, %s, %s, %s)",
            [situation.municipality.pk, xmin, ymin, xmax, ymax, settings.TRYGG_SRID],
        )
        streets = shapely.from_wkb([bytes(row[0]) for row in cursor.fetchall()])
        rows_sql, params = reports_sql(situation.filters)
        cursor.execute(
            "SELECT ST_X(pt), ST_Y(pt), category FROM (SELECT ST_PointOnSurface(geom) AS pt, "
            f"category FROM ({rows_sql}) r) q",
            params,
        )
        points = cursor.fetchall()
    colours = dict(Category.objects.values_list("code", "colour"))
    fixes, seen = [], set()
    for department_fixes in situation.top_fixes.values():
        for fix in department_fixes:
            if fix.pk not in seen:
                seen.add(fix.pk)
                point = fix.geom.point_on_surface
                fixes.append((explain.rank(fix), point.x, point.y))
    return MapLayers(
        extent=extent,
        streets=list(streets),
        areas=areas,
        reports=[(x, y, safe_hex(colours.get(c))) for x, y, c in points],
        hotspots={
            "new": list(situation.hot_new.geometry),
            "persisting": list(situation.hot_persisting.geometry),
            "ended": list(situation.hot_ended.geometry),
        },
        fixes=fixes,
    )
