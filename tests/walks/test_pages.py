"""The pages: the walk app and its service worker, the report form in Swedish and English,
the tracking page, and the leader pages (create with a drawn or uploaded route, QR code,
close, summary and exports)."""

from __future__ import annotations

import io
import json

import pyogrio
import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from gis.core.models import Municipality
from tests.walks.conftest import finding_feature, route_lonlat
from walks.models import SafetyWalk


def test_walk_app_page(client, walk):
    response = client.get(f"/w/{walk.join_code}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="sv"' in html and walk.title in html
    config = json.loads(
        html.split('id="walk-config" type="application/json">')[1].split("</script>")[0]
    )
    assert config["code"] == walk.join_code
    assert config["api"]["findings"] == f"/api/walks/{walk.join_code}/findings/"
    assert config["sw"] == "/w/sw.js"
    assert "vendor/maplibre-gl/maplibre-gl.js" in html and "cdn" not in html.lower()
    assert "leaflet" not in html.lower()
    assert client.get(f"/w/{walk.join_code.lower()}/").status_code == 200


def test_walk_app_in_english(client, walk):
    response = client.get(f"/en/w/{walk.join_code}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html and "Who are you on this walk?" in html
    assert '"sw": "/en/w/sw.js"' in html


def test_unknown_walk_page_is_404(client, db):
    assert client.get("/w/ZZZZ99").status_code == 404


def test_service_worker(client, db):
    response = client.get("/w/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert "/static/vendor/maplibre-gl/maplibre-gl.js" in body and "/static/walks/outbox.js" in body
    assert response["Service-Worker-Allowed"] == "/w/"


def test_report_page_swedish_and_english(client, db):
    swedish = client.get("/rapportera/")
    assert swedish.status_code == 200
    assert "Rapportera en plats som känns otrygg" in swedish.content.decode()
    english = client.get("/en/report/")
    assert english.status_code == 200
    html = english.content.decode()
    assert "Report a place that feels unsafe" in html
    assert 'name="website"' in html  # the honeypot
    assert client.get("/report/").status_code == 404


def test_tracking_page(client, demo):
    from django.contrib.gis.geos import Point

    from walks.models import Category, ResidentPin

    pin = ResidentPin.objects.create(
        municipality=demo,
        category=Category.objects.get(code="lighting"),
        when="night",
        description="Lampan är trasig",
        geom=demo.boundary.point_on_surface,
        reported_at=timezone.now(),
        status="measure_planned",
        public_answer="Lampan byts i vecka 12.",
    )
    swedish = client.get(f"/rapportera/folj/{pin.tracking_token}/").content.decode()
    assert "Åtgärd planerad" in swedish and "Lampan byts i vecka 12." in swedish
    english = client.get(f"/en/report/track/{pin.tracking_token}/").content.decode()
    assert "Measure planned" in english and 'aria-current="step"' in english
    assert client.get("/rapportera/folj/nope/").status_code == 404
    assert Point  # imported for clarity of the fixture's geometry type


@pytest.fixture
def leader(client, db):
    user = User.objects.create_user("walk-leader-1", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="walk_leader"))
    user.municipalities.set(Municipality.objects.all())
    client.force_login(user)
    return user


def test_leader_pages_need_the_role(client, db):
    response = client.get("/walks/new/")
    assert response.status_code == 302 and "next=/walks/new/" in response["Location"]
    analyst = User.objects.create_user("analyst-1", password="pw", is_staff=True)
    analyst.groups.add(Group.objects.get(name="analyst"))
    client.force_login(analyst)
    assert client.get("/walks/new/").status_code == 403


def _create(client, demo, **extra):
    data = {
        "title": "Kvällsvandring i Kampen",
        "municipality": demo.pk,
        "starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "time_of_day": "evening",
    }
    data.update(extra)
    return client.post("/walks/new/", data)


def test_create_walk_with_a_drawn_route(client, demo, leader, walk):
    lon, lat = route_lonlat(walk)
    drawn = json.dumps(
        {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.002, lat + 0.001]]}
    )
    response = _create(client, demo, route_drawn=drawn)
    assert response.status_code == 302
    created = SafetyWalk.objects.get(title="Kvällsvandring i Kampen")
    assert response["Location"] == f"/walks/{created.join_code}/"
    assert created.route.geom_type == "LineString" and created.leader == leader
    page = client.get(response["Location"]).content.decode()
    assert created.join_code in page and "<svg" in page and f"/w/{created.join_code}" in page


