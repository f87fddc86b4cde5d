"""The walks API: GeoJSON in WGS 84, idempotent uploads, and a 400/404 naming the field for
every kind of bad input."""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.auth.models import Group, User

from tests.walks.conftest import (
    exif_with_gps,
    finding_feature,
    inside_lonlat,
    jpeg_bytes,
    make_walk,
    route_lonlat,
    upload,
)
from walks.models import FindingPhoto, WalkAudit, WalkFinding, WalkParticipant


def findings_url(walk) -> str:
    return f"/api/walks/{walk.join_code}/findings/"


def test_walk_by_code_is_a_feature_in_wgs84(api, walk):
    response = api.get(f"/api/walks/{walk.join_code.lower()}/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "Feature"
    assert body["properties"]["code"] == walk.join_code
    assert body["geometry"]["type"] == "LineString"
    for lon, lat in body["geometry"]["coordinates"]:
        assert 24.8 < lon < 25.1 and 60.1 < lat < 60.3


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "streets/"),
        ("get", "findings/"),
        ("post", "findings/"),
        ("post", "audits/"),
        ("post", "join/"),
        ("get", f"findings/{uuid.uuid4()}/"),
    ],
)
def test_unknown_walk_code_is_404(api, demo, method, suffix):
    response = getattr(api, method)(f"/api/walks/NOPE42/{suffix}", {}, format="json")
    assert response.status_code == 404


def test_finding_upload_is_idempotent(api, walk):
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat, gps_accuracy_m=6.5)
    first = api.post(findings_url(walk), feature, format="json")
    assert first.status_code == 201, first.json()
    replay = api.post(findings_url(walk), feature, format="json")
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    assert WalkFinding.objects.filter(client_uuid=feature["properties"]["client_uuid"]).count() == 1
    stored = WalkFinding.objects.get(client_uuid=feature["properties"]["client_uuid"])
    assert stored.gps_accuracy_m == 6.5 and stored.severity == 4 and stored.walk == walk
    back = first.json()["geometry"]["coordinates"]
    assert back == pytest.approx([lon, lat], abs=1e-6)
    walk.refresh_from_db()
    assert walk.status == "active"


def test_finding_as_line_and_area(api, walk):
    lon, lat = route_lonlat(walk)
    line = finding_feature(lon, lat)
    line["geometry"] = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.001, lat]]}
    ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.0005], [lon, lat]]
    area = finding_feature(lon, lat)
    area["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    for feature, kind in ((line, "LineString"), (area, "Polygon")):
        response = api.post(findings_url(walk), feature, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["geometry"]["type"] == kind
        stored = WalkFinding.objects.get(client_uuid=feature["properties"]["client_uuid"])
        assert stored.geom.geom_type == kind and stored.geom.srid == walk.route.srid


def test_flat_object_is_accepted_too(api, walk):
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat)
    flat = {**feature["properties"], "geometry": feature["geometry"]}
    assert api.post(findings_url(walk), flat, format="json").status_code == 201


def _bad(feature: dict, change) -> dict:
    feature = json.loads(json.dumps(feature))
    change(feature)
    return feature


def _set(path: str, value):
    def change(feature):
        if path == "geometry":
            feature["geometry"] = value
        else:
            feature["properties"][path] = value

    return change


def _drop(name: str):
    def change(feature):
        if name == "geometry":
            del feature["geometry"]
        else:
            del feature["properties"][name]

    return change


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[24.94, 60.17], [24.941, 60.171], [24.941, 60.17], [24.94, 60.171], [24.94, 60.17]]
    ],
}

BAD_FINDINGS = [
    ("client_uuid", _drop("client_uuid")),
    ("client_uuid", _set("client_uuid", "not-a-uuid")),
    ("geometry", _drop("geometry")),
    ("geometry", _set("geometry", "not json")),
    ("geometry", _set("geometry", {"type": "Point", "coordinates": "x"})),
    ("geometry", _set("geometry", {"type": "Point", "coordinates": [24.9]})),
    ("geometry", _set("geometry", {"type": "Point", "coordinates": [24.9, 95.0]})),
    ("geometry", _set("geometry", {"type": "Point", "coordinates": [200.0, 60.0]})),
    ("geometry", _set("geometry", {"type": "MultiPoint", "coordinates": [[24.9, 60.1]]})),
    ("geometry", _set("geometry", {"type": "Point", "coordinates": [18.07, 59.33]})),
    ("geometry", _set("geometry", BOWTIE)),
    ("geometry", _set("geometry", {"type": "LineString", "coordinates": [[24.94, 60.17]]})),
    ("category", _drop("category")),
    ("category", _set("category", "unicorns")),
    ("severity", _set("severity", "high")),
    ("severity", _set("severity", 7)),
    ("severity", _set("severity", 0)),
    ("when", _set("when", "midnight")),
    ("note", _set("note", "x" * 2001)),
    ("gps_accuracy_m", _set("gps_accuracy_m", -3)),
    ("gps_accuracy_m", _set("gps_accuracy_m", "far")),
    ("observed_at", _set("observed_at", "yesterday")),
    ("observed_at", _set("observed_at", "2999-01-01T00:00:00Z")),
    ("device_token", _set("device_token", "phone-1")),
    ("author_role", _set("author_role", "mayor")),
    ("properties", None),
]


