"""Resident pins through the API: anonymous reports, privacy of public outputs, duplicates and
votes, tracking, abuse control, and a 400 naming the field for every bad input."""

from __future__ import annotations

import json
import uuid

import pytest
from PIL import Image

from tests.walks.conftest import exif_with_gps, inside_lonlat, jpeg_bytes, upload
from walks.models import PinContact, PinPhoto, PinVote, ResidentPin
from walks.triage import record_status_change

SECRET_EMAIL = "anna.secret@example.org"
SECRET_PHONE = "+46 70 123 45 67"
SECRET_NAME = "Anna Hemlig"


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def pin_body(demo, **extra) -> dict:
    lon, lat = inside_lonlat(demo)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "geometry": point(lon, lat),
        "category": "vegetation",
        "when": "evening",
        "description": "Buskarna skymmer gångvägen vid lekparken.",
    }
    body.update(extra)
    return body


def multipart(body: dict) -> dict:
    return {k: json.dumps(v) if isinstance(v, dict) else v for k, v in body.items()}


def test_report_is_idempotent_and_answers_a_tracking_link(api, demo):
    body = pin_body(demo)
    first = api.post("/api/pins/", body, format="json")
    assert first.status_code == 201, first.json()
    token = first.json()["tracking_token"]
    assert first.json()["tracking_url"].endswith(f"/en/report/track/{token}/")
    replay = api.post("/api/pins/", body, format="json")
    assert replay.status_code == 200 and replay.json()["tracking_token"] == token
    pins = ResidentPin.objects.filter(client_uuid=body["client_uuid"])
    assert pins.count() == 1
    pin = pins.get()
    assert pin.municipality == demo and pin.status == "received" and pin.published
    assert pin.district is not None
    assert not PinContact.objects.filter(pin=pin).exists()


