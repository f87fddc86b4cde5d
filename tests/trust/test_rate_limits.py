"""Rate limits and size caps of every endpoint reachable without logging in.

The inventory walks the whole URL configuration (both languages), finds each endpoint an
anonymous client can reach with GET or POST, and requires a 429 after its limit: a new public
endpoint without a limit fails here. The other tests check the 429 answers, how a client is
told apart (address, device, trusted proxies), that a throttled field-app upload is later
stored exactly once, and that oversized or malformed bodies get a 400 or 413, never a 500.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import translation
from django.utils.regex_helper import normalize
from rest_framework.test import APIClient

from gis.core import throttles
from gis.core.conf import RATE_DEFAULTS
from tests.walks.conftest import (  # noqa: F401 - an autouse fixture: fresh counters and media
    _fresh_limits_and_media,
    finding_feature,
    inside_lonlat,
    jpeg_bytes,
    make_walk,
    upload,
)
from tests.walks.test_api_pins import pin_body
from walks.models import FindingPhoto, ResidentPin, WalkFinding

LIMIT = 2
ALL_LOW = {scope: f"{LIMIT}/minute" for scope in RATE_DEFAULTS}


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


# --- the inventory ---------------------------------------------------------------------------

SAMPLE_VALUES = ("1", "ABCD", "json", "00000000-0000-0000-0000-000000000000", "auth")


def _patterns(resolver, prefix: str = "", namespaces: tuple[str, ...] = ()):
    """(regex of the whole path, view name) of every URL pattern under `resolver`."""
    for entry in resolver.url_patterns:
        regex = prefix + re.sub(r"(\\Z|\$)$", "", entry.pattern.regex.pattern.lstrip("^"))
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _patterns(entry, regex, inner)
        else:
            yield regex, ":".join((*namespaces, entry.name)) if entry.name else ""


def _samples(regex: str, param: str) -> tuple[str, ...]:
    """Values to try for a URL parameter: the samples, then its literal alternatives."""
    group = re.search(rf"\(\?P<{param}>([^()]*)\)", regex)
    alternatives = group.group(1).split("|") if group else []
    return (*SAMPLE_VALUES, *(a for a in alternatives if re.fullmatch(r"[\w.-]+", a)))


def _example_path(regex: str) -> str | None:
    """A path matching `regex`, its parameters filled with the first sample value that fits."""
    for template, params in normalize(regex):
        for values in itertools.product(*(_samples(regex, param) for param in params)):
            path = template % dict(zip(params, values, strict=True))
            if re.fullmatch(regex, path):
                return "/" + path
    return None


def public_paths() -> dict[str, str]:
    """Every URL pattern as an example path (Swedish and English) with its view name."""
    found = {}
    for language in ("sv", "en"):
        with translation.override(language):
            for regex, name in _patterns(get_resolver()):
                path = _example_path(regex)
                assert path is not None, f"no example path for {regex!r} ({name})"
                found.setdefault(path, name or resolve(path).view_name)
    return found


def _login_paths() -> tuple[str, ...]:
    paths = []
    for language in ("sv", "en"):
        with translation.override(language):
            paths += [reverse("login"), reverse("admin:login")]
    return tuple(paths)


def _needs_login(response, login_paths: tuple[str, ...]) -> bool:
    if response.status_code in (401, 403):
        return True
    location = urlsplit(response.get("Location", "")).path
    return response.status_code in (301, 302) and location.startswith(login_paths)


def anonymous_endpoints() -> list[tuple[str, str, str]]:
    """(method, path, view name) of every endpoint that answers an anonymous GET or POST with
    anything but a login redirect, 401, 403 or 405."""
    client = Client()
    login_paths = _login_paths()
    endpoints = []
    for path, name in sorted(public_paths().items()):
        cache.clear()
        if _needs_login(client.get(path), login_paths):
            continue
        endpoints.append(("GET", path, name))
        answer = client.post(path)
        if answer.status_code != 405 and not _needs_login(answer, login_paths):
            endpoints.append(("POST", path, name))
    return endpoints


EXPECTED_PUBLIC = {
    ("GET", "home"),
    ("GET", "healthz"),
    ("GET", "login"),
    ("POST", "login"),
    ("GET", "admin:login"),
    ("POST", "admin:login"),
    ("POST", "set_language"),
    ("GET", "schema"),
    ("GET", "api-docs"),
    ("GET", "walks:report"),
    ("GET", "walks:track"),
    ("GET", "walks:app"),
    ("GET", "walks:sw"),
    ("GET", "walks_api:walk-list"),
    ("GET", "walks_api:walk-detail"),
    ("GET", "walks_api:walk-streets"),
    ("POST", "walks_api:walk-join"),
    ("GET", "walks_api:finding-list"),
    ("POST", "walks_api:finding-list"),
    ("GET", "walks_api:finding-detail"),
    ("POST", "walks_api:finding-photos"),
    ("GET", "walks_api:audit-list"),
    ("POST", "walks_api:audit-list"),
    ("GET", "walks_api:streets"),
    ("GET", "walks_api:places"),
    ("GET", "walks_api:category-list"),
    ("POST", "walks_api:photo-location"),
    ("GET", "walks_api:pin-list"),
    ("POST", "walks_api:pin-list"),
    ("GET", "walks_api:pin-nearby"),
    ("GET", "walks_api:pin-detail"),
    ("POST", "walks_api:pin-votes"),
    ("GET", "walks_api:pin-track"),
    ("GET", "walks_api:open311-services"),
    ("GET", "walks_api:open311-requests"),
    ("POST", "walks_api:open311-requests"),
    ("GET", "walks_api:open311-request"),
    ("GET", "walks_api:open311-token"),
    ("GET", "campaigns:answer"),
    ("GET", "campaigns:results"),
    ("POST", "campaigns_api:responses"),
    ("POST", "campaigns_api:response-photos"),
}


def test_every_anonymous_endpoint_answers_429_after_its_limit(db, settings):
    settings.TRYGG_RATE_LIMITS = ALL_LOW
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    endpoints = anonymous_endpoints()
    # Open311 routes may be named per format ("...-json", "...-xml").
    found = {(method, re.sub(r"-(json|xml)$", "", name)) for method, _path, name in endpoints}
    missing = EXPECTED_PUBLIC - found
    assert not missing, f"the inventory did not find these public endpoints: {missing}"
    unlimited = []
    for method, path, name in endpoints:
        cache.clear()
        send = client.get if method == "GET" else client.post
        answers = [send(path) for _ in range(LIMIT + 1)]
        if any(a.status_code == 429 for a in answers[:LIMIT]) or answers[-1].status_code != 429:
            unlimited.append((method, path, name, [a.status_code for a in answers]))
            continue
        assert int(answers[-1]["Retry-After"]) >= 1, (method, path)
    assert not unlimited, f"endpoints without a working rate limit: {unlimited}"


def test_csp_reports_are_limited(db, settings):
    settings.TRYGG_RATE_LIMITS = ALL_LOW
    report = json.dumps({"csp-report": {"violated-directive": "img-src", "blocked-uri": "x"}})
    client = Client()
    answers = [
        client.post("/csp-report", report, content_type="application/csp-report").status_code
        for _ in range(LIMIT + 1)
    ]
    assert answers == [204] * LIMIT + [429]


# --- the 429 answers -------------------------------------------------------------------------


def test_api_429_has_retry_after_and_a_message_in_the_clients_language(db, settings):
    settings.TRYGG_RATE_LIMITS = {"read_ip": "1/minute"}
    assert APIClient().get("/api/categories/").status_code == 200
    swedish = APIClient().get("/api/categories/")
    assert swedish.status_code == 429 and 1 <= int(swedish["Retry-After"]) <= 60
    assert swedish.json()["detail"].startswith("För många förfrågningar")
    english = APIClient(HTTP_ACCEPT_LANGUAGE="en").get("/api/categories/")
    assert english.json()["detail"].startswith("Too many requests")
    assert f"{english['Retry-After']} second" in english.json()["detail"]


@pytest.mark.parametrize(
    ("path", "language", "title"),
    [("/rapportera/", "sv", "För många förfrågningar"), ("/en/report/", "en", "Too many requests")],
)
def test_page_429_is_a_short_page_in_the_pages_language(db, settings, path, language, title):
    settings.TRYGG_RATE_LIMITS = {"page_ip": "1/minute"}
    client = Client()
    assert client.get(path).status_code == 200
    refused = client.get(path)
    assert refused.status_code == 429 and refused["Content-Type"].startswith("text/html")
    page = refused.content.decode()
    assert f'lang="{language}"' in page and title in page and "<script" not in page
    assert int(refused["Retry-After"]) >= 1 and refused["Cache-Control"] == "no-store"


def test_open311_429_is_an_open311_error_in_xml_too(db, settings):
    settings.TRYGG_RATE_LIMITS = {"read_ip": "1/minute"}
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.get("/open311/v2/services.xml")
    refused = client.get("/open311/v2/services.xml")
    assert refused.status_code == 429 and refused["Retry-After"]
    body = refused.content.decode()
    assert "<errors><error><code>429</code><description>Too many requests" in body


def test_refusals_are_logged_once_per_client_and_window_without_the_address(db, settings, caplog):
    settings.TRYGG_RATE_LIMITS = {"read_ip": "1/minute"}
    with caplog.at_level(logging.INFO):
        statuses = [
            APIClient().get("/api/categories/", REMOTE_ADDR="198.51.100.7").status_code
            for _ in range(4)
        ]
    assert statuses == [200, 429, 429, 429]
    refusals = [r.getMessage() for r in caplog.records if r.name == "trygg.ratelimit"]
    assert len(refusals) == 1 and "read_ip" in refusals[0]
    assert "198.51.100.7" not in refusals[0]
    requests = [r for r in caplog.records if r.name == "django.request"]
    assert not [r for r in requests if getattr(r, "status_code", None) == 429]


# --- scopes and who counts as one client -----------------------------------------------------


def test_tracking_lookups_share_one_limit(demo, settings, api):
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from gis.core.api.fields import to_storage
    from walks.models import Category

    settings.TRYGG_RATE_LIMITS = {"track_ip": "3/minute"}
    lon, lat = inside_lonlat(demo)
    pin = ResidentPin.objects.create(
        municipality=demo,
        category=Category.objects.get(code="litter"),
        when="day",
        description="Skräp",
        geom=to_storage(Point(lon, lat, srid=4326)),
        reported_at=timezone.now(),
    )
    token = pin.tracking_token
    assert Client().get(f"/rapportera/folj/{token}/").status_code == 200
    assert api.get(f"/api/pins/track/{token}/").status_code == 200
    assert api.get(f"/open311/v2/tokens/{token}.json").status_code == 200
    assert api.get(f"/api/pins/track/{uuid.uuid4().hex}/").status_code == 429
    assert api.get(f"/api/pins/{pin.pk}/").status_code == 200  # other reads: another limit


def test_login_attempts_have_their_own_limit(db, settings):
    settings.TRYGG_RATE_LIMITS = {"login_ip": "2/minute"}
    client = Client()
    for _ in range(2):
        assert client.post("/login/", {"username": "x", "password": "y"}).status_code == 200
    assert client.post("/login/", {"username": "x", "password": "y"}).status_code == 429
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 429
    assert client.get("/login/").status_code == 200  # reading the page is a page view


def test_reads_and_writes_are_counted_apart(demo, settings, api):
    settings.TRYGG_RATE_LIMITS = {"read_ip": "2/minute", "pin_ip": "1/minute"}
    for _ in range(2):
        assert api.get("/api/pins/", {"limit": 1}).status_code == 200
    assert api.get("/api/pins/", {"limit": 1}).status_code == 429
    body = pin_body(demo)
    assert api.post("/api/pins/", body, format="json").status_code == 201
    assert api.post("/api/pins/", pin_body(demo), format="json").status_code == 429


def _categories(address: str, forwarded: str | None = None) -> int:
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().get("/api/categories/", **headers).status_code


def test_forwarded_for_is_not_believed_by_default(db, settings):
    settings.TRYGG_RATE_LIMITS = {"read_ip": "2/minute"}
    assert _categories("10.0.0.1", "1.1.1.1") == 200
    assert _categories("10.0.0.1", "2.2.2.2") == 200
    assert _categories("10.0.0.1", "3.3.3.3") == 429
    assert _categories("10.0.0.2", "1.1.1.1") == 200  # another peer is another client


def test_a_trusted_proxy_hop_names_the_client(db, settings):
    settings.TRYGG_RATE_LIMITS = {"read_ip": "1/minute"}
    settings.TRYGG_TRUSTED_PROXIES = 1
    proxy = "10.0.0.1"
    assert _categories(proxy, "203.0.113.7") == 200
    assert _categories(proxy, "203.0.113.7") == 429
    # Entries left of the proxy's own are the client's claims: rotating them gains nothing.
    assert _categories(proxy, "9.9.9.9, 203.0.113.7") == 429
    assert _categories(proxy, "203.0.113.8") == 200


def test_ipv6_clients_count_by_their_64_network(db, settings):
    settings.TRYGG_RATE_LIMITS = {"read_ip": "2/minute"}
    assert _categories("2001:db8:1:2::1") == 200
    assert _categories("2001:db8:1:2:ffff::9") == 200
    assert _categories("2001:db8:1:2:abcd::1") == 429
    assert _categories("2001:db8:1:3::1") == 200
    assert _categories("::ffff:192.0.2.1") == 200
    assert _categories("192.0.2.1") == 200
    assert _categories("192.0.2.1") == 429  # IPv4-mapped IPv6 is the same IPv4 client


def test_staff_reading_the_walk_list_is_not_limited(demo, settings):
    from django.contrib.auth.models import User

    settings.TRYGG_RATE_LIMITS = {"read_ip": "1/minute"}
    staff = User.objects.create_superuser("ratelimit-admin", password="pw")
    client = APIClient()
    client.force_login(staff)
    assert [client.get("/api/walks/").status_code for _ in range(3)] == [200, 200, 200]
    assert [APIClient().get("/api/walks/").status_code for _ in range(2)] == [200, 429]


# --- the field app's offline replay ------------------------------------------------------------


class Clock:
    """A clock for the limiter that the test moves forward."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_throttled_uploads_are_stored_once_when_retried_later(demo, settings, monkeypatch, api):
    """The field app retries a 429 later with the same client_uuid: stored exactly once."""
    clock = Clock()
    monkeypatch.setattr(throttles._ScopedThrottle, "timer", staticmethod(clock))
    settings.TRYGG_RATE_LIMITS = {"walk_device": "2/minute"}
    walk = make_walk(demo)
    device = str(uuid.uuid4())
    headers = {"HTTP_X_TRYGG_DEVICE": device}
    url = f"/api/walks/{walk.join_code}/findings/"
    point = walk.route.interpolate_normalized(0.5).transform(4326, clone=True)
    first, second, third = (
        finding_feature(point.x, point.y, device_token=device) for _ in range(3)
    )
    assert api.post(url, first, format="json", **headers).status_code == 201
    assert api.post(url, second, format="json", **headers).status_code == 201
    refused = api.post(url, third, format="json", **headers)
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 60
    third_id = third["properties"]["client_uuid"]
    assert not WalkFinding.objects.filter(client_uuid=third_id).exists()

    photo_url = f"{url}{first['properties']['client_uuid']}/photos/"
    photo = {"photo": upload("a.jpg", jpeg_bytes()), "client_uuid": str(uuid.uuid4())}
    assert api.post(photo_url, photo, **headers).status_code == 429

    clock.now += 61
    assert api.post(url, third, format="json", **headers).status_code == 201
    photo["photo"] = upload("a.jpg", jpeg_bytes())
    assert api.post(photo_url, photo, **headers).status_code == 201
    clock.now += 61
    assert api.post(url, third, format="json", **headers).status_code == 200  # a replay
    photo["photo"] = upload("a.jpg", jpeg_bytes())
    assert api.post(photo_url, photo, **headers).status_code == 200
    ids = [f["properties"]["client_uuid"] for f in (first, second, third)]
    assert WalkFinding.objects.filter(client_uuid__in=ids).count() == 3
    assert FindingPhoto.objects.filter(client_uuid=photo["client_uuid"]).count() == 1