@pytest.mark.parametrize(("field", "change"), BAD_FINDINGS)
def test_bad_finding_is_400_naming_the_field(api, walk, field, change):
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat)
    if change is None:
        feature["properties"] = ["not", "an", "object"]
    else:
        feature = _bad(feature, change)
    response = api.post(findings_url(walk), feature, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not WalkFinding.objects.filter(walk=walk).exists()


def test_out_of_area_message(api, walk):
    feature = finding_feature(18.07, 59.33)
    response = api.post(findings_url(walk), feature, format="json")
    assert "outside the municipality" in response.json()["geometry"][0]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a", "list"]', "application/json"),
        ("x=1", "text/plain"),
    ],
)
def test_malformed_bodies_are_4xx_not_500(api, walk, body, content_type):
    response = api.generic("POST", findings_url(walk), body, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response.json()


def test_closed_walk_answers_nothing_by_its_code(api, walk):
    """A closed walk's code opens nothing any more (walks.join_codes): new findings and
    replays alike answer 404 (tests/trust/test_join_codes.py walks every route)."""
    lon, lat = route_lonlat(walk)
    stored = finding_feature(lon, lat)
    assert api.post(findings_url(walk), stored, format="json").status_code == 201
    walk.status = "closed"
    walk.save()
    response = api.post(findings_url(walk), finding_feature(lon, lat), format="json")
    assert response.status_code == 404
    assert api.post(findings_url(walk), stored, format="json").status_code == 404
    assert api.get(findings_url(walk)).status_code == 404


def test_client_uuid_of_another_walk_is_refused(api, walk, demo):
    other = make_walk(demo)
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat)
    assert api.post(findings_url(walk), feature, format="json").status_code == 201
    response = api.post(findings_url(other), feature, format="json")
    assert response.status_code == 400 and "client_uuid" in response.json()


def test_findings_list_is_a_paginated_feature_collection_without_authors(api, walk):
    lon, lat = route_lonlat(walk)
    device = str(uuid.uuid4())
    for severity in (2, 5):
        feature = finding_feature(lon, lat, severity=severity, device_token=device)
        feature["properties"]["author_role"] = "police"
        assert api.post(findings_url(walk), feature, format="json").status_code == 201
    participant = WalkParticipant.objects.get(walk=walk, device_token=device)
    participant.display_name = "Anna Andersson"
    participant.save()
    response = api.get(findings_url(walk), {"limit": 1})
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["count"] == 2
    assert len(body["features"]) == 1 and body["next"]
    text = response.content.decode()
    assert device not in text and "Anna" not in text and "participant" not in text
    assert body["features"][0]["properties"]["author_role"] == "police"


