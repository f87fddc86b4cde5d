"""Vector tiles made in PostGIS decode (mapbox-vector-tile) and hold exactly the filtered
reports: one feature each when zoomed in, counted once per grid cell when zoomed out; the other
layers carry the attributes the map styles them by."""

from collections import Counter

import mapbox_vector_tile
import pytest
from django.db import connection
from django.urls import reverse

from gis.dashboard.filters import INCIDENT_CATEGORY
from gis.dashboard.queries import municipality_area
from gis.dashboard.tiles import CLUSTER_CELL, EXTENT, POINTS_FROM_ZOOM, WORLD
from layers.models import District, Incident, StreetLamp
from walks.models import Category, ResidentPin, WalkFinding

from .conftest import PASSWORD
from .helpers import local, orm_reports, tile_of, tiles_covering

Z = 14
#: Zoom levels whose report tiles are clustered.
CLUSTERED = (13, POINTS_FROM_ZOOM - 1)


@pytest.fixture
def staff(client, user_of, demo):
    user = user_of("planner")
    demo.staff.add(user)
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
    # Tile units as PostGIS writes them: origin at the top left, y down.
    return mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})


def report_features(client, z: int, x: int, y: int, query: str = "") -> list[dict]:
    return tile(client, "reports", z, x, y, query).get("reports", {"features": []})["features"]


def reports_in_tiles(client, demo, query: str = "") -> set[tuple[str, int]]:
    """(source, id) of the report features of every zoomed-in tile over the demo."""
    found = set()
    for x, y in tiles_covering(demo_bounds(demo), POINTS_FROM_ZOOM):
        for feature in report_features(client, POINTS_FROM_ZOOM, x, y, query):
            assert "count" not in feature["properties"]
            found.add((feature["properties"]["source"], feature["properties"]["id"]))
    return found


def counted(features: list[dict]) -> Counter:
    """Point reports per source in zoomed-out features: clusters' counts plus single points."""
    out: Counter = Counter()
    for feature in features:
        props = feature["properties"]
        if "count" in props:
            parts = {"resident": props["residents"], "walk": props["findings"]}
            parts["incident"] = props["incidents"]
            assert props["count"] == sum(parts.values()) and props["count"] > 1
            out.update(parts)
        elif feature["geometry"]["type"] == "Point":
            out[props["source"]] += 1
    return +out


_CATEGORY_OF = f"(SELECT c.code FROM {Category._meta.db_table} c WHERE c.id = i.category_id)"
#: Per source: its table, and SQL of its category (incidents: their type) and severity.
_PLAIN = {
    "resident": (ResidentPin._meta.db_table, _CATEGORY_OF, "NULL"),
    "walk": (WalkFinding._meta.db_table, _CATEGORY_OF, "i.severity"),
    "incident": (Incident._meta.db_table, "i.type", "NULL"),
}