# --- size caps ---------------------------------------------------------------------------------


def test_json_bodies_over_the_cap_are_413_before_anything_counts(demo, settings, api):
    settings.TRYGG_API_BODY_MAX_BYTES = 4096
    settings.TRYGG_RATE_LIMITS = {"pin_ip": "1/minute"}
    big = pin_body(demo, description="x" * 5000)
    response = api.post("/api/pins/", big, format="json")
    assert response.status_code == 413 and "at most 4 kB" in response.json()["detail"]
    assert api.post("/api/pins/", pin_body(demo), format="json").status_code == 201


def test_multipart_over_one_photo_is_413(demo, settings, api):
    settings.TRYGG_PHOTO_MAX_BYTES = 10_000
    body = {**pin_body(demo), "geometry": json.dumps(pin_body(demo)["geometry"])}
    body["photo"] = upload("big.jpg", b"\xff\xd8" + b"\0" * 400_000)
    response = api.post("/api/pins/", body, format="multipart")
    assert response.status_code == 413 and "too large" in response.json()["detail"]


def _nested(depth: int) -> list:
    value: list = [0]
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "body",
    [
        "[" * 50_000 + "]" * 50_000,
        json.dumps({"geometry": {"coordinates": _nested(25)}}),
    ],
    ids=["recursion bomb", "depth over the cap"],
)
def test_deeply_nested_json_is_400(demo, api, body):
    response = api.generic("POST", "/api/pins/", body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]


