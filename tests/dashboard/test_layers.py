"""Heat map (cached per filters and data version), hot spots (live Gi* or a stored run), small
GeoJSON layers, the ranked fixes and the details of anything on the map, with photos."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gis.dashboard import queries
from gis.dashboard.filters import parse_filters
from gis.hotspots.models import AnalysisRun, HotspotCell
from walks.models import Category, PinPhoto, ResidentPin

from .conftest import PASSWORD


@pytest.fixture
def staff(client, user_of):
    user = user_of("coordinator")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_heatmap_is_cached_until_the_data_change(demo):
    cache.clear()
    filters = parse_filters(QueryDict("category=lighting"))
    first = queries.heatmap(filters)
    assert first.overlay is not None and not first.cached
    again = queries.heatmap(filters)
    assert (
        again.cached and again.version == first.version and again.overlay.png == first.overlay.png
    )
    other = queries.heatmap(parse_filters(QueryDict("category=graffiti")))
    assert not other.cached  # other filters, other entry
    pin = ResidentPin.objects.filter(municipality=demo, category__code="lighting").first()
    ResidentPin.objects.create(
        municipality=demo,
        category=Category.objects.get(code="lighting"),
        when="night",
        description="new report",
        geom=pin.geom,
        reported_at=timezone.now(),
    )
    changed = queries.heatmap(filters)
    assert changed.version != first.version and not changed.cached
    assert changed.overlay.params["n_points"] == first.overlay.params["n_points"] + 1
    assert queries.heatmap(filters).cached


def test_heatmap_endpoints(staff, demo):
    data = staff.get(reverse("dashboard-api:heatmap") + "?source=resident").json()
    assert not data["empty"] and len(data["coordinates"]) == 4
    (west, north), _, (east, south), _ = data["coordinates"]
    assert 24.8 < west < east < 25.1 and 60.1 < south < north < 60.25
    assert data["legend"][-1]["value"] > data["legend"][0]["value"] > 0
    png = staff.get(data["url"])
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).mode == "RGBA"
    empty = staff.get(reverse("dashboard-api:heatmap") + "?from=2040-01-01").json()
    assert empty["empty"] is True
    assert staff.get(reverse("dashboard-api:heatmap-png") + "?from=2040-01-01").status_code == 404


def test_live_hotspots_find_the_planted_places(staff, demo):
    data = staff.get(reverse("dashboard-api:hotspots")).json()
    bins = [f["properties"]["gi_bin"] for f in data["features"]]
    assert data["source"] == "live" and bins.count(3) >= 4
    assert all(b != 0 for b in bins)
    assert data["cell_size_m"] == 100 and data["distance_m"] == 150


def test_stored_hotspots_of_the_latest_run(staff, demo):
    url = reverse("dashboard-api:hotspots") + "?run=latest"
    assert staff.get(url).status_code == 404
    run = AnalysisRun.objects.create(municipality=demo, kind="emerging")
    district = demo.district_set.first()
    HotspotCell.objects.create(
        run=run, cell_id=7, category="new hot spot", z=3.1, p=0.002, geom=district.geom[0]
    )
    data = staff.get(url).json()
    assert data["run"] == run.pk and data["features"][0]["properties"]["category"] == "new hot spot"


def test_districts_and_routes_are_geojson_in_wgs84(staff, demo):
    districts = staff.get(reverse("dashboard-api:districts")).json()
    assert {f["properties"]["name"] for f in districts["features"]} == {
        "Kamppi",
        "Kluuvi",
        "Kruununhaka",
    }
    routes = staff.get(reverse("dashboard-api:routes")).json()["features"]
    lon, lat = routes[0]["geometry"]["coordinates"][0]
    assert 24.8 < lon < 25.1 and 60.1 < lat < 60.25
    recent = staff.get(reverse("dashboard-api:routes") + "?from=2026-06-01").json()["features"]
    assert 0 < len(recent) < len(routes)


def test_ranked_fixes_by_department_with_reasons(staff, demo, fixes):
    data = staff.get(reverse("dashboard-api:fixes") + "?department=parks").json()
    ranks = [f["properties"]["rank"] for f in data["features"]]
    assert ranks == sorted(ranks) and len(ranks) == 2
    assert {f["properties"]["department"] for f in data["features"]} == {"parks"}
    every = staff.get(reverse("dashboard-api:fixes")).json()
    assert every["total"] == len(every["features"]) >= 7
    first = every["features"][0]["properties"]
    assert first["bbox"][0] <= first["center"][0] <= first["bbox"][2]
    detail = staff.get(reverse("dashboard-api:fix", args=[fixes[0].pk])).json()
    assert detail["evidence"] and any("12" in line for line in detail["evidence"])
    assert detail["next_statuses"] == ["planned", "rejected"] and detail["can_change"]


def close_file(response) -> None:
    """Close a streamed file response the way Django's test client does: without letting
    request_finished close the test's database connection."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_pin_details_with_photos_history_and_contact(staff, demo):
    pin = ResidentPin.objects.filter(municipality=demo, status="feedback_given").first()
    photo = PinPhoto.objects.create(
        pin=pin,
        image=SimpleUploadedFile("p.jpg", _photo_bytes(), "image/jpeg"),
        thumbnail=SimpleUploadedFile("t.jpg", _photo_bytes(), "image/jpeg"),
    )
    data = staff.get(
        reverse("dashboard-api:feature", args=["resident", pin.pk]) + "?lang=en"
    ).json()
    assert data["status_label"] == "Feedback given" and data["can_triage"]
    assert data["history"][0]["to"] == "feedback_given"
    assert "contact" in data  # the coordinator sees contact details (none given here)
    for url in (data["photos"][0]["thumbnail"], data["photos"][0]["image"]):
        response = staff.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
        close_file(response)
    photo.image.delete(save=False)
    photo.thumbnail.delete(save=False)


def test_analyst_sees_no_contact_details(client, user_of, demo):
    user = user_of("analyst")
    assert client.login(username=user.username, password=PASSWORD)
    pin = ResidentPin.objects.filter(municipality=demo).first()
    data = client.get(reverse("dashboard-api:feature", args=["resident", pin.pk])).json()
    assert "contact" not in data and data["can_triage"] is False


@pytest.mark.parametrize(
    "source", ["walk", "incident", "lamp", "lux", "camera", "vegetation", "street", "route"]
)
def test_details_of_every_layer(staff, demo, source):
    from layers.models import Camera, Incident, LuxReading, StreetLamp, StreetSegment, Vegetation
    from walks.models import SafetyWalk, WalkFinding

    model = {
        "walk": WalkFinding,
        "incident": Incident,
        "lamp": StreetLamp,
        "lux": LuxReading,
        "camera": Camera,
        "vegetation": Vegetation,
        "street": StreetSegment,
        "route": SafetyWalk,
    }[source]
    obj = model.objects.filter(municipality=demo).first()
    response = staff.get(reverse("dashboard-api:feature", args=[source, obj.pk]))
    assert response.status_code == 200
    data = response.json()
    assert data["source"] == source and data["id"] == obj.pk and data["title"]


def test_unknown_features_are_404(staff, demo):
    assert (
        staff.get(reverse("dashboard-api:feature", args=["resident", 999999999])).status_code == 404
    )
    assert staff.get(reverse("dashboard-api:feature", args=["dragons", 1])).status_code == 404
    assert staff.get(reverse("dashboard-api:fix", args=[999999999])).status_code == 404
    assert (
        staff.get(reverse("dashboard-api:photo", args=["pin", 999999999, "thumb"])).status_code
        == 404
    )
