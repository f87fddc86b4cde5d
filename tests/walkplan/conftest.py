"""Fixtures of the walk-planning tests: the demo's street network as shapely lines, a district
of the demo with unresolved reports, and staff users."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import PASSWORD, make_user  # noqa: F401 (PASSWORD for logins)

#: A demo district with many unresolved reports.
DISTRICT = "Kamppi"


@pytest.fixture
def district(demo):
    from layers.models import District

    return District.objects.get(municipality=demo, name=DISTRICT)


def street_lines(municipality):
    """The municipality's walkable segments as one shapely MultiLineString (metric)."""
    import shapely

    from gis import frames

    return shapely.MultiLineString(list(frames.segments(municipality).geometry.values))


def lonlat_of(point) -> list[float]:
    wgs = point.transform(4326, clone=True)
    return [round(wgs.x, 7), round(wgs.y, 7)]