def test_english_tracking_link(api, demo):
    response = api.post("/api/pins/", pin_body(demo), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "/en/report/track/" in response.json()["tracking_url"]
    swedish = api.post("/api/pins/", pin_body(demo), format="json", HTTP_ACCEPT_LANGUAGE="sv")
    assert "/rapportera/folj/" in swedish.json()["tracking_url"]


def test_report_with_photo_and_contact_in_form_data(api, demo):
    lon, lat = inside_lonlat(demo)
    body = multipart(
        pin_body(
            demo,
            contact_name=SECRET_NAME,
            contact_email=SECRET_EMAIL,
            contact_phone=SECRET_PHONE,
        )
    )
    body["photo"] = upload("IMG_0001.JPG", jpeg_bytes(exif=exif_with_gps(lat, lon)))
    response = api.post("/api/pins/", body, format="multipart")
    assert response.status_code == 201, response.json()
    pin = ResidentPin.objects.get(client_uuid=body["client_uuid"])
    contact = PinContact.objects.get(pin=pin)
    assert (contact.name, contact.email, contact.phone) == (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE)
    photo = PinPhoto.objects.get(pin=pin)
    assert "IMG_0001" not in photo.image.name
    with Image.open(photo.image.path) as image:
        assert image.format == "JPEG" and not dict(image.getexif())


@pytest.fixture
def private_pin(api, demo):
    """A pin with contact details and a photo, reported through the API."""
    body = multipart(
        pin_body(
            demo,
            category="gathering",
            contact_name=SECRET_NAME,
            contact_email=SECRET_EMAIL,
            contact_phone=SECRET_PHONE,
        )
    )
    body["photo"] = upload("p.jpg", jpeg_bytes())
    response = api.post("/api/pins/", body, format="multipart")
    assert response.status_code == 201
    return ResidentPin.objects.get(client_uuid=body["client_uuid"]), response.json()


def test_contact_and_authorship_never_in_public_outputs(api, demo, private_pin):
    pin, created = private_pin
    staff = __import__("django.contrib.auth.models", fromlist=["User"]).User.objects.create_user(
        "triager", password="pw"
    )
    pin.status = "triaged"
    pin.save()
    record_status_change(pin, "received", staff, note="Ringde Anna")
    lon, lat = inside_lonlat(demo)
    outputs = {
        "list": api.get("/api/pins/", {"category": "gathering", "limit": 5000}),
        "detail": api.get(f"/api/pins/{pin.pk}/"),
        "nearby": api.get("/api/pins/nearby/", {"lon": lon, "lat": lat, "category": "gathering"}),
        "track": api.get(f"/api/pins/track/{pin.tracking_token}/"),
        "open311 json": api.get("/open311/v2/requests.json", {"service_request_id": pin.pk}),
        "open311 xml": api.get("/open311/v2/requests.xml", {"service_request_id": pin.pk}),
        "open311 one": api.get(f"/open311/v2/requests/{pin.pk}.json"),
    }
    for name, response in outputs.items():
        assert response.status_code == 200, name
        text = response.content.decode()
        for secret in (SECRET_EMAIL, SECRET_PHONE, SECRET_NAME, "Anna", "triager", "Ringde"):
            assert secret not in text, (name, secret)
        if name != "track":
            assert pin.tracking_token not in text, name
    assert str(pin.pk) in outputs["detail"].content.decode()
    assert "tracking_token" not in json.dumps(outputs["detail"].json())
    assert SECRET_EMAIL not in json.dumps(created["pin"])


def test_unpublished_description_and_photo_stay_private(api, demo):
    body = multipart(pin_body(demo, description="Min granne stör", published="false"))
    body["photo"] = upload("p.jpg", jpeg_bytes())
    response = api.post("/api/pins/", body, format="multipart")
    assert response.status_code == 201
    pin = ResidentPin.objects.get(client_uuid=body["client_uuid"])
    assert not pin.published
    public = api.get(f"/api/pins/{pin.pk}/").json()["properties"]
    assert public["description"] is None and public["photos"] == []
    own = api.get(f"/api/pins/track/{pin.tracking_token}/").json()["properties"]
    assert own["description"] == "Min granne stör"
    assert "Min granne" not in api.get(f"/open311/v2/requests/{pin.pk}.json").content.decode()


BAD_PINS = [
    ("geometry", {"geometry": None}),
    ("geometry", {"geometry": point(18.07, 59.33)}),
    ("geometry", {"geometry": point(24.9, -91)}),
    (
        "geometry",
        {"geometry": {"type": "LineString", "coordinates": [[24.9, 60.1], [24.91, 60.1]]}},
    ),
    ("category", {"category": "unicorns"}),
    ("category", {"category": None}),
    ("when", {"when": "always"}),
    ("description", {"description": ""}),
    ("description", {"description": "x" * 2001}),
    ("contact_email", {"contact_email": "not-an-email"}),
    ("contact_phone", {"contact_phone": "call me maybe"}),
    ("client_uuid", {"client_uuid": "1234"}),
    ("published", {"published": "perhaps"}),
]


@pytest.mark.parametrize(("field", "change"), BAD_PINS)
def test_bad_report_is_400_naming_the_field(api, demo, field, change):
    body = pin_body(demo, **change)
    response = api.post("/api/pins/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not ResidentPin.objects.filter(description=body.get("description") or "-").exists() or (
        field != "geometry"
    )


def test_missing_fields_are_named(api, demo):
    response = api.post("/api/pins/", {}, format="json")
    assert response.status_code == 400
    assert {"geometry", "category", "when", "description"} <= set(response.json())


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("evil.jpg", b"#!/bin/sh\necho not an image\n", "not an image"),
        ("empty.jpg", b"", "empty"),
    ],
)
def test_non_image_photo_is_400(api, demo, name, data, message):
    body = multipart(pin_body(demo))
    body["photo"] = upload(name, data)
    response = api.post("/api/pins/", body, format="multipart")
    assert response.status_code == 400 and "photo" in response.json()
    assert message in response.json()["photo"][0]
    assert not ResidentPin.objects.filter(client_uuid=body["client_uuid"]).exists()


def test_oversized_photo_is_400(api, demo, settings):
    settings.TRYGG_PHOTO_MAX_BYTES = 2000
    body = multipart(pin_body(demo))
    body["photo"] = upload("big.jpg", jpeg_bytes(size=(1200, 900)))
    response = api.post("/api/pins/", body, format="multipart")
    assert response.status_code == 400 and "larger than" in response.json()["photo"][0]