def test_findings_filters(api, walk):
    lon, lat = route_lonlat(walk)
    api.post(findings_url(walk), finding_feature(lon, lat, severity=2), format="json")
    api.post(
        findings_url(walk),
        finding_feature(lon, lat, severity=5, category="vegetation", when="night"),
        format="json",
    )
    url = findings_url(walk)
    assert api.get(url, {"severity_min": 4}).json()["count"] == 1
    assert api.get(url, {"category": "vegetation"}).json()["count"] == 1
    assert api.get(url, {"when": ["night", "evening"]}).json()["count"] == 2
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    assert api.get(url, {"in_bbox": box}).json()["count"] == 2
    far = "18.0,59.3,18.1,59.4"
    assert api.get(url, {"in_bbox": far}).json()["count"] == 0
    assert api.get(url, {"since": "2999-01-01T00:00:00Z"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("in_bbox", "1,2,3"),
        ("in_bbox", "a,b,c,d"),
        ("in_bbox", "25,60,24,61"),
        ("since", "last week"),
        ("category", "unicorns"),
        ("when", "midnight"),
        ("severity_min", "lots"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(api, walk, param, value):
    response = api.get(findings_url(walk), {param: value})
    assert response.status_code == 400
    assert param in response.json()


def test_walk_list_hides_join_codes_from_the_public(api, walk):
    public = api.get("/api/walks/", {"limit": 500})
    assert public.status_code == 200
    assert public.json()["type"] == "FeatureCollection"
    assert walk.join_code not in public.content.decode()
    leader = User.objects.create_user("leader-list", password="pw")
    leader.groups.add(Group.objects.get(name="walk_leader"))
    walk.municipality.staff.add(leader)
    api.force_login(leader)
    staff = api.get("/api/walks/", {"status": "planned", "limit": 500})
    assert walk.join_code in staff.content.decode()


def test_streets_of_the_walk_area(api, walk):
    response = api.get(f"/api/walks/{walk.join_code}/streets/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) > 5
    lon, lat = route_lonlat(walk)
    first = body["features"][0]["geometry"]["coordinates"][0]
    assert abs(first[0] - lon) < 0.02 and abs(first[1] - lat) < 0.01


def test_streets_in_box(api, walk):
    lon, lat = route_lonlat(walk)
    box = f"{lon - 0.003},{lat - 0.002},{lon + 0.003},{lat + 0.002}"
    response = api.get("/api/field/streets/", {"in_bbox": box})
    assert response.status_code == 200 and response.json()["features"]
    assert api.get("/api/field/streets/").status_code == 400
    huge = api.get("/api/field/streets/", {"in_bbox": "20,55,30,65"})
    assert huge.status_code == 400 and "in_bbox" in huge.json()


def test_join_creates_the_participant_once(api, walk):
    device = str(uuid.uuid4())
    url = f"/api/walks/{walk.join_code}/join/"
    body = {"device_token": device, "role": "housing", "display_name": "Bo"}
    assert api.post(url, body, format="json").status_code == 201
    assert api.post(url, {**body, "role": "police"}, format="json").status_code == 200
    participant = WalkParticipant.objects.get(walk=walk, device_token=device)
    assert participant.role == "police"
    bad = api.post(url, {"device_token": device, "role": "mayor"}, format="json")
    assert bad.status_code == 400 and "role" in bad.json()
    missing = api.post(url, {"role": "police"}, format="json")
    assert missing.status_code == 400 and "device_token" in missing.json()


def test_finding_photo_upload_strips_exif_and_is_idempotent(api, walk):
    from PIL import Image

    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat)
    api.post(findings_url(walk), feature, format="json")
    finding_id = feature["properties"]["client_uuid"]
    url = f"{findings_url(walk)}{finding_id}/photos/"
    photo_id = str(uuid.uuid4())
    data = jpeg_bytes(exif=exif_with_gps(lat, lon))
    first = api.post(url, {"photo": upload("a.jpg", data), "client_uuid": photo_id})
    assert first.status_code == 201, first.json()
    assert len(first.json()["properties"]["photos"]) == 1
    replay = api.post(url, {"photo": upload("a.jpg", data), "client_uuid": photo_id})
    assert replay.status_code == 200
    assert FindingPhoto.objects.filter(finding__client_uuid=finding_id).count() == 1
    stored = FindingPhoto.objects.get(client_uuid=photo_id)
    with Image.open(stored.image.path) as image:
        assert image.format == "JPEG" and not dict(image.getexif())
    with open(stored.image.path, "rb") as handle:
        raw = handle.read()
    assert b"SecretPhone" not in raw and b"PhoneMaker" not in raw
    with Image.open(stored.thumbnail.path) as thumbnail:
        assert max(thumbnail.size) <= 320


def test_finding_photo_bad_inputs(api, walk, settings):
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat)
    api.post(findings_url(walk), feature, format="json")
    url = f"{findings_url(walk)}{feature['properties']['client_uuid']}/photos/"
    fake = api.post(url, {"photo": upload("evil.jpg", b"MZ\x90\x00 this is not a jpeg")})
    assert fake.status_code == 400 and "photo" in fake.json()
    assert "not an image" in fake.json()["photo"][0]
    missing = api.post(url, {"client_uuid": str(uuid.uuid4())})
    assert missing.status_code == 400 and "photo" in missing.json()
    bad_id = api.post(url, {"photo": upload("a.jpg", jpeg_bytes()), "client_uuid": "x"})
    assert bad_id.status_code == 400 and "client_uuid" in bad_id.json()
    unknown = api.post(
        f"{findings_url(walk)}{uuid.uuid4()}/photos/", {"photo": upload("a.jpg", jpeg_bytes())}
    )
    assert unknown.status_code == 404
    settings.TRYGG_PHOTO_MAX_BYTES = 1000
    big = api.post(url, {"photo": upload("big.jpg", jpeg_bytes(size=(800, 800)))})
    assert big.status_code == 400 and "larger than" in big.json()["photo"][0]
    settings.TRYGG_PHOTO_MAX_BYTES = 10_000_000
    settings.TRYGG_PHOTOS_PER_FINDING = 1
    assert api.post(url, {"photo": upload("1.jpg", jpeg_bytes())}).status_code == 201
    again = api.post(url, {"photo": upload("2.jpg", jpeg_bytes())})
    assert again.status_code == 400 and "photo" in again.json()


def audit_feature(lon, lat, **scores):
    properties = {"client_uuid": str(uuid.uuid4()), "stop_name": "Tunneln"}
    properties.update({name: 2 for name in WalkAudit.PARAMETERS})
    properties.update(scores)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def test_audit_upload_is_idempotent(api, walk):
    lon, lat = route_lonlat(walk)
    feature = audit_feature(lon, lat, lighting=0, feeling=3)
    url = f"/api/walks/{walk.join_code}/audits/"
    first = api.post(url, feature, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["properties"]["total"] == 2 * 7 + 0 + 3
    assert api.post(url, feature, format="json").status_code == 200
    assert WalkAudit.objects.filter(walk=walk).count() == 1
    assert api.get(url).json()["count"] == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("lighting", 4), ("openness", -1), ("feeling", "good"), ("public_transport", None)],
)
def test_bad_audit_is_400_naming_the_field(api, walk, field, value):
    lon, lat = route_lonlat(walk)
    feature = audit_feature(lon, lat)
    if value is None:
        del feature["properties"][field]
    else:
        feature["properties"][field] = value
    response = api.post(f"/api/walks/{walk.join_code}/audits/", feature, format="json")
    assert response.status_code == 400 and field in response.json()


def test_audit_outside_or_not_a_point(api, walk):
    url = f"/api/walks/{walk.join_code}/audits/"
    outside = api.post(url, audit_feature(18.07, 59.33), format="json")
    assert outside.status_code == 400 and "geometry" in outside.json()
    lon, lat = route_lonlat(walk)
    line = audit_feature(lon, lat)
    line["geometry"] = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.001, lat]]}
    assert "geometry" in api.post(url, line, format="json").json()


