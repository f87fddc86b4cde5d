"""The historic effect of each calendar day type on a municipality's reports and incidents.

Collects resident pins (reported), walk findings (observed) and incidents (their start) through
:mod:`gis.frames`, counts them per risk day (06:00 to 06:00, local clock) and hands the counts
and the calendar to the pure :func:`gis.analysis.calendar_effects.calendar_effects` (the method
and its limits are described there).

Measures: ``all`` (reports and incidents together), ``reports`` (pins and findings) and
``incidents``. Splits: by ``category`` (a report's category code, an incident's type) and by
``district`` (the district that holds the record).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from gis import frames
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from gis.riskcalendar.days import calendar_days
from gis.riskcalendar.models import CalendarEntry
from layers.models import Incident
from walks.models import ResidentPin, WalkFinding

engine = lazy_module("gis.analysis.calendar_effects")
gpd = lazy_module("geopandas")
pd = lazy_module("pandas")

MEASURES = ("all", "reports", "incidents")
SPLITS = ("category", "district")
CACHE_SECONDS = 3600


def records(municipality: Municipality, since: datetime | None = None):
    """Every pin, finding and incident as a GeoDataFrame of ``at`` (UTC), ``measure``
    (reports or incidents), ``category`` and geometry (storage CRS)."""
    parts = []
    for frame, measure, category in (
        (frames.pins(municipality, since=since), "reports", "category"),
        (frames.findings(municipality, since=since), "reports", "category"),
        (frames.incidents(municipality, since=since), "incidents", "type"),
    ):
        at = frame["created_at"] if "created_at" in frame else frame["occurred_at"]
        parts.append(
            gpd.GeoDataFrame(
                {
                    "at": pd.to_datetime(at, utc=True),
                    "measure": measure,
                    "category": frame[category].astype(str),
                },
                geometry=frame.geometry,
                crs=settings.TRYGG_SRID,
            )
        )
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=settings.TRYGG_SRID)


def instants(municipality: Municipality, since: datetime | None = None):
    """What :func:`records` gives without geometry (a DataFrame of ``at``, ``measure`` and
    ``category``): the counts need only the times, and the situation picture asks quickly."""
    parts = []
    for model, field, category, measure in (
        (ResidentPin, "reported_at", "category__code", "reports"),
        (WalkFinding, "observed_at", "category__code", "reports"),
        (Incident, "occurred_at", "type", "incidents"),
    ):
        queryset = model.objects.filter(municipality=municipality)
        if since is not None:
            queryset = queryset.filter(**{f"{field}__gte": since})
        rows = list(queryset.values_list(field, category))
        parts.append(
            pd.DataFrame(
                {
                    "at": pd.to_datetime([row[0] for row in rows], utc=True),
                    "measure": measure,
                    "category": [str(row[1]) for row in rows],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _with_district(municipality: Municipality, found):
    districts = frames.districts(municipality)
    if districts.empty or found.empty:
        return found.assign(district=None)
    points = found.copy()
    points["geometry"] = points.geometry.representative_point()
    joined = gpd.sjoin(points, districts[["name", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return found.assign(district=joined["name"].reindex(found.index))


def effects(
    municipality: Municipality,
    *,
    since: date | None = None,
    until: date | None = None,
    measure: str = "all",
    by: str | None = None,
) -> list[dict]:
    """The rows of :func:`~gis.analysis.calendar_effects.calendar_effects` for `municipality`
    as dicts, from `since` (default: its first record) to `until` (default: its last record,
    at most yesterday: the last whole risk day), each with ``measure`` and, when split `by`
    category or district, that key.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    if by is not None and by not in SPLITS:
        raise ValueError(f"by must be one of {', '.join(SPLITS)}, got {by!r}")
    zone = settings.TIME_ZONE
    start = None
    if since is not None:
        start = timezone.make_aware(
            datetime.combine(since, datetime.min.time()) + timedelta(hours=engine.DAY_START_HOUR)
        )
    found = records(municipality, start) if by == "district" else instants(municipality, start)
    if measure != "all":
        found = found[found["measure"] == measure]
    if found.empty:
        return []
    days = engine.risk_dates(found["at"], tz=zone)
    last_whole = timezone.localtime().date() - timedelta(days=1)
    known = [d for d in days if d is not None]
    first = since or min(known)
    last = min(until or max(known), last_whole)
    if last < first:
        return []
    calendar = calendar_days(municipality, first, last)
    if by == "district":
        found = _with_district(municipality, found)
    split = by and found[by].fillna("")
    counts = engine.daily_counts(days, first, last, groups=None if by is None else split)
    rows = []
    for column in counts.columns:
        if by is not None and column == "":
            continue
        table = engine.calendar_effects(counts[column], calendar)
        for row in table.to_dict("records"):
            row["measure"] = measure
            if by is not None:
                row[by] = column
            rows.append(row)
    return rows


def data_version(municipality: Municipality) -> str:
    """Changes whenever a record or calendar entry of `municipality` is added, changed or
    removed (cheap: counts and newest stamps)."""
    parts = [timezone.localtime().date().isoformat()]
    for model, stamp in (
        (ResidentPin, "updated_at"),
        (WalkFinding, "updated_at"),
        (Incident, "updated_at"),
        (CalendarEntry, "updated_at"),
    ):
        found = model.objects.filter(municipality=municipality).aggregate(
            n=Count("pk"), newest=Max(stamp), top=Max("pk")
        )
        parts.append(repr(sorted(found.items())))
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def cached_effects(municipality: Municipality, measure: str = "all") -> list[dict]:
    """:func:`effects` over the whole history, reused while the data stays the same."""
    key = f"trygg:riskcalendar:effects:{municipality.pk}:{measure}:{data_version(municipality)}"
    found = cache.get(key)
    if found is None:
        found = effects(municipality, measure=measure)
        cache.set(key, found, CACHE_SECONDS)
    return found
