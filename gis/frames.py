"""The database's layers as GeoDataFrames, for notebooks and the analysis engines.

Every function returns a GeoDataFrame in the installation's metric CRS (TRYGG_SRID, metres)
with the columns the pure engines in `gis.analysis` and `gis.priority` expect. Filters are
plain keyword arguments, so a notebook can ask e.g. `pins(m, since=..., categories=["lighting"])`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypedDict, Unpack

from django.conf import settings
from django.db.models import QuerySet

from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from layers import models as layers
from walks import models as walks

gpd = lazy_module("geopandas")
pd = lazy_module("pandas")


def frame(
    queryset: QuerySet, *fields: str, rename: dict[str, str] | None = None
) -> gpd.GeoDataFrame:
    """`fields` and the `geom` of each row of `queryset` as a GeoDataFrame (storage CRS)."""
    rows = list(queryset.values(*fields, "geom"))
    geometry = gpd.GeoSeries.from_wkb(
        [bytes(row.pop("geom").wkb) for row in rows], crs=settings.TRYGG_SRID
    )
    result = gpd.GeoDataFrame(rows, columns=list(fields), geometry=geometry)
    return result.rename(columns=rename or {})


def _period(queryset: QuerySet, field: str, since: datetime | None, until: datetime | None):
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


class ReportFilters(TypedDict, total=False):
    """Filters shared by pins and findings; every one is optional."""

    since: datetime  # from this instant (inclusive)
    until: datetime  # to this instant (exclusive)
    categories: Iterable[str]  # category codes
    when: Iterable[str]  # day, evening, night
    district: int  # District id


def _reports(queryset: QuerySet, time_field: str, filters: ReportFilters) -> QuerySet:
    queryset = _period(queryset, time_field, filters.get("since"), filters.get("until"))
    if filters.get("categories"):
        queryset = queryset.filter(category__code__in=list(filters["categories"]))
    if filters.get("when"):
        queryset = queryset.filter(when__in=list(filters["when"]))
    if filters.get("district") is not None:
        district = layers.District.objects.get(pk=filters["district"])
        queryset = queryset.filter(geom__intersects=district.geom)
    return queryset


def pins(municipality: Municipality, **filters: Unpack[ReportFilters]) -> gpd.GeoDataFrame:
    """Resident pins: id, category, when, created_at, votes, status (no personal data).

    `votes` is the pin's count of distinct supporters (`ResidentPin.vote_count`: one per address
    and one per device, walks.supporters), so one person rotating device tokens cannot raise a
    pin's weight in the priority ranking.
    """
    queryset = _reports(
        walks.ResidentPin.objects.filter(municipality=municipality), "reported_at", filters
    )
    return frame(
        queryset,
        "id",
        "category__code",
        "when",
        "reported_at",
        "vote_count",
        "status",
        rename={"category__code": "category", "reported_at": "created_at", "vote_count": "votes"},
    )


def findings(municipality: Municipality, **filters: Unpack[ReportFilters]) -> gpd.GeoDataFrame:
    """Walk findings (points, lines, areas): id, walk, category, severity, when, created_at."""
    queryset = _reports(
        walks.WalkFinding.objects.filter(municipality=municipality), "observed_at", filters
    )
    return frame(
        queryset,
        "id",
        "walk_id",
        "category__code",
        "severity",
        "when",
        "observed_at",
        rename={"category__code": "category", "observed_at": "created_at", "walk_id": "walk"},
    )


def incidents(
    municipality: Municipality,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    types: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Incidents: id, type, source (who reported it), occurred_at, occurred_to and severity.

    `occurred_at` is when it happened or the start of its span; `occurred_to` the end of the
    span ("between 22:00 and 06:00"), NaT for a moment. Both are UTC instants; the filters and
    the engines read the start. `severity` is 1 (minor) to 5 (serious), None when not judged.
    """
    queryset = _period(
        layers.Incident.objects.filter(municipality=municipality), "occurred_at", since, until
    )
    if types:
        queryset = queryset.filter(type__in=list(types))
    result = frame(
        queryset,
        "id",
        "type",
        "reported_by",
        "occurred_at",
        "occurred_to",
        "severity",
        rename={"reported_by": "source"},
    )
    # A column of moments only (every end None) would otherwise be of dtype object.
    result["occurred_to"] = pd.to_datetime(result["occurred_to"], utc=True)
    return result


def segments(municipality: Municipality, *, within=None) -> gpd.GeoDataFrame:
    """Walkable street segments: id, osm_id, u, v, highway, lit (None when untagged), length_m;
    only those that meet the geometry ``within`` (storage CRS) when one is given."""
    queryset = layers.StreetSegment.objects.filter(municipality=municipality)
    if within is not None:
        queryset = queryset.filter(geom__intersects=within)
    result = frame(
        queryset.order_by("pk"),
        "id",
        "osm_id",
        "u",
        "v",
        "name",
        "highway",
        "lit",
        "length_m",
    )
    result["lit"] = result["lit"].where(result["lit"] != "", None)
    return result


def green_areas(municipality: Municipality) -> gpd.GeoDataFrame:
    """Parks and green spaces: id, name, owner."""
    return frame(layers.GreenArea.objects.filter(municipality=municipality), "id", "name", "owner")


def lamps(municipality: Municipality) -> gpd.GeoDataFrame:
    """Street lamps: id, status (working/broken/unknown)."""
    return frame(layers.StreetLamp.objects.filter(municipality=municipality), "id", "status")


def properties(municipality: Municipality) -> gpd.GeoDataFrame:
    """Municipal properties: id, name, kind, department (MultiPolygon areas)."""
    queryset = layers.Property.objects.filter(municipality=municipality)
    return frame(queryset, "id", "name", "kind", "department")


def lux(
    municipality: Municipality, *, since: datetime | None = None, until: datetime | None = None
) -> gpd.GeoDataFrame:
    """Lux readings: id, lux, measured_at."""
    queryset = _period(
        layers.LuxReading.objects.filter(municipality=municipality), "measured_at", since, until
    )
    return frame(queryset, "id", "lux", "measured_at")


def vegetation(municipality: Municipality) -> gpd.GeoDataFrame:
    """Trees, scrub and hedges: id, kind, height_m (NaN when unknown), blocks_sightline."""
    result = frame(
        layers.Vegetation.objects.filter(municipality=municipality),
        "id",
        "kind",
        "height_m",
        "blocks_sightline",
    )
    result["height_m"] = result["height_m"].astype(float)
    return result


def cameras(municipality: Municipality) -> gpd.GeoDataFrame:
    """Cameras: id, direction_deg (NaN = all round), fov_deg, range_m."""
    result = frame(
        layers.Camera.objects.filter(municipality=municipality),
        "id",
        "direction_deg",
        "fov_deg",
        "range_m",
    )
    result["direction_deg"] = result["direction_deg"].astype(float)
    return result


def districts(municipality: Municipality) -> gpd.GeoDataFrame:
    """Districts: id, name."""
    return frame(layers.District.objects.filter(municipality=municipality), "id", "name")