def points_in_box(box_sql: str, box_params: list, reports: set[tuple[str, int]]) -> list:
    """(source, category, severity) of the point reports among `reports` ((source, id) pairs)
    inside a Web Mercator box, in plain SQL."""
    rows = []
    for source, (table, category, severity) in _PLAIN.items():
        ids = [pk for s, pk in reports if s == source]
        sql = (
            f"SELECT {category}, {severity} FROM {table} i WHERE i.id = ANY(%s) "
            "AND GeometryType(i.geom) = 'POINT' "
            f"AND ST_Intersects(ST_Transform(i.geom, 3857), {box_sql})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [ids, *box_params])
            for code, sev in cursor.fetchall():
                rows.append(
                    (source, INCIDENT_CATEGORY[code] if source == "incident" else code, sev)
                )
    return rows


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


def findings(demo, *, points: bool, min_severity: int = 1) -> set[tuple[str, int]]:
    """(source, id) of the demo's walk findings that are points (or lines and areas)."""
    queryset = WalkFinding.objects.filter(municipality=demo, severity__gte=min_severity)
    return {("walk", f.pk) for f in queryset if (f.geom.geom_type == "Point") == points}


def cell_box(z: int, x: int, y: int, px: float, py: float) -> list[float]:
    """West, south, east, north (EPSG:3857) of the grid cell holding tile position (px, py)."""
    unit = WORLD / 2**z / EXTENT  # metres per tile unit
    west = -WORLD / 2 + (x * EXTENT + px // CLUSTER_CELL * CLUSTER_CELL) * unit
    north = WORLD / 2 - (y * EXTENT + py // CLUSTER_CELL * CLUSTER_CELL) * unit
    return [west, north - CLUSTER_CELL * unit, west + CLUSTER_CELL * unit, north]


@pytest.mark.parametrize("z", CLUSTERED)
def test_zoomed_out_tiles_count_every_report_once(staff, demo, z):
    expected = orm_reports(demo) - findings(demo, points=False)
    total: Counter = Counter()
    for x, y in tiles_covering(demo_bounds(demo), z):
        total += counted(report_features(staff, z, x, y))
    assert total == Counter(source for source, _ in expected)


def test_a_zoomed_out_tile_counts_the_filtered_reports_inside_it(staff, demo):
    categories = ("lighting", "gathering", "vegetation")
    query = f"category={','.join(categories)}&when=evening,night&from=2025-06-01"
    expected = orm_reports(
        demo, start=local(2025, 6, 1), categories=categories, times=("evening", "night")
    )
    z, clusters, seen = CLUSTERED[-1], 0, Counter()
    for x, y in tiles_covering(demo_bounds(demo), z):
        features = report_features(staff, z, x, y, query)
        assert {f["properties"]["category"] for f in features} <= set(categories)
        inside = points_in_box("ST_TileEnvelope(%s, %s, %s)", [z, x, y], expected)
        assert counted(features) == Counter(source for source, _, _ in inside)
        clusters += sum(1 for f in features if "count" in f["properties"])
        seen += counted(features)
    assert clusters > 5 and sum(seen.values()) > 100


def test_a_cluster_carries_its_cells_counts_category_and_severity(staff, demo):
    expected, z, checked = orm_reports(demo), CLUSTERED[0], 0
    for x, y in tiles_covering(demo_bounds(demo), z):
        clusters = [f for f in report_features(staff, z, x, y) if "count" in f["properties"]]
        for feature in sorted(clusters, key=lambda f: -f["properties"]["count"])[:4]:
            # A cluster sits at the mean of its reports, so inside its cell; skip one rounded
            # onto a cell's edge, whose cell is ambiguous.
            px, py = feature["geometry"]["coordinates"]
            if min(v % CLUSTER_CELL for v in (px, py, -px, -py)) < 2:
                continue
            box = cell_box(z, x, y, px, py)
            rows = points_in_box("ST_MakeEnvelope(%s, %s, %s, %s, 3857)", box, expected)
            props = feature["properties"]
            by_source = Counter(source for source, _, _ in rows)
            assert props["count"] == len(rows)
            assert props["residents"] == by_source["resident"]
            assert props["findings"] == by_source["walk"]
            assert props["incidents"] == by_source["incident"]
            by_category = Counter(code for _, code, _ in rows)
            top = max(by_category.values())
            assert props["category"] == min(c for c, n in by_category.items() if n == top)
            severities = [severity for source, _, severity in rows if source == "walk"]
            assert props.get("severity") == (max(severities) if severities else None)
            assert "id" not in props and "source" not in props
            checked += 1
    assert checked >= 4


def test_zoomed_out_lines_and_areas_stay_single_features(staff, demo):
    shapes, found, z = findings(demo, points=False), set(), CLUSTERED[0]
    assert shapes
    for x, y in tiles_covering(demo_bounds(demo), z):
        for feature in report_features(staff, z, x, y):
            if feature["geometry"]["type"] != "Point":
                found.add((feature["properties"]["source"], feature["properties"]["id"]))
    assert found == shapes


def test_zoomed_out_tiles_apply_severity_before_counting(staff, demo):
    expected, total, z = findings(demo, points=True, min_severity=4), Counter(), CLUSTERED[0]
    for x, y in tiles_covering(demo_bounds(demo), z):
        features = report_features(staff, z, x, y, "severity=4,5")
        assert all(f["properties"]["severity"] >= 4 for f in features)
        total += counted(features)
    assert expected and total == Counter({"walk": len(expected)})


def test_report_features_carry_what_the_map_styles_by(staff, demo):
    bounds = demo_bounds(demo)
    centre = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    features = report_features(staff, POINTS_FROM_ZOOM, *tile_of(*centre, POINTS_FROM_ZOOM))
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


def test_tiles_are_private_and_revalidate_by_etag(staff, demo):
    bounds = demo_bounds(demo)
    x, y = tile_of((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, Z)
    url = f"/api/dashboard/tiles/reports/{Z}/{x}/{y}.pbf?municipality={demo.code}"
    first = staff.get(url)
    assert first.status_code == 200 and first.content
    assert first["Cache-Control"] == "private, max-age=60"
    again = staff.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "private" in again["Cache-Control"]
    other = staff.get(url + "&category=lighting", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other.status_code == 200 and other["ETag"] != first["ETag"]


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