def test_walk_uploads_are_rate_limited_per_device(api, walk, settings):
    settings.TRYGG_RATE_LIMITS = {"walk_device": "3/minute", "walk_ip": None}
    lon, lat = route_lonlat(walk)
    device = str(uuid.uuid4())
    headers = {"HTTP_X_TRYGG_DEVICE": device}
    for _ in range(3):
        response = api.post(findings_url(walk), finding_feature(lon, lat), format="json", **headers)
        assert response.status_code == 201
    limited = api.post(findings_url(walk), finding_feature(lon, lat), format="json", **headers)
    assert limited.status_code == 429
    assert "Too many" in limited.json()["detail"]
    other = {"HTTP_X_TRYGG_DEVICE": str(uuid.uuid4())}
    assert (
        api.post(findings_url(walk), finding_feature(lon, lat), format="json", **other).status_code
        == 201
    )
    assert api.get(findings_url(walk), **headers).status_code == 200


def test_inside_helper_is_inside(demo):
    from django.contrib.gis.geos import Point

    lon, lat = inside_lonlat(demo)
    point = Point(lon, lat, srid=4326).transform(demo.boundary.srid, clone=True)
    assert demo.boundary.covers(point)


def test_oversized_bodies_are_refused_before_reading(api, walk, settings):
    settings.TRYGG_API_BODY_MAX_BYTES = 10_000
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat, note="x" * 20_000)
    response = api.post(findings_url(walk), feature, format="json")
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    settings.TRYGG_PHOTO_MAX_BYTES = 1000
    big = b"\xff\xd8" + b"\0" * 400_000
    response = api.post(
        f"{findings_url(walk)}{uuid.uuid4()}/photos/", {"photo": upload("big.jpg", big)}
    )
    assert response.status_code == 413 and "too large" in response.json()["detail"]
