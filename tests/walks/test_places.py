"""The street search of the report form (/api/field/places/) and the municipality the report
map opens on: against the demo's real street names in PostGIS."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from rest_framework.test import APIClient

from layers.models import StreetSegment
from walks.views.places import split_query


def _named_segment(demo) -> StreetSegment:
    return (
        StreetSegment.objects.filter(municipality=demo)
        .exclude(name="")
        .order_by("-length_m", "id")
        .first()
    )


def test_split_query_takes_a_trailing_house_number():
    assert split_query("Storgatan 12") == ("Storgatan", 12)
    assert split_query(" Storgatan 12b ") == ("Storgatan", 12)
    assert split_query("Storgatan") == ("Storgatan", None)
    assert split_query("E4") == ("E4", None)


def test_search_finds_a_street_of_the_demo_with_a_point_on_it(api, demo):
    segment = _named_segment(demo)
    typed = segment.name[1:6].lower()
    answer = api.get("/api/field/places/", {"q": typed, "municipality": demo.code})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert 1 <= len(results) <= 8
    assert all(typed in r["name"].lower() for r in results)
    hit = next(r for r in results if r["name"] == segment.name)
    assert hit["label"] == segment.name  # the street itself, not a path near it
    point = Point(hit["lon"], hit["lat"], srid=4326).transform(demo.boundary.srid, clone=True)
    nearest = StreetSegment.objects.filter(municipality=demo, name=segment.name)
    assert any(s.geom.distance(point) < 1.0 for s in nearest)
    assert demo.boundary.covers(point)


def test_search_answers_names_as_data(api, demo):
    answer = api.get("/api/field/places/", {"q": "<script>", "municipality": demo.code})
    assert answer.status_code == 200 and answer.json() == {"results": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"municipality": "x"}, "q"),
        ({"q": "a", "municipality": "x"}, "q"),
        ({"q": "x" * 101, "municipality": "x"}, "q"),
        ({"q": "gatan"}, "municipality"),
        ({"q": "gatan", "municipality": "no-such-place"}, "municipality"),
    ],
)
def test_bad_search_is_400_naming_the_field(api, demo, params, field):
    if params.get("municipality") == "x":
        params = {**params, "municipality": demo.code}
    answer = api.get("/api/field/places/", params)
    assert answer.status_code == 400 and field in answer.json()


def test_search_is_rate_limited(demo, settings):
    settings.TRYGG_RATE_LIMITS = {"read_ip": "1/minute"}
    client = APIClient()
    assert (
        client.get("/api/field/places/", {"q": "ga", "municipality": demo.code}).status_code == 200
    )
    refused = client.get("/api/field/places/", {"q": "ga", "municipality": demo.code})
    assert refused.status_code == 429


def _report_config(client, url="/rapportera/") -> dict:
    html = client.get(url).content.decode()
    return json.loads(
        html.split('id="report-config" type="application/json">')[1].split("</script>")[0]
    )


def test_report_opens_on_the_municipality_it_serves(client, demo):
    """Not on the bounds of every municipality in the database: a second one far away (with
    no streets) leaves the report map on the demo's streets, unless the URL names it."""
    from gis.core.models import Municipality

    west, south, east, north = demo.boundary.extent
    far_box = Polygon.from_bbox((west + 200_000, south + 200_000, east + 200_000, north + 200_000))
    far = Municipality.objects.create(
        code="far-away", name="Långt borta", boundary=MultiPolygon(far_box, srid=demo.boundary.srid)
    )
    config = _report_config(client)
    assert config["municipality"] == demo.code
    (w, s), (e, n) = config["bounds"]
    centre = Point((w + e) / 2, (s + n) / 2, srid=4326)
    assert demo.boundary.covers(centre.transform(demo.boundary.srid, clone=True))
    assert e - w < 0.5 and n - s < 0.5  # not stretched to the far municipality
    assert config["map"]["minFitZoom"] >= 15
    chosen = _report_config(client, f"/rapportera/?municipality={far.code}")
    assert chosen["municipality"] == far.code
