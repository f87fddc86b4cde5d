"""Hostile uploads through every endpoint that takes a photo: refused with a 400 naming the
field (never a 500, never a warning turned error), or stored re-encoded with nothing of the
original file but its pixels."""

from __future__ import annotations

import io
import uuid
import warnings
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from rest_framework.test import APIClient

from tests.trust import _hostile_files as hostile
from tests.walks.conftest import (  # noqa: F401 - an autouse fixture: fresh counters and media
    _fresh_limits_and_media,
    finding_feature,
    jpeg_bytes,
    make_walk,
    upload,
)
from tests.walks.test_api_pins import multipart, pin_body
from walks.conf import RATE_DEFAULTS
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