def test_deeply_nested_geometry_text_in_form_data_is_400_naming_it(demo, api):
    body = {**pin_body(demo), "geometry": '{"type": "Point", "coordinates": ' + "[" * 20_000}
    response = api.post("/api/pins/", body, format="multipart")
    assert response.status_code == 400 and "geometry" in response.json()
    nested = {"type": "Point", "coordinates": [[[[[24.9, 60.1]]]]]}
    response = api.post("/api/pins/", {**body, "geometry": json.dumps(nested)}, format="multipart")
    assert response.status_code == 400 and "geometry" in response.json()


def test_too_many_form_fields_is_400(demo, settings, api):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    fields = {f"f{i}": "x" for i in range(30)}
    response = api.post("/open311/v2/requests.json", fields)
    assert response.status_code == 400
    assert "too many fields" in response.json()[0]["description"]


def _finding_url(demo) -> tuple[str, tuple[float, float]]:
    walk = make_walk(demo)
    point = walk.route.interpolate_normalized(0.5).transform(4326, clone=True)
    return f"/api/walks/{walk.join_code}/", (point.x, point.y)


LONG = "x" * 2001
TOO_LONG = [
    ("pin description", "description"),
    ("pin contact name", "contact_name"),
    ("finding note", "note"),
    ("audit stop name", "stop_name"),
    ("walk join name", "display_name"),
    ("open311 description", "description"),
    ("open311 api key", "api_key"),
    ("open311 e-mail", "email"),
]


