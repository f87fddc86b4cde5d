"""Uploaded files as Trygg serves them (gis.media): never as something a browser runs, only to
whoever may see the record they belong to, and only from inside MEDIA_ROOT.

The view serves every file under MEDIA_URL in every setting (these tests run with DEBUG off, as
production does). Access: a photo of a pin that is not published goes to staff of its
municipality and to the holder of its tracking token; a walk finding's photo to staff of the
walk's municipality and to the holder of its join code; an analysis raster to staff of its
municipality. Everything else answers 404.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.test import Client
from rest_framework.test import APIClient

from gis import media
from gis.core.conf import RATE_DEFAULTS
from gis.hotspots.models import AnalysisRun
from tests.trust import _hostile_files as hostile
from tests.trust._permission_world import _square_municipality
from tests.walks.conftest import (  # noqa: F401 - an autouse fixture: fresh counters and media
    _fresh_limits_and_media,
    finding_feature,
    inside_lonlat,
    jpeg_bytes,
    make_walk,
    upload,
)
from walks.models import Category, FindingPhoto

# Content types a browser renders or runs; none may ever come from the media view.
ACTIVE_TYPES = re.compile(r"html|svg|javascript|ecmascript|xml|css|text/|pdf|flash", re.I)
INLINE = {"image/jpeg", "image/png", "image/webp"}


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.TRYGG_RATE_LIMITS = dict.fromkeys(RATE_DEFAULTS)


def _staff(name: str, group: str | None, municipality, superuser: bool = False) -> Client:
    user = User.objects.create_user(name, is_staff=True, is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    if municipality is not None:
        municipality.staff.add(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clients(demo) -> dict[str, Client]:
    there = _square_municipality(demo, 300, "Annanstad", "media-annanstad")
    return {
        "anonymous": Client(),
        "coordinator": _staff("media-coordinator", "coordinator", demo),
        "analyst": _staff("media-analyst", "analyst", demo),
        "walk_leader": _staff("media-leader", "walk_leader", demo),
        "no_role": _staff("media-no-role", None, demo),
        "other_municipality": _staff("media-other", "coordinator", there),
        "superuser": _staff("media-super", None, None, superuser=True),
    }


def _pin(demo, *, published: bool):
    from django.contrib.gis.geos import Point

    from walks.views.common import read_photo
    from walks.views.pins import create_pin

    lon, lat = inside_lonlat(demo)
    values = {
        "category": Category.objects.get(code="lighting"),
        "when": "evening",
        "description": "Mörk gångtunnel",
        "client_uuid": uuid.uuid4(),
        "published": published,
    }
    point = Point(lon, lat, srid=4326).transform(demo.boundary.srid, clone=True)
    photo = read_photo(upload("pin.jpg", jpeg_bytes()))
    return create_pin(values, point, demo, photo, contact={"email": "rut@example.org"})


def _finding_with_photo(demo):
    walk = make_walk(demo)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    device = str(uuid.uuid4())
    point = walk.route.interpolate_normalized(0.5).transform(4326, clone=True)
    feature = finding_feature(point.x, point.y, device_token=device)
    url = f"/api/walks/{walk.join_code}/findings/"
    assert api.post(url, feature, format="json", HTTP_X_TRYGG_DEVICE=device).status_code == 201
    photos = f"{url}{feature['properties']['client_uuid']}/photos/"
    answer = api.post(photos, {"photo": upload("f.jpg", jpeg_bytes())}, HTTP_X_TRYGG_DEVICE=device)
    assert answer.status_code == 201, answer.content
    return walk, FindingPhoto.objects.get(finding__walk=walk)


def _raster(demo, data: bytes, name: str = "run.tif") -> AnalysisRun:
    run = AnalysisRun.objects.create(municipality=demo, kind="heatmap")
    run.raster.save(name, ContentFile(data))
    return run


def fetch(client: Client, url: str, **extra):
    """GET `url` and read the answer to its end (which closes a file response's file)."""
    response = client.get(url, **extra)
    response.body = b"".join(response.streaming_content) if response.streaming else response.content
    return response


def _body(response) -> bytes:
    return response.body


def assert_safe(response) -> None:
    """The headers every served file carries, and a type from the allow-list."""
    content_type = response["Content-Type"]
    assert not ACTIVE_TYPES.search(content_type), content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "Content-Security-Policy-Report-Only" not in response
    if content_type in INLINE:
        body = _body(response)
        assert body[:3] == b"\xff\xd8\xff" or body[:4] in (b"\x89PNG", b"RIFF")
    else:
        assert content_type == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")


# --- access -------------------------------------------------------------------------------------

HIDDEN_PIN = {
    "anonymous": 404,
    "coordinator": 200,
    "analyst": 200,
    "walk_leader": 404,  # no view permission on pin photos
    "no_role": 404,
    "other_municipality": 404,
    "superuser": 200,
}


@pytest.mark.parametrize("who", HIDDEN_PIN)
def test_a_photo_of_an_unpublished_pin_only_to_its_staff(demo, clients, who):
    pin = _pin(demo, published=False)
    photo = pin.photos.get()
    for field in (photo.image, photo.thumbnail):
        response = fetch(clients[who], field.url)
        assert response.status_code == HIDDEN_PIN[who], (who, field.name)
        if response.status_code == 200:
            assert response["Content-Type"] == "image/jpeg"
            assert response["Cache-Control"] == "private, no-store"
            assert_safe(response)


def test_the_tracking_token_opens_the_photo_and_nothing_else(demo, clients):
    pin, other = _pin(demo, published=False), _pin(demo, published=False)
    url = pin.photos.get().image.url
    anonymous = clients["anonymous"]
    assert fetch(anonymous, f"{url}?token={pin.tracking_token}").status_code == 200
    for wrong in ("", "x", pin.tracking_token[:-1], other.tracking_token, pin.tracking_token + "x"):
        assert fetch(anonymous, f"{url}?token={wrong}").status_code == 404, wrong
    # A join code is no key to a pin's photo.
    assert fetch(anonymous, f"{url}?code={pin.tracking_token}").status_code == 404


def test_a_published_pins_photo_to_anyone(demo, clients):
    photo = _pin(demo, published=True).photos.get()
    for client in clients.values():
        response = fetch(client, photo.thumbnail.url)
        assert response.status_code == 200
        assert_safe(response)


def test_the_tracking_page_and_api_show_the_photo_with_its_token(demo):
    pin = _pin(demo, published=False)
    client = Client()
    page = fetch(client, f"/rapportera/folj/{pin.tracking_token}/").content.decode()
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources and all(f"token={pin.tracking_token}" in src for src in sources)
    for src in sources:
        assert fetch(client, src.replace("&amp;", "&")).status_code == 200
    tracked = fetch(client, f"/api/pins/track/{pin.tracking_token}/").json()
    links = [
        photo[key] for photo in tracked["properties"]["photos"] for key in ("url", "thumbnail")
    ]
    assert len(links) == 2
    for link in links:
        assert fetch(client, link).status_code == 200, link
    # The public API and Open311 never show it.
    assert fetch(client, f"/api/pins/{pin.pk}/").json()["properties"]["photos"] == []
    service = fetch(client, f"/open311/v2/requests/{pin.pk}.json").json()[0]
    assert service.get("media_url") is None


def test_open311_and_the_api_link_published_photos_that_open(demo):
    pin = _pin(demo, published=True)
    client = Client()
    service = fetch(client, f"/open311/v2/requests/{pin.pk}.json").json()[0]
    assert fetch(client, service["media_url"]).status_code == 200
    for photo in fetch(client, f"/api/pins/{pin.pk}/").json()["properties"]["photos"]:
        assert fetch(client, photo["url"]).status_code == 200


FINDING = {
    "anonymous": 404,
    "coordinator": 200,
    "analyst": 200,
    "walk_leader": 200,
    "no_role": 404,
    "other_municipality": 404,
    "superuser": 200,
}


def test_finding_photos_to_staff_of_the_walk_and_holders_of_its_join_code(demo, clients):
    walk, photo = _finding_with_photo(demo)
    for who, expected in FINDING.items():
        for field in (photo.image, photo.thumbnail):
            response = fetch(clients[who], field.url)
            assert response.status_code == expected, (who, field.name)
            if expected == 200:
                assert_safe(response)
    anonymous = clients["anonymous"]
    assert fetch(anonymous, f"{photo.image.url}?code={walk.join_code.lower()}").status_code == 200
    other = make_walk(demo)
    assert fetch(anonymous, f"{photo.image.url}?code={other.join_code}").status_code == 404
    # The walk app's API links carry the code, and they open.
    findings = fetch(anonymous, f"/api/walks/{walk.join_code.lower()}/findings/").json()
    links = [p[key] for f in findings["features"] for p in f["properties"]["photos"] for key in p]
    assert len(links) == 2
    for link in links:
        assert fetch(anonymous, link).status_code == 200, link
    # A closed walk's code opens nothing any more; its staff still see the photos.
    walk.status = walk.Status.CLOSED
    walk.save()
    assert fetch(anonymous, links[0]).status_code == 404
    assert fetch(clients["coordinator"], links[0]).status_code == 200


RASTER = {
    "anonymous": 404,
    "coordinator": 200,
    "analyst": 200,
    "walk_leader": 404,
    "no_role": 404,
    "other_municipality": 404,
    "superuser": 200,
}


def test_analysis_rasters_to_staff_of_the_municipality_as_attachments(demo, clients):
    run = _raster(demo, hostile.geotiff_bytes())
    for who, expected in RASTER.items():
        response = fetch(clients[who], run.raster.url)
        assert response.status_code == expected, who
        if expected == 200:
            assert_safe(response)
            assert response["Content-Type"] == "application/octet-stream"


def test_every_model_with_a_file_field_has_an_access_rule():
    labels = {model._meta.label_lower for model, _field in media.file_fields()}
    assert labels, "no file fields found"
    assert labels <= set(media.RULES), f"file fields without a rule in gis.media: {labels}"


# --- what is served, and from where --------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "data", "name"), hostile.ACTIVE_CONTENT, ids=[c[0] for c in hostile.ACTIVE_CONTENT]
)
def test_a_stored_hostile_file_is_never_served_as_active_content(demo, clients, label, data, name):
    """A file that got under MEDIA_ROOT by any way (an old upload, a restored backup) is served
    by its bytes as an image or as an attachment, never as a page, SVG or script."""
    run = _raster(demo, data, name)
    for url in (run.raster.url, run.raster.url + "?format=html"):
        response = fetch(clients["superuser"], url, HTTP_ACCEPT="text/html,*/*")
        assert response.status_code == 200
        assert_safe(response)
        if not data.startswith((b"\xff\xd8\xff", b"\x89PNG")):
            assert response["Content-Type"] == "application/octet-stream"