def test_create_walk_from_gpx(client, demo, leader, walk):
    lon, lat = route_lonlat(walk)
    gpx = f"""<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
    <trk><trkseg><trkpt lat="{lat}" lon="{lon}"/><trkpt lat="{lat + 0.001}" lon="{lon + 0.001}"/>
    <trkpt lat="{lat + 0.002}" lon="{lon + 0.001}"/></trkseg></trk></gpx>"""
    route_file = io.BytesIO(gpx.encode())
    route_file.name = "rutt.gpx"
    assert _create(client, demo, route_file=route_file).status_code == 302
    created = SafetyWalk.objects.get(title="Kvällsvandring i Kampen")
    assert created.route.num_points == 3


def test_create_walk_from_geojson_file(client, demo, leader, walk):
    lon, lat = route_lonlat(walk)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [
                        [[lon, lat], [lon + 0.001, lat]],
                        [[lon + 0.001, lat], [lon + 0.001, lat + 0.001]],
                    ],
                },
            }
        ],
    }
    route_file = io.BytesIO(json.dumps(collection).encode())
    route_file.name = "route.geojson"
    assert _create(client, demo, route_file=route_file).status_code == 302
    assert SafetyWalk.objects.get(title="Kvällsvandring i Kampen").route.num_points == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("route.gpx", b"<gpx><broken", "GPX"),
        ("route.geojson", b'{"type": "Point", "coordinates": [24.9, 60.1]}', "no line"),
        ("route.json", b"hello", "neither GPX nor GeoJSON"),
        (
            "route.geojson",
            b'{"type": "LineString", "coordinates": [[18.07, 59.33], [18.08, 59.34]]}',
            "outside",
        ),
    ],
)
def test_bad_route_files_are_form_errors(client, demo, leader, name, content, message):
    route_file = io.BytesIO(content)
    route_file.name = name
    response = client.post(
        "/en/walks/new/",
        {
            "title": "X",
            "municipality": demo.pk,
            "starts_at": "2026-11-22T18:00",
            "time_of_day": "evening",
            "route_file": route_file,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SafetyWalk.objects.filter(title="X").exists()


def test_close_summary_and_exports(client, api, demo, leader, walk, tmp_path):
    lon, lat = route_lonlat(walk)
    url = f"/api/walks/{walk.join_code}/findings/"
    api.post(url, finding_feature(lon, lat, note="Trasig lampa"), format="json")
    line = finding_feature(lon, lat, category="vegetation")
    line["geometry"] = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.001, lat]]}
    api.post(url, line, format="json")
    response = client.post(f"/walks/{walk.join_code}/close/")
    assert response.status_code == 302
    walk.refresh_from_db()
    assert walk.status == "closed" and walk.ended_at is not None
    summary = client.get(f"/walks/{walk.join_code}/summary/").content.decode()
    assert "Mörkt eller trasig belysning" in summary and "Trasig lampa" in summary
    assert "@media print" not in summary and "export.gpkg" in summary

    geojson = client.get(f"/walks/{walk.join_code}/export.geojson")
    assert geojson["Content-Type"] == "application/geo+json"
    collection = json.loads(geojson.content)
    assert {f["geometry"]["type"] for f in collection["features"]} == {"Point", "LineString"}
    assert collection["features"][0]["geometry"]["coordinates"][0] == pytest.approx(lon, abs=1e-6)

    csv = client.get(f"/walks/{walk.join_code}/export.csv").content.decode()
    header, *rows = csv.strip().splitlines()
    assert header.split(",")[:3] == ["id", "client_uuid", "category"] and len(rows) == 2
    assert "lon" in header and "wkt" in header and "LINESTRING" in csv

    gpkg = tmp_path / "walk.gpkg"
    gpkg.write_bytes(client.get(f"/walks/{walk.join_code}/export.gpkg").content)
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"findings", "audits", "route"} <= layers
    frame = pyogrio.read_dataframe(gpkg, layer="findings")
    assert len(frame) == 2 and frame.crs.to_epsg() == walk.route.srid
    assert "device_token" not in frame.columns and "participant" not in frame.columns


def test_summary_needs_staff(client, walk):
    assert client.get(f"/walks/{walk.join_code}/summary/").status_code == 302
    assert client.get(f"/walks/{walk.join_code}/export.csv").status_code == 302
