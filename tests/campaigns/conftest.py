"""Fixtures of the digital-walk tests: an open campaign over a district of the demo, the demo's
streets in WGS 84 to answer with, and helpers to build answers."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.dashboard.conftest import PASSWORD, make_user  # noqa: F401 (PASSWORD for logins)

# The walks tests' API client, empty rate-limit counters and temporary media folder.
from tests.walks.conftest import _fresh_limits_and_media, api  # noqa: F401

# The browser test's database access that commits (the live server sees it), cleaned up after.
from tests.walks.test_browser import committed  # noqa: F401


def make_campaign(demo, **extra):
    """An open campaign over the demo district that holds the most streets."""
    from gis.campaigns.models import Campaign
    from layers.models import District, StreetSegment

    district = extra.pop("district", None)
    if district is None:
        best = None
        for candidate in District.objects.filter(municipality=demo).order_by("id"):
            n = StreetSegment.objects.filter(municipality=demo, geom__within=candidate.geom).count()
            if best is None or n > best[0]:
                best = (n, candidate)
        district = best[1]
    today = timezone.localdate()
    values = {
        "municipality": demo,
        "title": "Digital vandring " + uuid.uuid4().hex[:6],
        "district": district,
        "starts_on": today - dt.timedelta(days=2),
        "ends_on": today + dt.timedelta(days=10),
        "intro": "Berätta var du känner dig otrygg.",
    }
    values.update(extra)
    return Campaign.objects.create(**values)


@pytest.fixture
def campaign(demo):
    return make_campaign(demo)


def streets(campaign, n: int = 3):
    """`n` street segments inside the campaign's area (storage CRS), the longest first."""
    from layers.models import StreetSegment

    return list(
        StreetSegment.objects.filter(
            municipality=campaign.municipality, geom__within=campaign.region
        ).order_by("-length_m", "id")[:n]
    )


def lonlat(geom) -> list[float]:
    point = geom.transform(4326, clone=True)
    return [round(point.x, 7), round(point.y, 7)]


def line_lonlat(line) -> list[list[float]]:
    wgs = line.transform(4326, clone=True)
    return [[round(x, 7), round(y, 7)] for x, y in wgs.coords]


def answer_body(campaign, **extra) -> dict:
    """An answer with a point, an avoided way along a street and an avoided place around it."""
    street = streets(campaign, 1)[0]
    middle = street.geom.interpolate_normalized(0.5)
    middle.srid = street.geom.srid
    ring = middle.buffer(30, quadsegs=2).transform(4326, clone=True)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "features": [
            {
                "kind": "point",
                "geometry": {"type": "Point", "coordinates": lonlat(middle)},
                "category": "lighting",
                "when": "evening",
                "comment": "Mörkt här",
            },
            {
                "kind": "avoided_way",
                "geometry": {"type": "LineString", "coordinates": line_lonlat(street.geom)},
                "when": "night",
            },
            {
                "kind": "avoided_place",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring.coords[0]]],
                },
                "comment": "Undviker parken",
            },
        ],
        "answers": {"safe_day": 4, "safe_night": 2, "why": "Mörkt", "help": "Lampor"},
    }
    body.update(extra)
    return body


def publish_all(campaign) -> None:
    from gis.campaigns.models import CampaignFeature

    CampaignFeature.objects.filter(response__campaign=campaign).update(status="published")
