"""Hostile uploads through every endpoint that takes a photo: refused with a 400 naming the
field (never a 500, never a warning turned error), or stored re-encoded with nothing of the
original file but its pixels."""

from __future__ import annotations

import io
import struct
import uuid
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image
from rest_framework.test import APIClient

from gis.core.conf import RATE_DEFAULTS
from tests.trust import _hostile_files as hostile
from tests.walks.conftest import (  # noqa: F401 - an autouse fixture: fresh counters and media
    _fresh_limits_and_media,
    finding_feature,
    jpeg_bytes,
    make_walk,
    upload,
)
from tests.walks.test_api_pins import multipart, pin_body
from walks.models import FindingPhoto, PinPhoto, ResidentPin
from walks.photos import PhotoError, inspect_photo, process_photo


@pytest.fixture(autouse=True)
def _no_limits(settings):
    """No rate limit gets in the way of the many uploads here."""
    settings.TRYGG_RATE_LIMITS = dict.fromkeys(RATE_DEFAULTS)


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


DEVICE = str(uuid.uuid4())


class Target:
    """An endpoint that takes a photo: how to send one, and what it stores."""

    def __init__(self, name: str):
        self.name = name

    def send(self, api, demo, data: bytes, filename="photo.jpg", content_type="image/jpeg"):
        file = upload(filename, data, content_type)
        if self.name == "pin":
            body = {**multipart(pin_body(demo)), "photo": file}
            return api.post("/api/pins/", body, format="multipart")
        if self.name == "finding":
            walk = make_walk(demo)
            point = walk.route.interpolate_normalized(0.5).transform(4326, clone=True)
            feature = finding_feature(point.x, point.y, device_token=DEVICE)
            url = f"/api/walks/{walk.join_code}/findings/"
            created = api.post(url, feature, format="json", HTTP_X_TRYGG_DEVICE=DEVICE)
            assert created.status_code == 201, created.content
            photo_url = f"{url}{feature['properties']['client_uuid']}/photos/"
            return api.post(photo_url, {"photo": file}, HTTP_X_TRYGG_DEVICE=DEVICE)
        return api.post("/api/photos/location/", {"photo": file})

    def stored(self) -> list[Path]:
        """Files stored for this endpoint's records (the photo and its thumbnail)."""
        model = {"pin": PinPhoto, "finding": FindingPhoto}.get(self.name)
        if model is None:
            return []
        return [Path(f.path) for p in model.objects.all() for f in (p.image, p.thumbnail)]


TARGETS = [Target("pin"), Target("finding"), Target("location")]


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


REFUSED = [
    ("bomb 30000 x 30000", lambda: hostile.png_header_only(30_000, 30_000), "too many pixels"),
    ("Pillow's warning zone", lambda: hostile.png_header_only(10_000, 10_000), "too many pixels"),
    ("over our pixel cap", lambda: hostile.png_header_only(10_000, 7_000), "too many pixels"),
    ("over our side cap", lambda: hostile.png_header_only(12_001, 100), "too large: 12001"),
    ("JPEG claiming 65000 x 65000", lambda: hostile.jpeg_with_size(65_000, 65_000), "pixels"),
    ("GIFAR", hostile.gifar, "not an image"),
    ("TIFF", hostile.tiff_bytes, "not an image"),
    ("PDF", lambda: hostile.PDF, "not an image"),
    ("SVG with a script", lambda: hostile.SVG_WITH_SCRIPT, "not an image"),
    ("HTML named .jpg", lambda: hostile.HTML_PAYLOAD, "not an image"),
    ("PHP named .jpg", lambda: hostile.PHP_PAYLOAD, "not an image"),
    ("Windows program", lambda: hostile.WINDOWS_PROGRAM, "not an image"),
    ("ZIP archive", hostile.zip_archive, "not an image"),
    ("empty file", lambda: b"", "empty"),
    ("truncated JPEG", hostile.truncated_jpeg, "damaged"),
]


# The photo-location endpoint reads the header and EXIF only, never the pixels, so a truncated
# JPEG there is a photo without a position (nothing is stored either way).
REFUSED_AT = [
    pytest.param(target, *case, id=f"{target.name}-{case[0]}")
    for target in TARGETS
    for case in REFUSED
    if not (target.name == "location" and case[0] == "truncated JPEG")
]


