"""Geometry from clients with an altitude or a measure: accepted and flattened to 2D (every
geometry column is 2D; PostGIS would refuse a Z with a 500), through `gis.core.geometry.force_2d`
in every place a client's geometry comes in (API fields, the admin's map widget)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry, Point
from django.urls import reverse

from gis.core.geometry import force_2d
from gis.core.mapadmin import LocalMapWidget
from layers.models import District
from tests.walks.conftest import finding_feature, make_walk, route_lonlat
from walks.models import ResidentPin, WalkAudit, WalkFinding

ALTITUDES = [[10], [10, 3.5]]  # an altitude (RFC 7946), and an altitude with a measure


@pytest.fixture
def api(settings, tmp_path):
    from rest_framework.test import APIClient

    settings.MEDIA_ROOT = str(tmp_path / "media")
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(
    ("wkt", "flat"),
    [
        ("POINT Z (1 2 3)", "POINT (1 2)"),
        ("POINT ZM (1 2 3 4)", "POINT (1 2)"),
        ("POINT M (1 2 4)", "POINT (1 2)"),
        ("LINESTRING Z (0 0 1, 1 1 2)", "LINESTRING (0 0, 1 1)"),
        ("POLYGON Z ((0 0 1, 4 0 1, 4 4 1, 0 0 1), (1 1 5, 2 1 5, 2 2 5, 1 1 5))", None),
        ("MULTIPOINT Z ((0 0 1), (1 1 2))", "MULTIPOINT (0 0, 1 1)"),
        ("MULTILINESTRING Z ((0 0 1, 1 1 1), (2 2 2, 3 3 3))", None),
        ("MULTIPOLYGON Z (((0 0 1, 4 0 1, 4 4 1, 0 0 1)))", None),
        ("GEOMETRYCOLLECTION Z (POINT EMPTY, POINT Z (1 2 3))", None),
    ],
)
def test_force_2d_drops_z_and_m_like_st_force2d(wkt, flat):
    geom = GEOSGeometry(wkt, srid=3067)
    result = force_2d(geom)
    assert not result.hasz
    assert result.srid == 3067
    assert result.geom_type == geom.geom_type
    assert result.num_coords == geom.num_coords
    if flat is not None:
        assert result.equals_exact(GEOSGeometry(flat), 0)


def test_force_2d_keeps_coordinates_exactly_and_2d_geometry_as_it_is():
    x, y = 24.945812345678901, 60.171234567890123
    assert force_2d(Point(x, y, 10, srid=4326)).coords == (x, y)
    flat = Point(x, y, srid=4326)
    assert force_2d(flat) is flat
    assert force_2d(None) is None


# --- the API: pins, findings, audits, finding PATCH --------------------------------------------


def _no_z(geom) -> bool:
    return not geom.hasz


@pytest.mark.parametrize("extra", ALTITUDES)
def test_a_pin_with_an_altitude_is_stored_in_2d(api, demo, extra):
    from tests.walks.test_api_pins import pin_body

    body = pin_body(demo)
    lon, lat = body["geometry"]["coordinates"]
    body["geometry"]["coordinates"] = [lon, lat, *extra]
    response = api.post("/api/pins/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["pin"]["geometry"]["coordinates"] == [lon, lat]
    pin = ResidentPin.objects.get(client_uuid=body["client_uuid"])
    assert _no_z(pin.geom)


@pytest.mark.parametrize("extra", ALTITUDES)
def test_a_finding_and_its_patch_with_an_altitude_are_stored_in_2d(api, demo, extra):
    walk = make_walk(demo)
    lon, lat = route_lonlat(walk)
    token = str(uuid.uuid4())
    device = {"HTTP_X_TRYGG_DEVICE": token}
    feature = finding_feature(lon, lat, device_token=token)
    feature["geometry"]["coordinates"] = [lon, lat, *extra]
    url = f"/api/walks/{walk.join_code}/findings/"
    response = api.post(url, feature, format="json", **device)
    assert response.status_code == 201, response.json()
    assert response.json()["geometry"]["coordinates"] == [lon, lat]
    client_uuid = feature["properties"]["client_uuid"]
    line = {
        "type": "LineString",
        "coordinates": [[lon, lat, *extra], [lon + 0.0002, lat + 0.0001, *extra]],
    }
    patched = api.patch(f"{url}{client_uuid}/", {"geometry": line}, format="json", **device)
    assert patched.status_code == 200, patched.json()
    finding = WalkFinding.objects.get(client_uuid=client_uuid)
    assert finding.geom.geom_type == "LineString" and _no_z(finding.geom)


@pytest.mark.parametrize("extra", ALTITUDES)
def test_an_audit_with_an_altitude_is_stored_in_2d(api, demo, extra):
    from tests.walks.test_api_walks import audit_feature

    walk = make_walk(demo)
    lon, lat = route_lonlat(walk)
    feature = audit_feature(lon, lat)
    feature["geometry"]["coordinates"] = [lon, lat, *extra]
    response = api.post(f"/api/walks/{walk.join_code}/audits/", feature, format="json")
    assert response.status_code == 201, response.json()
    audit = WalkAudit.objects.get(client_uuid=feature["properties"]["client_uuid"])
    assert _no_z(audit.geom)


def test_the_probes_own_position_is_accepted(api, demo):
    """The named instance, [24.9458, 60.171, 10]: 201 (inside the demo) or a 400 naming the
    geometry (outside), never a 500."""
    from tests.walks.test_api_pins import pin_body

    body = pin_body(demo, geometry={"type": "Point", "coordinates": [24.9458, 60.171, 10]})
    response = api.post("/api/pins/", body, format="json")
    assert response.status_code == 201 or "geometry" in response.json()


# --- the back office's map widget ---------------------------------------------------------------


def test_the_map_widget_reads_a_geometry_in_2d():
    widget = LocalMapWidget()
    assert not widget.deserialize("POINT Z (385000 6672000 12)").hasz
    geojson = '{"type": "Point", "coordinates": [385000, 6672000, 12, 1]}'
    assert not widget.deserialize(geojson).hasz


def test_an_admin_form_with_a_3d_geometry_saves_it_in_2d(client, demo):
    client.force_login(User.objects.create_superuser("geometry-boss"))
    x, y = demo.boundary.point_on_surface.coords
    corners = [(x, y), (x + 20, y), (x + 20, y + 20), (x, y + 20), (x, y)]
    ring = ", ".join(f"{cx} {cy} 7" for cx, cy in corners)
    response = client.post(
        reverse("admin:layers_district_add"),
        {
            "municipality": demo.pk,
            "name": "Höjddistrikt",
            "geom": f"SRID={demo.boundary.srid};MULTIPOLYGON Z ((({ring})))",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _no_z(District.objects.get(name="Höjddistrikt").geom)
