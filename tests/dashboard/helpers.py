"""Tile arithmetic and ORM reference counts shared by the dashboard tests."""

from __future__ import annotations

import math
from datetime import datetime

from django.utils import timezone

from gis.core import timeofday
from gis.dashboard.filters import INCIDENT_CATEGORY
from layers.models import Incident
from walks.models import ResidentPin, WalkFinding


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """XYZ tile containing a WGS 84 point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tiles_covering(bounds: list[float], z: int) -> list[tuple[int, int]]:
    """Every XYZ tile at zoom z over (west, south, east, north)."""
    west, south, east, north = bounds
    x0, y0 = tile_of(west, north, z)
    x1, y1 = tile_of(east, south, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def local(*args: int) -> datetime:
    """An aware datetime in the installation's time zone."""
    return timezone.make_aware(datetime(*args))


def incident_tod(occurred: datetime) -> str:
    """The time of day of an incident: its local hour, binned by the one vocabulary."""
    return timeofday.period_of_hour(timezone.localtime(occurred).hour)


def orm_reports(
    municipality,
    *,
    start=None,
    end=None,
    categories=(),
    sources=("walk", "resident", "incident"),
    times=(),
    district=None,
) -> set[tuple[str, int]]:
    """(source, id) of the reports matching the filters, computed with the ORM and Python."""
    out: set[tuple[str, int]] = set()
    for source, model, time_field in (
        ("resident", ResidentPin, "reported_at"),
        ("walk", WalkFinding, "observed_at"),
        ("incident", Incident, "occurred_at"),
    ):
        if source not in sources:
            continue
        queryset = model.objects.filter(municipality=municipality)
        if start is not None:
            queryset = queryset.filter(**{f"{time_field}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{time_field}__lt": end})
        if district is not None:
            queryset = queryset.filter(geom__intersects=district.geom)
        if source == "incident":
            for incident in queryset:
                if categories and INCIDENT_CATEGORY[incident.type] not in categories:
                    continue
                if times and incident_tod(incident.occurred_at) not in times:
                    continue
                out.add((source, incident.pk))
            continue
        if categories:
            queryset = queryset.filter(category__code__in=categories)
        if times:
            queryset = queryset.filter(when__in=times)
        out.update((source, pk) for pk in queryset.values_list("pk", flat=True))
    return out