@pytest.mark.parametrize(("target", "label", "make", "message"), REFUSED_AT)
def test_hostile_file_is_400_naming_the_photo(api, demo, settings, target, label, make, message):
    pins_before = ResidentPin.objects.count()
    response = target.send(api, demo, make())
    assert response.status_code == 400, (label, response.content)
    assert message in response.json()["photo"][0]
    assert ResidentPin.objects.count() == pins_before
    assert not PinPhoto.objects.exists() and not FindingPhoto.objects.exists()
    assert _media_files(settings) == []


def _assert_clean_jpeg(path: Path, *payloads: bytes) -> None:
    """The stored file is one JPEG and nothing else: no metadata, no trailing bytes."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xff\xd8") and raw.endswith(b"\xff\xd9")
    with Image.open(path) as image:
        assert image.format == "JPEG" and not dict(image.getexif())
        assert "comment" not in image.info and "exif" not in image.info
        image.load()
    assert not zipfile.is_zipfile(path)
    for payload in payloads:
        assert payload not in raw


POLYGLOTS = [
    ("JPEG + PHP", lambda: hostile.jpeg_then(hostile.PHP_PAYLOAD), [hostile.PHP_PAYLOAD]),
    ("JPEG + HTML", lambda: hostile.jpeg_then(hostile.HTML_PAYLOAD), [b"<script>"]),
    ("JPEG + ZIP", lambda: hostile.jpeg_then(hostile.zip_archive()), [b"PK\x03\x04", b"shell"]),
    ("PHP in a JPEG comment", lambda: hostile.jpeg_with_comment(hostile.PHP_PAYLOAD), [b"<?php"]),
    ("script in a PNG text chunk", lambda: hostile.png_with_text(b"C", b"<script>x"), [b"<script"]),
    ("PNG text bomb", hostile.png_text_bomb, [b"zTXt", b"Comment"]),
    ("GPS and device in EXIF", hostile.gps_jpeg, [b"SecretPhone", b"PhoneMaker", b"GPS"]),
]


@pytest.mark.parametrize("target", TARGETS[:2], ids=lambda t: t.name)
@pytest.mark.parametrize(("label", "make", "payloads"), POLYGLOTS, ids=[p[0] for p in POLYGLOTS])
def test_polyglots_are_stored_as_pixels_only(api, demo, settings, target, label, make, payloads):
    response = target.send(api, demo, make())
    assert response.status_code == 201, (label, response.content)
    stored = target.stored()
    assert len(stored) == 2 and sorted(_media_files(settings)) == sorted(stored)
    for path in stored:
        assert path.suffix == ".jpg"
        _assert_clean_jpeg(path, *payloads)


def test_photo_location_reads_gps_of_a_polyglot_and_stores_nothing(api, demo, settings):
    data = hostile.gps_jpeg(59.3293, 18.0686) + hostile.zip_archive()
    response = Target("location").send(api, demo, data)
    assert response.status_code == 200
    assert response.json() == pytest.approx({"lat": 59.3293, "lon": 18.0686}, abs=1e-5)
    assert _media_files(settings) == []


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [("report.pdf", "application/pdf"), ("x.svg", "image/svg+xml"), ("x.png", "image/png")],
)
def test_declared_type_and_name_are_ignored(api, demo, settings, filename, content_type):
    """A real JPEG under a lying name or type is a photo; the stored name is ours."""
    target = Target("pin")
    response = target.send(api, demo, jpeg_bytes(), filename, content_type)
    assert response.status_code == 201, response.content
    names = [path.name for path in target.stored()]
    assert all(name.endswith(".jpg") and filename not in name for name in names)
    lie = target.send(api, demo, hostile.PHP_PAYLOAD, "photo.jpg", "image/jpeg")
    assert lie.status_code == 400 and "not an image" in lie.json()["photo"][0]


def test_two_photos_in_one_report_are_refused_not_dropped(api, demo, settings):
    body = multipart(pin_body(demo))
    body["photo"] = [upload("a.jpg", jpeg_bytes()), upload("b.jpg", jpeg_bytes())]
    response = api.post("/api/pins/", body, format="multipart")
    assert response.status_code == 400
    assert "At most 1 file per request." in response.json()["photo"][0]
    assert not ResidentPin.objects.filter(client_uuid=body["client_uuid"]).exists()
    assert _media_files(settings) == []


def test_decoding_is_quiet_under_warnings_as_errors():
    """Damaged EXIF makes Pillow warn; a photo with it is still taken (without position)."""
    exif = hostile.gps_jpeg()
    start = exif.index(b"Exif\0\0")
    damaged = exif[: start + 20] + b"\xff" * 40 + exif[start + 60 :]
    limits = {"max_bytes": 10**7, "max_pixels": 10**8, "max_side": 20_000}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        photo = process_photo(damaged, **limits)
        assert inspect_photo(damaged, **limits) is None
    assert photo.gps is None and photo.width == 64


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_damaged_files_are_refused_or_cleaned_never_crash(seed):
    """Seeded random damage to valid files: every outcome is a photo or a PhotoError."""
    limits = {"max_bytes": 10**7, "max_pixels": 6 * 10**7, "max_side": 12_000}
    outcomes = {"stored": 0, "refused": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for data in hostile.mutants(seed, 150):
            try:
                photo = process_photo(io.BytesIO(data), **limits)
                inspect_photo(data, **limits)
            except PhotoError:
                outcomes["refused"] += 1
                continue
            assert photo.image.startswith(b"\xff\xd8") and photo.image.endswith(b"\xff\xd9")
            outcomes["stored"] += 1
    assert outcomes["stored"] > 0 and outcomes["refused"] > 0


# --- active content through every upload field ----------------------------------------------


def _served_safely(settings) -> None:
    """Every file under MEDIA_ROOT, fetched by a superuser, is an image or an attachment."""
    from django.contrib.auth.models import User
    from django.test import Client

    from tests.trust.test_media import assert_safe, fetch

    client = Client()
    client.force_login(User.objects.create_superuser("uploads-media-super"))
    root = Path(settings.MEDIA_ROOT)
    for path in _media_files(settings):
        response = fetch(client, "/media/" + path.relative_to(root).as_posix())
        assert response.status_code == 200, path
        assert_safe(response)


ACTIVE_AT = [
    pytest.param(target, *case, id=f"{target.name}-{case[0]}")
    for target in TARGETS
    for case in hostile.ACTIVE_CONTENT
]


@pytest.mark.parametrize(("target", "label", "data", "filename"), ACTIVE_AT)
def test_active_content_is_refused_or_stored_as_a_clean_jpeg(
    api, demo, settings, target, label, data, filename
):
    """HTML, SVG, JavaScript and polyglots through the API's photo fields (the report form and
    the walk app send their photos there): a 400 naming `photo`, or a fresh JPEG of the pixels."""
    response = target.send(api, demo, data, filename, "text/html")
    if response.status_code == 400:
        assert "photo" in response.json()
        assert not PinPhoto.objects.exists() and not FindingPhoto.objects.exists()
    else:
        assert response.status_code in (200, 201), (label, response.content)
    for path in _media_files(settings):
        assert path.suffix == ".jpg"
        _assert_clean_jpeg(path, b"<script", b"<html", b"fetch(")
    _served_safely(settings)


def test_the_report_page_takes_no_files(client, demo, settings):
    """The report form posts its photo to the API (above); the page itself stores nothing."""
    body = {"photo": upload("x.html", hostile.HTML_PAYLOAD, "text/html")}
    response = client.post("/rapportera/", body)
    assert response.status_code in (200, 405)
    assert _media_files(settings) == []


@pytest.fixture
def leader_client(client, db):
    from django.contrib.auth.models import Group, User

    from gis.core.models import Municipality

    user = User.objects.create_user("uploads-leader", is_staff=True)
    user.groups.add(Group.objects.get(name="walk_leader"))
    user.municipalities.set(Municipality.objects.all())
    client.force_login(user)
    return client


def _new_walk(client, demo, **extra):
    data = {
        "title": "Uppladdad rutt",
        "municipality": demo.pk,
        "starts_at": "2026-11-22T18:00",
        "time_of_day": "evening",
        **extra,
    }
    return client.post("/en/walks/new/", data)


@pytest.mark.parametrize(
    ("label", "data", "filename"),
    hostile.ACTIVE_CONTENT,
    ids=[c[0] for c in hostile.ACTIVE_CONTENT],
)
def test_route_files_with_active_content_are_400_and_never_stored(
    leader_client, demo, settings, label, data, filename
):
    from walks.models import SafetyWalk

    response = _new_walk(leader_client, demo, route_file=upload(filename, data, "text/html"))
    assert response.status_code == 400, label
    errors = response.context["form"].errors
    assert "route_file" in errors, errors
    assert not SafetyWalk.objects.filter(title="Uppladdad rutt").exists()
    assert _media_files(settings) == []


DEPTH = 100_000
NESTED = [
    ("GeoJSON arrays", b"[" * DEPTH + b"]" * DEPTH, "route.geojson"),
    (
        "GeoJSON collections",
        b'{"type":"GeometryCollection","geometries":[' * DEPTH + b"]}" * DEPTH,
        "route.json",
    ),
    ("GPX", b"<gpx>" + b"<trk>" * DEPTH + b"</trk>" * DEPTH + b"</gpx>", "route.gpx"),
]


@pytest.mark.parametrize(("label", "data", "filename"), NESTED, ids=[n[0] for n in NESTED])
def test_a_deeply_nested_route_file_is_400_naming_the_field(
    leader_client, demo, label, data, filename
):
    response = _new_walk(leader_client, demo, route_file=upload(filename, data, "text/plain"))
    assert response.status_code == 400, label
    errors = response.context["form"].errors
    assert "nested too deeply" in errors["route_file"][0]
    assert "nested too deeply" in response.content.decode()


def test_a_deeply_nested_drawn_route_is_400_naming_the_field(leader_client, demo):
    drawn = "[" * DEPTH + "]" * DEPTH
    response = _new_walk(leader_client, demo, route_drawn=drawn)
    assert response.status_code == 400
    assert "nested too deeply" in response.context["form"].errors["route_drawn"][0]
    assert 'data-error-for="route_drawn"' in response.content.decode()


def test_a_gpx_with_a_document_type_declaration_is_refused(leader_client, demo):
    gpx = (
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><gpx>&b;</gpx>'
    )
    response = _new_walk(leader_client, demo, route_file=upload("r.gpx", gpx, "text/xml"))
    assert response.status_code == 400
    assert "document type" in response.context["form"].errors["route_file"][0]


# --- the back office: every file field of every registered model ------------------------------


def _admin_file_fields() -> list[tuple[str, type, str]]:
    """(admin page model label, model with the file field, field name) of every file field
    the back office could show: the registered models' own and their inlines'."""
    from django.contrib import admin
    from django.db import models

    found = []
    for model, model_admin in admin.site._registry.items():
        inline_models = [inline.model for inline in model_admin.inlines]
        for owner in (model, *inline_models):
            for field in owner._meta.concrete_fields:
                if isinstance(field, models.FileField):
                    found.append((model._meta.label_lower, owner, field.name))
    return found


def test_the_back_office_has_no_upload_field(demo, settings):
    """Every file Trygg stores it writes itself (re-encoded photos, analysis rasters): the add
    and change pages of every registered model show no file input, and a hostile file posted
    under any file field's name (or an inline's) stores nothing."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from gis.campaigns.models import CampaignFeature
    from gis.hotspots.models import AnalysisRun
    from walks.models import WalkFinding

    fields = _admin_file_fields()
    labels = {label for label, _owner, _name in fields}
    assert {"hotspots.analysisrun", "walks.residentpin", "walks.walkfinding"} <= labels, labels
    # Records with files for the change pages.
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    assert Target("pin").send(api, demo, jpeg_bytes()).status_code == 201
    assert Target("finding").send(api, demo, jpeg_bytes()).status_code == 201
    records = {
        "walks.residentpin": PinPhoto.objects.get().pin,
        "walks.walkfinding": WalkFinding.objects.get(photos__isnull=False),
        "hotspots.analysisrun": AnalysisRun.objects.create(municipality=demo, kind="heatmap"),
        # A digital walk's answered point (the demo's): its photos are an inline.
        "campaigns.campaignfeature": CampaignFeature.objects.filter(
            response__campaign__municipality=demo
        ).order_by("pk")[0],
    }
    before = sorted(_media_files(settings))
    client = Client()
    client.force_login(User.objects.create_superuser("uploads-admin-super"))
    for label in sorted(labels):
        app, model = label.split(".")
        record = records[label]
        pages = [reverse(f"admin:{app}_{model}_add")]
        pages.append(reverse(f"admin:{app}_{model}_change", args=[record.pk]))
        names = []
        for _label, owner, name in (f for f in fields if f[0] == label):
            if owner._meta.label_lower == label:
                names.append(name)
            else:
                prefix = owner._meta.get_field(
                    next(f.name for f in owner._meta.fields if f.related_model is type(record))
                ).related_query_name()
                names += [f"{prefix}-0-{name}", f"{prefix}-__prefix__-{name}"]
        for page in pages:
            html = client.get(page).content.decode()
            assert 'type="file"' not in html, f"{page} offers an upload"
            for name in names:
                for _kind, data, filename in hostile.ACTIVE_CONTENT:
                    client.post(page, {name: upload(filename, data, "text/html")})
    assert sorted(_media_files(settings)) == before
    _served_safely(settings)