def test_honeypot_is_rejected_with_a_neutral_message(api, demo):
    body = pin_body(demo, website="http://spam.example")
    response = api.post("/api/pins/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["The report could not be accepted."]}
    assert not ResidentPin.objects.filter(client_uuid=body["client_uuid"]).exists()


def test_reports_are_rate_limited_per_address_and_device(api, demo, settings):
    # Every limit counts every request it sees, so the refused third one counts for the address.
    settings.TRYGG_RATE_LIMITS = {"pin_ip": "4/hour", "pin_device": "2/hour"}
    device = {"HTTP_X_TRYGG_DEVICE": str(uuid.uuid4())}
    for _ in range(2):
        assert api.post("/api/pins/", pin_body(demo), format="json", **device).status_code == 201
    limited = api.post("/api/pins/", pin_body(demo), format="json", **device)
    assert limited.status_code == 429 and "wait" in limited.json()["detail"]
    other = {"HTTP_X_TRYGG_DEVICE": str(uuid.uuid4())}
    assert api.post("/api/pins/", pin_body(demo), format="json", **other).status_code == 201
    by_address = api.post(
        "/api/pins/", pin_body(demo), format="json", HTTP_X_TRYGG_DEVICE=str(uuid.uuid4())
    )
    assert by_address.status_code == 429
    assert api.get("/api/pins/", {"limit": 1}).status_code == 200


@pytest.fixture
def open_pin(demo):
    from django.utils import timezone

    from walks.models import Category

    lon, lat = inside_lonlat(demo)
    from django.contrib.gis.geos import Point

    return ResidentPin.objects.create(
        municipality=demo,
        category=Category.objects.get(code="hidden_place"),
        when="night",
        description="Mörk passage under bron",
        geom=Point(lon, lat, srid=4326).transform(demo.boundary.srid, clone=True),
        reported_at=timezone.now(),
    )


def test_nearby_finds_open_pins_of_the_same_category(api, demo, open_pin):
    from walks.models import Category

    lon, lat = inside_lonlat(demo)
    near = api.get(
        "/api/pins/nearby/", {"lon": lon + 0.0003, "lat": lat, "category": "hidden_place"}
    )
    assert near.status_code == 200
    features = {f["id"]: f["properties"] for f in near.json()["features"]}
    assert open_pin.pk in features
    assert 10 < features[open_pin.pk]["distance_m"] < 25
    assert features[open_pin.pk]["description"] == "Mörk passage under bron"
    radius = Category.objects.get(code="hidden_place").duplicate_radius_m
    for properties in features.values():  # demo pins nearby may show up too, if they qualify
        assert properties["category"] == "hidden_place" and properties["distance_m"] <= radius
        assert properties["status"] in {"received", "triaged", "measure_planned"}
    other = api.get("/api/pins/nearby/", {"lon": lon, "lat": lat, "category": "litter"})
    assert open_pin.pk not in [f["id"] for f in other.json()["features"]]
    far = api.get("/api/pins/nearby/", {"lon": lon + 0.01, "lat": lat, "category": "hidden_place"})
    assert open_pin.pk not in [f["id"] for f in far.json()["features"]]
    open_pin.status = "closed_no_action"
    open_pin.save()
    closed = api.get("/api/pins/nearby/", {"lon": lon, "lat": lat, "category": "hidden_place"})
    assert open_pin.pk not in [f["id"] for f in closed.json()["features"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 60.17, "category": "litter"}, "lon"),
        ({"lon": "east", "lat": 60.17, "category": "litter"}, "lon"),
        ({"lon": 24.9, "lat": 99, "category": "litter"}, "lat"),
        ({"lon": 24.9, "lat": 60.17, "category": "nope"}, "category"),
    ],
)
def test_nearby_bad_parameters(api, demo, params, field):
    response = api.get("/api/pins/nearby/", params)
    assert response.status_code == 400 and field in response.json()


def test_vote_instead_of_duplicate(api, open_pin):
    url = f"/api/pins/{open_pin.pk}/votes/"
    vote = {"client_uuid": str(uuid.uuid4()), "when": "night"}
    first = api.post(url, vote, format="json")
    assert first.status_code == 201 and first.json() == {
        "vote_count": 1,
        "already_supported": False,
    }
    replay = api.post(url, vote, format="json")
    assert replay.status_code == 200 and replay.json()["vote_count"] == 1
    assert PinVote.objects.filter(pin=open_pin).count() == 1
    # Another person (address) adds support; the same one again does not (walks.supporters).
    again = api.post(url, {"client_uuid": str(uuid.uuid4())}, format="json")
    assert again.status_code == 200 and again.json() == {"vote_count": 1, "already_supported": True}
    other = {"client_uuid": str(uuid.uuid4())}
    second = api.post(url, other, format="json", REMOTE_ADDR="198.51.100.20")
    assert second.status_code == 201 and second.json()["vote_count"] == 2
    open_pin.refresh_from_db()
    assert open_pin.vote_count == 2


