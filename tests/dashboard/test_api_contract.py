"""What the dashboard's API answers, key by key (in order) and type by type: the contract that
the dashboard's scripts read, kept when the answers became serializers. Geometry is GeoJSON in
WGS 84; instants are ISO 8601 in UTC (``+00:00``)."""

import pytest
from django.urls import reverse

from gis.fixes import workflow
from gis.hotspots.models import AnalysisRun, HotspotCell
from walks.models import ResidentPin

from .conftest import PASSWORD

NULL = type(None)
HISTORY = {"from": str, "to": str, "by": str, "at": str, "note": str}
FIX = {
    "id": int,
    "rank": (int, NULL),
    "headline": str,
    "why": str,
    "fix_type": str,
    "label": str,
    "department": str,
    "department_label": str,
    "status": str,
    "status_label": str,
    "score": float,
    "cost_class": int,
    "explanation": str,
    "done_at": (str, NULL),
    "center": list,
    "bbox": list,
    "can_change": bool,
    "next_statuses": list,
}
FIX_DETAIL = {
    **FIX,
    "evidence": list,
    "page": str,
    "reasons": list,
    "answer": str,
    "pins": int,
    "history": [HISTORY],
}
PHOTO = {"thumbnail": str, "image": str}
PIN = {
    "source": str,
    "id": int,
    "title": str,
    "category": str,
    "category_name": str,
    "when": str,
    "when_label": str,
    "status": str,
    "status_label": str,
    "description": str,
    "public_answer": str,
    "reported_at": str,
    "votes": int,
    "district": str,
    "department": str,
    "routed_to": str,
    "property": str,
    "photos": [PHOTO],
    "fixes": [{"id": int, "rank": (int, NULL), "label": str}],
    "history": [HISTORY],
    "lonlat": [float],
    "can_triage": bool,
}
FEATURES = {
    "walk": {
        "source": str,
        "id": int,
        "title": str,
        "category": str,
        "category_name": str,
        "severity": int,
        "when": str,
        "when_label": str,
        "note": str,
        "author_role": str,
        "observed_at": str,
        "walk": {"id": int, "title": str, "date": str},
        "photos": list,
        "lonlat": [float],
    },
    "incident": {
        "source": str,
        "id": int,
        "title": str,
        "type": str,
        "category": str,
        "category_name": str,
        "reported_by": str,
        "occurred_at": str,
        "occurred_to": (str, NULL),
        "occurred_label": str,
        "description": (str, NULL),
        "partner": (str, NULL),
        "severity": (int, NULL),
        "young_people_met": (int, NULL),
        "property": str,
        "lonlat": [float],
    },
    "lamp": {
        "source": str,
        "id": int,
        "title": str,
        "status": str,
        "status_label": str,
        "status_checked_at": (str, NULL),
        "lonlat": [float],
    },
    "lux": {
        "source": str,
        "id": int,
        "title": str,
        "lux": float,
        "measured_at": str,
        "measured_by": str,
        "lonlat": [float],
    },
    "camera": {
        "source": str,
        "id": int,
        "title": str,
        "operator": str,
        "permit": str,
        "direction_deg": (float, NULL),
        "fov_deg": float,
        "range_m": float,
        "lonlat": [float],
    },
    "vegetation": {
        "source": str,
        "id": int,
        "title": str,
        "kind": str,
        "height_m": (float, NULL),
        "blocks_sightline": bool,
        "lonlat": [float],
    },
    "street": {
        "source": str,
        "id": int,
        "title": str,
        "highway": str,
        "lit": str,
        "lit_label": str,
        "length_m": float,
        "lonlat": [float],
    },
    "route": {
        "source": str,
        "id": int,
        "title": str,
        "date": str,
        "time_of_day": str,
        "status_label": str,
        "district": str,
        "findings": int,
        "lonlat": ([float], NULL),
    },
}