# --- rasters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "data", "filename"),
    hostile.ACTIVE_CONTENT,
    ids=[c[0] for c in hostile.ACTIVE_CONTENT],
)
def test_the_raster_validator_refuses_anything_but_a_geotiff(label, data, filename):
    from django.core.exceptions import ValidationError

    from gis.core.uploads import validate_geotiff

    with pytest.raises(ValidationError):
        validate_geotiff(io.BytesIO(data))


def test_the_raster_validator_takes_a_geotiff():
    from gis.core.uploads import validate_geotiff

    validate_geotiff(io.BytesIO(hostile.geotiff_bytes()))


# --- decode cost ------------------------------------------------------------------------------


def one_bit_png(width: int, height: int) -> bytes:
    """A real PNG of `width` x `height` black pixels at one bit each: a few kilobytes."""
    row = b"\0" + b"\0" * ((width + 7) // 8)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + hostile._png_chunk(b"IHDR", header)
        + hostile._png_chunk(b"IDAT", zlib.compress(row * height, 9))
        + hostile._png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_a_small_png_of_many_pixels_is_refused_from_its_header(api, demo, settings, target):
    """A 7 KB PNG of 7,700 x 7,700 pixels passed the 60-megapixel cap and took seconds and most
    of a gigabyte to decode; PNG and WebP now have the full-decode cap (16 megapixels)."""
    data = one_bit_png(7_700, 7_700)
    assert len(data) < 10_000
    response = target.send(api, demo, data, "small.png", "image/png")
    assert response.status_code == 400
    assert "too many pixels" in response.json()["photo"][0]
    assert _media_files(settings) == []
    # The header alone decides: the same header with no pixel data is refused the same way.
    header_only = target.send(api, demo, hostile.png_header_only(7_700, 7_700))
    assert "too many pixels" in header_only.json()["photo"][0]


def test_a_large_jpeg_goes_through_decoded_reduced(api, demo, settings):
    """A 24-megapixel JPEG (over the PNG/WebP cap, under the JPEG cap) is taken, decoded at a
    reduced scale and stored at the stored size; the same size as PNG or WebP is refused."""
    big = io.BytesIO()
    Image.new("RGB", (4000, 6000), (90, 120, 200)).save(big, format="JPEG", quality=70)
    response = Target("pin").send(api, demo, big.getvalue())
    assert response.status_code == 201, response.content
    with Image.open(PinPhoto.objects.get().image.path) as stored:
        assert max(stored.size) == 2048
    with Image.open(io.BytesIO(big.getvalue())) as image:
        image.draft("RGB", (1365, 2048))  # what walks.photos asks libjpeg for
        assert image.size == (2000, 3000)  # half scale: a quarter of the pixels
    webp = io.BytesIO()
    Image.new("RGB", (4000, 6000), (90, 120, 200)).save(webp, format="WEBP", quality=10)
    for data in (hostile.png_header_only(4000, 6000), webp.getvalue()):
        refused = Target("pin").send(api, demo, data)
        assert refused.status_code == 400 and "too many pixels" in refused.json()["photo"][0]


def test_the_full_decode_cap_is_configurable(api, demo, settings):
    settings.TRYGG_PHOTO_MAX_PIXELS_FULL_DECODE = 1000
    response = Target("pin").send(api, demo, hostile.png_bytes(size=(40, 30)))
    assert response.status_code == 400 and "too many pixels" in response.json()["photo"][0]
    settings.TRYGG_PHOTO_MAX_PIXELS_FULL_DECODE = 2000
    assert Target("pin").send(api, demo, hostile.png_bytes(size=(40, 30))).status_code == 201
