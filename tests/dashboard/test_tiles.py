"""Vector tiles made in PostGIS decode (mapbox-vector-tile) and hold exactly the filtered
reports; the other layers carry the attributes the map styles them by."""

import mapbox_vector_tile
import pytest
from django.urls import reverse

from gis.dashboard.queries import municipality_area
from layers.models import District, StreetLamp

from .conftest import PASSWORD
from .helpers import local, orm_reports, tile_of, tiles_covering

Z = 14


@pytest.fixture
def staff(client, user_of):
    user = user_of("planner")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def demo_bounds(demo) -> list[float]:
    from pyproj import Transformer

    area = municipality_area(demo.pk)
    to_wgs84 = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True)
    return list(to_wgs84.transform_bounds(*area.extent))


def tile(client, layer: str, z: int, x: int, y: int, query: str = "") -> dict:
    response = client.get(f"/api/dashboard/tiles/{layer}/{z}/{x}/{y}.pbf?{query}")
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content)


def reports_in_tiles(client, demo, query: str = "") -> set[tuple[str, int]]:
    found = set()
    for x, y in tiles_covering(demo_bounds(demo), Z):
        layer = tile(client, "reports", Z, x, y, query).get("reports", {"features": []})
        for feature in layer["features"]:
            found.add((feature["properties"]["source"], feature["properties"]["id"]))
    return found


def test_the_report_tiles_hold_every_report_once_filters_are_off(staff, demo):
    expected = orm_reports(demo)
    assert len(expected) > 2500
    assert reports_in_tiles(staff, demo) == expected


def test_the_report_tiles_apply_category_source_and_period_in_sql(staff, demo):
    query = "category=lighting,gathering&source=resident,incident&from=2025-06-01&to=2025-12-31"
    expected = orm_reports(
        demo,
        start=local(2025, 6, 1),
        end=local(2026, 1, 1),
        categories=("lighting", "gathering"),
        sources=("resident", "incident"),
    )
    found = reports_in_tiles(staff, demo, query)
    assert 50 < len(found) < 1000
    assert found == expected


def test_the_report_tiles_apply_district_and_time_of_day(staff, demo):
    district = District.objects.filter(municipality=demo).order_by("name").first()
    query = f"district={district.pk}&when=night"
    expected = orm_reports(demo, district=district, times=("night",))
    found = reports_in_tiles(staff, demo, query)
    assert len(found) > 20 and found == expected


def test_severity_keeps_findings_and_status_keeps_pins(staff, demo):
    severe = reports_in_tiles(staff, demo, "severity=4,5")
    assert severe and {source for source, _ in severe} == {"walk"}
    received = reports_in_tiles(staff, demo, "status=received")
    assert received and {source for source, _ in received} == {"resident"}
    assert reports_in_tiles(staff, demo, "severity=5&status=received") == set()


def test_report_features_carry_what_the_map_styles_by(staff, demo):
    bounds = demo_bounds(demo)
    x, y = tile_of((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, Z)
    features = tile(staff, "reports", Z, x, y)["reports"]["features"]
    props = features[0]["properties"]
    assert {"source", "id", "category", "when"} <= set(props)
    findings = [f for f in features if f["properties"]["source"] == "walk"]
    assert all(1 <= f["properties"]["severity"] <= 5 for f in findings)
    pins = [f for f in features if f["properties"]["source"] == "resident"]
    assert all(f["properties"]["status"] for f in pins)


def test_other_layers_decode_with_their_attributes(staff, demo):
    bounds = demo_bounds(demo)
    lamps, statuses, cameras, viewsheds, streets = set(), set(), 0, 0, set()
    for x, y in tiles_covering(bounds, Z):
        for feature in tile(staff, "lamps", Z, x, y).get("lamps", {"features": []})["features"]:
            lamps.add(feature["properties"]["id"])
            statuses.add(feature["properties"]["status"])
        decoded = tile(staff, "cameras", Z, x, y)
        cameras += len(decoded.get("cameras", {"features": []})["features"])
        viewsheds += len(decoded.get("viewsheds", {"features": []})["features"])
        for feature in tile(staff, "streets", Z, x, y).get("streets", {"features": []})["features"]:
            streets.add(feature["properties"]["lighting"])
    assert lamps == set(StreetLamp.objects.filter(municipality=demo).values_list("pk", flat=True))
    assert statuses == set(
        StreetLamp.objects.filter(municipality=demo).values_list("status", flat=True)
    )
    assert "broken" in statuses
    assert cameras >= 221 and viewsheds > 0
    assert streets == {"lit", "unlit", "unknown"}


@pytest.mark.parametrize(
    ("path", "field"),
    [("reports/30/1/1", "z"), ("reports/3/8/1", "x"), ("reports/3/1/9", "y")],
)
def test_tile_coordinates_out_of_range_are_400(staff, demo, path, field):
    response = staff.get(f"/api/dashboard/tiles/{path}.pbf")
    assert response.status_code == 400 and field in response.json()


def test_an_unknown_tile_layer_is_404(staff, demo):
    assert staff.get("/api/dashboard/tiles/unicorns/14/1/1.pbf").status_code == 404


def test_counts_match_the_orm(staff, demo):
    query = "from=2026-01-01&category=vegetation,lighting&when=evening,night"
    data = staff.get(reverse("dashboard-api:counts") + "?" + query).json()
    expected = orm_reports(
        demo,
        start=local(2026, 1, 1),
        categories=("vegetation", "lighting"),
        times=("evening", "night"),
    )
    assert data["total"] == len(expected)
    for source in ("walk", "resident", "incident"):
        assert data["source"].get(source, 0) == sum(1 for s, _ in expected if s == source)
    assert set(data["category"]) <= {"vegetation", "lighting"}
    assert set(data["when"]) <= {"evening", "night"}
    assert sum(data["category"].values()) == data["total"]