def test_every_file_under_media_root_is_served_safely(demo, clients, settings):
    _pin(demo, published=True)
    _pin(demo, published=False)
    _finding_with_photo(demo)
    _raster(demo, hostile.geotiff_bytes())
    _raster(demo, hostile.SVG_WITH_SCRIPT, "drawing.svg")
    root = Path(settings.MEDIA_ROOT)
    files = [path for path in root.rglob("*") if path.is_file()]
    assert len(files) >= 8
    for path in files:
        response = fetch(clients["superuser"], "/media/" + path.relative_to(root).as_posix())
        assert response.status_code == 200, path
        assert_safe(response)


def test_paths_outside_media_root_or_without_a_record_are_404(demo, clients, settings, tmp_path):
    photo = _pin(demo, published=True).photos.get()
    root = Path(settings.MEDIA_ROOT)
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(jpeg_bytes())
    os.symlink(secret, root / "pins" / "link.jpg")
    (root / "pins" / "orphan.jpg").write_bytes(jpeg_bytes())
    folder = Path(photo.image.name).parent.as_posix()
    superuser = clients["superuser"]
    for path in (
        "/media/../secret.jpg",
        "/media/%2e%2e/secret.jpg",
        "/media/pins/%2e%2e/%2e%2e/secret.jpg",
        f"/media/{folder}/..%2f..%2f..%2fsecret.jpg",
        "/media/pins%5c..%5c..%5csecret.jpg",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
        f"/media/{folder}/./{Path(photo.image.name).name}",
        "/media/pins/link.jpg",
        "/media/pins/orphan.jpg",
        "/media/pins/",
        "/media/pins/%00.jpg",
        f"/media/{photo.image.name}%00",
    ):
        response = superuser.get(path)
        assert response.status_code == 404, path
        assert not response.streaming, path
    assert fetch(superuser, photo.image.url).status_code == 200


def test_only_reads(demo):
    photo = _pin(demo, published=True).photos.get()
    client = Client()
    head = client.head(photo.image.url)
    assert head.status_code == 200 and head["Content-Type"] == "image/jpeg"
    for method in ("post", "put", "delete"):
        assert getattr(client, method)(photo.image.url).status_code == 405, method


def test_a_missing_file_is_404_not_500(demo):
    photo = _pin(demo, published=True).photos.get()
    Path(photo.image.path).unlink()
    assert Client().get(photo.image.url).status_code == 404
