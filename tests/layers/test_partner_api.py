"""`POST /api/partners/v1/incidents` against the real PostGIS: keys, scopes, the hourly rate,
creation, replays, updates, per-feature rejections and the use log."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone
from rest_framework.test import APIClient

from gis.core.models import Municipality
from gis.core.partners import Partner, PartnerKey, PartnerKeyUse
from layers.models import Incident

pytestmark = pytest.mark.django_db
URL = "/api/partners/v1/incidents"


@pytest.fixture
def police(demo) -> Partner:
    return Partner.objects.create(municipality=demo, name="Polisen Centrum", kind="police")


@pytest.fixture
def key(police) -> str:
    return PartnerKey.issue(police, scopes=["incidents"])[1]


def lonlat(demo, east_m: float = 0) -> list[float]:
    point = demo.boundary.point_on_surface
    point.x += east_m
    wgs = point.transform(4326, clone=True)
    return [round(wgs.x, 7), round(wgs.y, 7)]


def feature(demo, external_id: str = "P-1", east_m: float = 0, **properties) -> dict:
    values = {
        "external_id": external_id,
        "type": "vandalism",
        "occurred_at": "2026-11-22T22:40:00+01:00",
        **properties,
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": lonlat(demo, east_m)},
        "properties": values,
    }


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def send(body, key: str | None, content_type: str = "application/json"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type=content_type, **headers)


def test_create_then_replay_then_update(demo, police, key):
    body = collection(
        feature(demo, "P-1", description="Krossad busskur", severity=3, young_people_met=4),
        feature(demo, "P-2", 20, type="Klotter", occurred_at="2026-11-23T01:00:00"),
    )
    first = send(body, key, "application/geo+json")
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 2, "updated": 0, "rejected": []}
    incident = Incident.objects.get(source=police.source, source_id="P-1")
    assert incident.partner == police and incident.municipality == demo
    assert incident.reported_by == "police" and incident.type == "vandalism"
    assert (incident.severity, incident.young_people_met) == (3, 4)
    graffiti = Incident.objects.get(source=police.source, source_id="P-2")
    assert graffiti.type == "graffiti"
    # No offset: the installation's local time.
    local = timezone.localtime(graffiti.occurred_at)
    assert (local.hour, local.minute) == (1, 0)

    again = send(body, key)
    assert again.json() == {"created": 0, "updated": 0, "rejected": []}
    assert Incident.objects.filter(source=police.source).count() == 2

    body["features"][0]["properties"]["severity"] = 5
    changed = send(body, key)
    assert changed.json() == {"created": 0, "updated": 1, "rejected": []}
    incident.refresh_from_db()
    assert incident.severity == 5


def test_one_feature_alone_and_reporter_by_partner_kind(demo):
    guards = Partner.objects.create(municipality=demo, name="Vaktbolaget", kind="security_company")
    plain = PartnerKey.issue(guards)[1]
    answer = send(feature(demo, "G-1", type="Glass breakage"), plain)
    assert answer.json()["created"] == 1
    assert Incident.objects.get(source=guards.source).reported_by == "guard"


def test_bad_features_are_rejected_while_good_ones_go_in(demo, police, key):
    far = feature(demo, "P-far")
    far["geometry"]["coordinates"] = [lonlat(demo)[0] + 3, lonlat(demo)[1]]
    body = collection(
        feature(demo, "P-ok"),
        far,
        feature(demo, "P-type", type="shoplifting"),
        feature(demo, "P-span", occurred_to="2026-11-22T20:00:00+01:00"),
        feature(demo, "P-sev", severity=6),
        feature(demo, "P-young", young_people_met=-1),
        feature(demo, "", 10),
        feature(demo, "x" * 65),
        feature(demo, "P-when", occurred_at="igår"),
        feature(demo, "P-desc", description="a" * 2001),
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
        feature(demo, "P-ok", 30),
        feature(demo, "P-ctl", description="bad\x0bchar"),
    )
    answer = send(body, key)
    assert answer.status_code == 200
    result = answer.json()
    assert result["created"] == 1
    reasons = {row["index"]: row["reason"] for row in result["rejected"]}
    assert sorted(reasons) == list(range(1, 13))
    assert "outside the municipality" in reasons[1]
    assert reasons[2].startswith("type:")
    assert reasons[3].startswith("occurred_to:")
    assert reasons[4].startswith("severity:")
    assert reasons[5].startswith("young_people_met:")
    assert reasons[6].startswith("external_id:") and reasons[7].startswith("external_id:")
    assert reasons[8].startswith("occurred_at:")
    assert reasons[9].startswith("description:")
    assert "appears earlier" in reasons[11]
    assert reasons[12].startswith("description:")
    assert list(
        Incident.objects.filter(source=police.source).values_list("source_id", flat=True)
    ) == ["P-ok"]


def test_a_point_of_another_municipality_is_rejected(demo, police, key):
    centre = demo.boundary.point_on_surface
    x, y = centre.x + 300_000, centre.y
    other = Municipality.objects.create(
        name="Annanstad",
        code="annan",
        boundary=MultiPolygon(
            Polygon.from_bbox((x - 1000, y - 1000, x + 1000, y + 1000)), srid=demo.boundary.srid
        ),
    )
    wgs = other.boundary.point_on_surface.transform(4326, clone=True)
    there = feature(demo, "P-there")
    there["geometry"]["coordinates"] = [wgs.x, wgs.y]
    result = send(collection(there), key).json()
    assert result["created"] == 0 and "outside the municipality" in result["rejected"][0]["reason"]
    assert not Incident.objects.filter(municipality=other).exists()


@pytest.mark.parametrize("header", [None, "trygg_wrong", "Basic dXNlcjpwYXNz"])
def test_missing_or_wrong_key_is_401(demo, header):
    client = APIClient()
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    if header and not header.startswith("Basic"):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {header}"}
    answer = client.post(URL, json.dumps(feature(demo)), content_type="application/json", **extra)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert not Incident.objects.filter(source__startswith="partner-").exists()


def test_revoked_and_expired_keys_are_401(demo, police):
    revoked, revoked_plain = PartnerKey.issue(police)
    revoked.revoked_at = timezone.now()
    revoked.save()
    expired_plain = PartnerKey.issue(police, expires_at=timezone.now() - timedelta(minutes=1))[1]
    for plain in (revoked_plain, expired_plain):
        answer = send(feature(demo), plain)
        assert answer.status_code == 401 and answer["WWW-Authenticate"].startswith("Bearer")
    assert not Incident.objects.filter(partner=police).exists()


def test_a_key_for_requests_only_is_403_and_logged(demo, police):
    stored, plain = PartnerKey.issue(police, scopes=["requests"])
    answer = send(feature(demo), plain)
    assert answer.status_code == 403
    assert not Incident.objects.filter(partner=police).exists()
    assert list(stored.uses.values_list("status", flat=True)) == [403]


def test_beyond_the_hourly_rate_is_429_with_retry_after(demo, police):
    stored, plain = PartnerKey.issue(police, rate_per_hour=2)
    assert send(feature(demo, "A"), plain).status_code == 200
    assert send(feature(demo, "B"), plain).status_code == 200
    refused = send(feature(demo, "C"), plain)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert not Incident.objects.filter(partner=police, source_id="C").exists()
    # Uses older than an hour no longer count.
    PartnerKeyUse.objects.filter(key=stored).update(used_at=timezone.now() - timedelta(hours=2))
    assert send(feature(demo, "C"), plain).status_code == 200


def test_bodies_that_are_not_geojson_or_too_many_features_are_400(demo, key):
    answer = send({"type": "Point", "coordinates": [0, 0]}, key)
    assert answer.status_code == 400 and "type" in answer.json()
    answer = send("[1, 2", key)
    assert answer.status_code == 400
    answer = send({"type": "FeatureCollection", "features": "none"}, key)
    assert answer.status_code == 400 and "features" in answer.json()
    many = collection(*[feature(demo, f"M-{i}") for i in range(1001)])
    answer = send(many, key)
    assert answer.status_code == 400 and "1000" in answer.json()["features"][0]
    assert not Incident.objects.filter(source_id__startswith="M-").exists()


def test_every_use_is_logged_with_counts(demo, police):
    stored, plain = PartnerKey.issue(police)
    send(collection(feature(demo, "L-1"), feature(demo, "L-2", type="nope")), plain)
    send({"type": "nothing"}, plain)
    uses = list(stored.uses.order_by("used_at"))
    assert [use.status for use in uses] == [200, 400]
    assert uses[0].summary == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert uses[0].method == "POST" and uses[0].path == URL
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_the_schema_documents_the_endpoint_with_an_example(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/partners/v1/incidents"]["post"]
    content = operation["requestBody"]["content"]
    assert "application/geo+json" in content
    assert any("examples" in media for media in content.values())
    assert {"200", "400", "401", "403", "429"} <= set(operation["responses"])
    assert schema["components"]["securitySchemes"]["partnerKey"]["scheme"] == "bearer"