def test_vote_bad_inputs(api, open_pin):
    assert (
        api.post(
            "/api/pins/999999999/votes/", {"client_uuid": str(uuid.uuid4())}, format="json"
        ).status_code
        == 404
    )
    bad = api.post(f"/api/pins/{open_pin.pk}/votes/", {"client_uuid": "x"}, format="json")
    assert bad.status_code == 400 and "client_uuid" in bad.json()
    when = api.post(
        f"/api/pins/{open_pin.pk}/votes/",
        {"client_uuid": str(uuid.uuid4()), "when": "x"},
        format="json",
    )
    assert when.status_code == 400 and "when" in when.json()
    open_pin.status = "fixed"
    open_pin.save()
    closed = api.post(
        f"/api/pins/{open_pin.pk}/votes/", {"client_uuid": str(uuid.uuid4())}, format="json"
    )
    assert closed.status_code == 400 and "pin" in closed.json()


def test_tracking_shows_the_history_without_names(api, open_pin):
    from django.contrib.auth.models import User

    staff = User.objects.create_user("coordinator-x", password="pw")
    open_pin.status = "measure_planned"
    open_pin.public_answer = "Vi sätter upp belysning i höst."
    open_pin.save()
    record_status_change(open_pin, "received", staff)
    body = api.get(f"/api/pins/track/{open_pin.tracking_token}/").json()["properties"]
    assert body["status"] == "measure_planned"
    assert [step["status"] for step in body["history"]] == ["received", "measure_planned"]
    assert body["public_answer"] == "Vi sätter upp belysning i höst."
    assert api.get("/api/pins/track/not-a-token/").status_code == 404
    assert api.get("/api/pins/123456789/").status_code == 404


def test_public_list_filters(api, demo, open_pin):
    lon, lat = inside_lonlat(demo)
    box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    found = api.get("/api/pins/", {"in_bbox": box, "category": "hidden_place", "when": "night"})
    assert open_pin.pk in [f["id"] for f in found.json()["features"]]
    received = api.get("/api/pins/", {"in_bbox": box, "status": "fixed"})
    assert open_pin.pk not in [f["id"] for f in received.json()["features"]]
    for param, value in (("status", "lost"), ("until", "tomorrow"), ("in_bbox", "x")):
        response = api.get("/api/pins/", {param: value})
        assert response.status_code == 400 and param in response.json()


def test_photo_location_is_offered_and_nothing_stored(api, demo):
    before = PinPhoto.objects.count()
    located = api.post(
        "/api/photos/location/",
        {"photo": upload("a.jpg", jpeg_bytes(exif=exif_with_gps(60.1699, 24.9384)))},
    )
    assert located.status_code == 200
    assert located.json() == {
        "lat": pytest.approx(60.1699, abs=1e-5),
        "lon": pytest.approx(24.9384, abs=1e-5),
    }
    plain = api.post("/api/photos/location/", {"photo": upload("b.jpg", jpeg_bytes())})
    assert plain.json() == {"lat": None, "lon": None}
    bad = api.post("/api/photos/location/", {"photo": upload("c.jpg", b"text")})
    assert bad.status_code == 400 and "photo" in bad.json()
    none = api.post("/api/photos/location/", {})
    assert none.status_code == 400 and "photo" in none.json()
    assert PinPhoto.objects.count() == before


def test_categories_in_the_request_language(api, db):
    sv = api.get("/api/categories/", HTTP_ACCEPT_LANGUAGE="sv").json()
    en = api.get("/api/categories/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert sv[0]["code"] == "lighting" and sv[0]["name"] == "Mörkt eller trasig belysning"
    assert en[0]["name"] == "Dark or broken lighting"


def test_ids_beyond_the_integer_range_are_404_not_500(api, db):
    huge = "9" * 25
    assert api.get(f"/api/pins/{huge}/").status_code == 404
    vote = api.post(f"/api/pins/{huge}/votes/", {"client_uuid": str(uuid.uuid4())}, format="json")
    assert vote.status_code == 404
    assert api.get(f"/open311/v2/requests/{huge}.json").status_code == 404
    listed = api.get("/open311/v2/requests.json", {"service_request_id": huge})
    assert listed.status_code == 200 and listed.json() == []