def assert_shape(value, expected, where: str = "answer") -> None:
    """`value` has `expected`'s keys in its order and its types: a dict of keys, a one-item
    list for "a list of these", a type or a tuple of options (types or shapes)."""
    if isinstance(expected, tuple):
        errors = []
        for option in expected:
            try:
                assert_shape(value, option, where)
                return
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(f"{where}: {value!r} is none of {expected}: {errors}")
    if isinstance(expected, dict):
        assert isinstance(value, dict), f"{where}: {value!r} is no object"
        assert list(value) == list(expected), f"{where}: keys {list(value)}"
        for key, kind in expected.items():
            assert_shape(value[key], kind, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(value, list), f"{where}: {value!r} is no list"
        for index, item in enumerate(value):
            assert_shape(item, expected[0], f"{where}[{index}]")
    else:
        assert isinstance(value, expected), f"{where}: {value!r} is no {expected.__name__}"
        assert expected is bool or not isinstance(value, bool), f"{where}: {value!r} is a bool"


def assert_feature(feature, properties, geometry: str | tuple) -> None:
    assert_shape(feature, {"type": str, "geometry": dict, "properties": properties})
    assert feature["type"] == "Feature"
    kinds = geometry if isinstance(geometry, tuple) else (geometry,)
    assert feature["geometry"]["type"] in kinds
    lon, lat = _first_position(feature["geometry"]["coordinates"])
    assert 24.8 < lon < 25.1 and 60.1 < lat < 60.25  # WGS 84: the demo lies in Helsinki


def _first_position(coordinates) -> list[float]:
    while isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates


@pytest.fixture
def coordinator(client, user_of):
    assert client.login(username=user_of("coordinator").username, password=PASSWORD)
    return client


def test_counts_heat_map_districts_and_routes(coordinator, demo):
    get = coordinator.get
    counts = get(reverse("dashboard-api:counts")).json()
    by_key = {"source": dict, "category": dict, "when": dict, "status": dict}
    assert_shape(counts, {"total": int, **by_key})
    assert all(isinstance(n, int) for n in counts["source"].values())
    heat = get(reverse("dashboard-api:heatmap")).json()
    assert_shape(
        heat,
        {
            "empty": bool,
            "version": str,
            "url": str,
            "coordinates": [[float]],
            "bounds": [float],
            "legend": [{"value": float, "colour": str}],
            "units": str,
            "params": dict,
        },
    )
    assert heat["url"].startswith(reverse("dashboard-api:heatmap-png") + "?")
    assert heat["units"] == "reports/km²"
    empty = get(reverse("dashboard-api:heatmap") + "?from=2040-01-01").json()
    assert_shape(empty, {"empty": bool, "version": str})
    districts = get(reverse("dashboard-api:districts")).json()
    assert_shape(districts, {"type": str, "features": list})
    for feature in districts["features"]:
        assert_feature(feature, {"id": int, "name": str}, "MultiPolygon")
    routes = get(reverse("dashboard-api:routes")).json()
    route = {"id": int, "title": str, "date": str, "time_of_day": str, "status": str}
    for feature in routes["features"]:
        assert_feature(feature, {**route, "findings": int}, "LineString")


def test_live_and_stored_hot_spots(coordinator, demo):
    live = coordinator.get(reverse("dashboard-api:hotspots")).json()
    assert_shape(
        live,
        {"type": str, "features": list, "cell_size_m": float, "distance_m": float, "source": str},
    )
    assert live["type"] == "FeatureCollection" and live["source"] == "live" and live["features"]
    cell = {"cell": int, "count": int, "z": float, "p": float, "gi_bin": int, "place": str}
    for feature in live["features"]:
        assert_feature(feature, cell, "Polygon")
    # Cells are named by the place at their centre, never by an id.
    assert any(f["properties"]["place"] for f in live["features"])
    run = AnalysisRun.objects.create(municipality=demo, kind="gistar")
    district = demo.district_set.first()
    HotspotCell.objects.create(
        run=run, cell_id=3, category="hot spot 99%", z=3.2, p=0.001, geom=district.geom[0]
    )
    HotspotCell.objects.create(run=run, cell_id=4, category="", value=1.5, geom=district.geom[0])
    stored = coordinator.get(reverse("dashboard-api:hotspots") + "?run=latest").json()
    assert_shape(
        stored,
        {
            "type": str,
            "features": list,
            "source": str,
            "run": int,
            "kind": str,
            "created_at": str,
        },
    )
    assert (stored["source"], stored["run"], stored["kind"]) == ("stored", run.pk, "gistar")
    assert stored["created_at"] == run.created_at.isoformat()
    cells = sorted(stored["features"], key=lambda f: f["properties"]["cell"])
    stored_cell = {"cell": int, "category": str, "z": (float, NULL), "p": (float, NULL)}
    for feature in cells:
        assert_feature(feature, {**stored_cell, "value": float, "place": str}, "Polygon")
    assert cells[1]["properties"] == {
        "cell": 4,
        "category": "",
        "z": None,
        "p": None,
        "value": 1.5,
        "place": cells[0]["properties"]["place"],  # the same district's outline, the same place
    }


def test_fixes_their_details_and_a_status_change(coordinator, demo, fixes):
    listed = coordinator.get(reverse("dashboard-api:fixes")).json()
    assert_shape(listed, {"type": str, "features": list, "total": int})
    assert listed["type"] == "FeatureCollection"
    geometries = ("Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon")
    for feature in listed["features"]:
        assert_feature(feature, FIX, geometries)
    fix = fixes[0]
    fix.pins.add(ResidentPin.objects.filter(municipality=demo).first())
    workflow.change_status(fix, "planned")
    url = reverse("dashboard-api:fix", args=[fix.pk])
    detail = coordinator.get(url).json()
    assert_shape(detail, FIX_DETAIL)
    assert detail["pins"] == 1 and detail["history"][0]["by"] == ""
    assert detail["page"] == reverse("fixes:detail", args=[fix.pk])
    body = {"status": "done", "answer": "Lagat."}
    done = coordinator.post(url, body, content_type="application/json").json()
    assert_shape(done, FIX_DETAIL)
    assert done["status"] == "done" and done["done_at"].endswith("+00:00")
    assert done["history"][-1]["at"].endswith("+00:00") and done["history"][-1]["by"]


def test_pin_details_for_the_coordinator_and_the_analyst(client, coordinator, user_of, demo):
    pin = ResidentPin.objects.filter(municipality=demo, history__isnull=False).first()
    url = reverse("dashboard-api:feature", args=["resident", pin.pk])
    seen = coordinator.get(url).json()
    assert_shape(seen, {**PIN, "contact": ({"name": str, "email": str, "phone": str}, NULL)})
    assert seen["reported_at"].endswith("+00:00") and seen["history"]
    coordinator.logout()
    assert client.login(username=user_of("analyst").username, password=PASSWORD)
    assert_shape(client.get(url).json(), PIN)  # no contact key at all


@pytest.mark.parametrize("source", list(FEATURES))
def test_details_of_every_kind_of_feature(coordinator, demo, source):
    from gis.dashboard.views_api import FEATURES as ROWS

    rows, _serializer = ROWS[source]
    for feature in rows.filter(municipality=demo).order_by("pk")[:5]:
        url = reverse("dashboard-api:feature", args=[source, feature.pk])
        data = coordinator.get(url).json()
        assert_shape(data, FEATURES[source])
        assert data["source"] == source and data["id"] == feature.pk


def test_an_incident_span_is_given_as_instants_and_as_text(coordinator, demo, settings):
    from datetime import UTC, datetime

    from layers.models import Incident

    settings.TIME_ZONE = "Europe/Stockholm"
    incident = Incident.objects.filter(municipality=demo).order_by("pk").first()
    incident.occurred_at = datetime(2026, 3, 12, 21, tzinfo=UTC)  # 22:00 in Stockholm
    incident.occurred_to = datetime(2026, 3, 13, 5, tzinfo=UTC)
    incident.save(update_fields=["occurred_at", "occurred_to"])
    url = reverse("dashboard-api:feature", args=["incident", incident.pk])
    swedish = coordinator.get(url, {"lang": "sv"}).json()
    assert swedish["occurred_at"] == "2026-03-12T21:00:00+00:00"
    assert swedish["occurred_to"] == "2026-03-13T05:00:00+00:00"
    assert swedish["occurred_label"] == "12 mars 2026 22:00–06:00"
    english = coordinator.get(url, {"lang": "en"}).json()
    assert english["occurred_label"] == "12 March 2026 22:00–06:00"

    schema = coordinator.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    fields = schema.json()["components"]["schemas"]["IncidentDetail"]
    assert {"occurred_at", "occurred_to", "occurred_label"} <= set(fields["properties"])
    assert fields["properties"]["occurred_to"]["nullable"] is True