def _too_long_request(api, demo, label: str):
    if label.startswith("pin"):
        field = "description" if "description" in label else "contact_name"
        return api.post("/api/pins/", pin_body(demo, **{field: LONG}), format="json")
    if label.startswith("open311"):
        lon, lat = inside_lonlat(demo)
        data = {"service_code": "litter", "lat": lat, "long": lon}
        if "e-mail" in label:
            data["email"] = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".se"
        else:
            data["description" if "description" in label else "api_key"] = LONG
        return api.post("/open311/v2/requests.json", data)
    base, (lon, lat) = _finding_url(demo)
    if label == "finding note":
        return api.post(base + "findings/", finding_feature(lon, lat, note=LONG), format="json")
    if label == "audit stop name":
        audit = finding_feature(lon, lat, stop_name=LONG)
        return api.post(base + "audits/", audit, format="json")
    join = {"device_token": str(uuid.uuid4()), "role": "resident", "display_name": LONG}
    return api.post(base + "join/", join, format="json")


@pytest.mark.parametrize(("label", "field"), TOO_LONG, ids=[t[0] for t in TOO_LONG])
def test_text_over_its_length_is_400_naming_the_field(demo, api, label, field):
    response = _too_long_request(api, demo, label)
    assert response.status_code == 400, response.content
    body = response.json()
    if label.startswith("open311"):
        assert body[0]["description"].startswith(f"{field}:")
    else:
        assert field in body


def test_lines_over_the_vertex_cap_are_400_naming_the_geometry(demo, api):
    base, (lon, lat) = _finding_url(demo)
    line = finding_feature(lon, lat)
    line["geometry"] = {
        "type": "LineString",
        "coordinates": [[lon + i * 1e-6, lat + (i % 2) * 1e-6] for i in range(1001)],
    }
    response = api.post(base + "findings/", line, format="json")
    assert response.status_code == 400 and "geometry" in response.json()


def test_plain_views_refuse_oversized_forms_with_400_not_500(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    client = Client()
    big = client.post("/i18n/setlang/", {"language": "en", "next": "/" + "x" * 2000})
    assert big.status_code == 400
    many = client.post("/login/", {f"f{i}": "x" for i in range(30)})
    assert many.status_code == 400
    report = json.dumps({"csp-report": {"blocked-uri": "x" * 100_000}})
    assert client.post("/csp-report", report, content_type="application/json").status_code == 204
