"""Retention (`purge_personal_data`), the OpenAPI schema of the field API, and the Swedish
catalogue's completeness."""

from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.walks.conftest import inside_lonlat, jpeg_bytes, make_walk, upload
from walks.models import FindingPhoto, PinContact, PinPhoto, ResidentPin, WalkParticipant


def _report(api, demo, **extra) -> ResidentPin:
    lon, lat = inside_lonlat(demo)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "geometry": json.dumps({"type": "Point", "coordinates": [lon, lat]}),
        "category": "litter",
        "when": "day",
        "description": "Skräp",
        "contact_email": "person@example.org",
        "photo": upload("p.jpg", jpeg_bytes()),
    }
    body.update(extra)
    assert api.post("/api/pins/", body, format="multipart").status_code == 201
    return ResidentPin.objects.get(client_uuid=body["client_uuid"])


def test_purge_deletes_old_personal_data_and_keeps_the_pins(api, demo, capsys):
    old = _report(api, demo)
    recent = _report(api, demo)
    long_ago = timezone.now() - timedelta(days=400)
    ResidentPin.objects.filter(pk=old.pk).update(reported_at=long_ago)
    PinPhoto.objects.filter(pin=old).update(uploaded_at=long_ago)
    old_files = [Path(p.image.path) for p in PinPhoto.objects.filter(pin=old)]
    old_files += [Path(p.thumbnail.path) for p in PinPhoto.objects.filter(pin=old)]
    assert all(f.exists() for f in old_files)
    walk = make_walk(demo, starts_at=long_ago)
    WalkParticipant.objects.create(walk=walk, role="resident", display_name="Karin")
    from walks.models import Category, WalkFinding

    finding = WalkFinding.objects.create(
        municipality=demo,
        walk=walk,
        author_role="resident",
        category=Category.objects.get(code="litter"),
        severity=2,
        when="day",
        geom=walk.route.interpolate_normalized(0.5),
        observed_at=long_ago,
    )
    photo = FindingPhoto(finding=finding)
    from walks.views.common import attach_photo, read_photo

    attach_photo(photo, read_photo(upload("f.jpg", jpeg_bytes())))
    FindingPhoto.objects.filter(pk=photo.pk).update(uploaded_at=long_ago)

    call_command("purge_personal_data", "--days", "365", "--dry-run")
    assert PinContact.objects.filter(pin=old).exists()
    call_command("purge_personal_data", "--days", "365")
    output = capsys.readouterr().out
    assert (
        "would delete 1 contacts" in output
        and "deleted 1 contacts, 1 pin photos, 1 finding photos, 1 participant names" in output
    )

    assert ResidentPin.objects.filter(pk=old.pk).exists()
    assert (
        not PinContact.objects.filter(pin=old).exists()
        and not PinPhoto.objects.filter(pin=old).exists()
    )
    assert not any(f.exists() for f in old_files)
    assert (
        PinContact.objects.filter(pin=recent).exists()
        and PinPhoto.objects.filter(pin=recent).exists()
    )
    assert WalkFinding.objects.filter(pk=finding.pk).exists() and not finding.photos.exists()
    assert not WalkParticipant.objects.filter(walk=walk).exclude(display_name="").exists()


def test_purge_uses_the_retention_setting(api, demo, settings):
    pin = _report(api, demo)
    ResidentPin.objects.filter(pk=pin.pk).update(reported_at=timezone.now() - timedelta(days=40))
    settings.TRYGG_PERSONAL_DATA_RETENTION_DAYS = 60
    call_command("purge_personal_data")
    assert PinContact.objects.filter(pin=pin).exists()
    settings.TRYGG_PERSONAL_DATA_RETENTION_DAYS = 30
    call_command("purge_personal_data")
    assert not PinContact.objects.filter(pin=pin).exists()


def test_purge_refuses_negative_days(db):
    with pytest.raises(CommandError, match="days must be >= 0"):
        call_command("purge_personal_data", "--days", "-1")


def test_openapi_schema_documents_the_field_api(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/walks/{code}/findings/",
        "/api/walks/{code}/audits/",
        "/api/pins/",
        "/api/pins/nearby/",
        "/api/pins/{id}/votes/",
        "/api/pins/track/{token}/",
    ):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/api/pins/"]["get"]["parameters"]}
    assert {
        "in_bbox",
        "since",
        "until",
        "category",
        "when",
        "status",
        "limit",
        "offset",
    } <= parameters
    finding_post = paths["/api/walks/{code}/findings/"]["post"]
    assert set(finding_post["responses"]) >= {"200", "201"}
    request_schema = finding_post["requestBody"]["content"]["application/json"]["schema"]
    name = request_schema["$ref"].rsplit("/", 1)[1]
    geometry = schema["components"]["schemas"][name]["properties"]["geometry"]
    assert {option["properties"]["type"]["enum"][0] for option in geometry["oneOf"]} == {
        "Point",
        "LineString",
        "Polygon",
    }


def test_swedish_catalogue_is_complete():
    po = (
        Path(__file__).resolve().parents[2]
        / "walks"
        / "locale"
        / "sv"
        / "LC_MESSAGES"
        / "django.po"
    )
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = text.split("\n\n")[1:]
    empty = [e for e in entries if e.rstrip().endswith('msgstr ""') and "msgid" in e]
    assert not empty, empty[:3]
    mo = po.with_suffix(".mo")
    assert mo.exists() and os.path.getmtime(mo) >= os.path.getmtime(po) - 1
