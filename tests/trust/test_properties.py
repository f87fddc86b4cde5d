"""Properties over generated input (hypothesis), so that whole classes of bad input are covered,
not only the instances a probe found:

- any GeoJSON geometry (every type, 2D/3D/4D positions, empty, huge, NaN/inf, out-of-range,
  oddly nested) sent to pins, findings, audits and a finding's PATCH answers 2xx or a 400 that
  names the field, never a 5xx;
- any identifier (Unicode digits, huge or negative numbers, NUL, percent-encoded junk, any
  text) in any path parameter of any URL pattern answers without a 5xx.

Deterministic (derandomized, no example database) and bounded. Each example runs in a
savepoint of the test's transaction that is rolled back, so examples do not see each other.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from tests.walks.conftest import finding_feature, make_walk, route_lonlat

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "trygg-hypothesis")

BOUNDED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- geometries ----------------------------------------------------------------------------------

ORDINATES = st.one_of(
    st.floats(min_value=-180, max_value=180),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1e308, -1e308, 2**64, 91, -91, 181]),
)


def positions(near: tuple[float, float]) -> st.SearchStrategy:
    """Positions of 1 to 5 values: mostly near `near` (so that some land inside), any else."""
    lon, lat = near
    close = st.tuples(st.floats(lon - 0.001, lon + 0.001), st.floats(lat - 0.001, lat + 0.001)).map(
        list
    )
    extra = st.lists(ORDINATES, max_size=3)
    anywhere = st.lists(ORDINATES, min_size=1, max_size=5)
    return st.one_of(st.tuples(close, extra).map(lambda p: p[0] + p[1]), anywhere)


def geometries(near: tuple[float, float]) -> st.SearchStrategy:
    """GeoJSON geometry objects of every type (and some that are none)."""
    pos = positions(near)
    line = st.lists(pos, max_size=5)
    ring = st.lists(pos, min_size=0, max_size=5).map(lambda r: [*r, r[0]] if r else r)
    polygon = st.lists(ring, max_size=2)
    junk = st.recursive(
        st.one_of(ORDINATES, st.text(max_size=3), st.none()), st.lists, max_leaves=10
    )
    coordinates = {
        "Point": pos,
        "MultiPoint": st.lists(pos, max_size=4),
        "LineString": line,
        "MultiLineString": st.lists(line, max_size=3),
        "Polygon": polygon,
        "MultiPolygon": st.lists(polygon, max_size=2),
        "GeometryCollection": junk,
        "Feature": junk,
        "Pointless": junk,
    }
    return st.one_of(
        *(
            st.builds(lambda t, c: {"type": t, "coordinates": c}, st.just(kind), values)
            for kind, values in coordinates.items()
        ),
        st.builds(lambda c: {"type": "Point", "coordinates": c}, junk),
    )


def _finite(value) -> bool:
    """Whether `value` holds only numbers JSON can carry (no NaN/inf)."""
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return not isinstance(value, float) or value - value == 0


@pytest.fixture
def field(demo, settings_for_requests):
    """An open walk with a finding recorded by a known phone, and a place on its route."""
    walk = make_walk(demo)
    lon, lat = route_lonlat(walk)
    token = str(uuid.uuid4())
    feature = finding_feature(lon, lat, device_token=token)
    from rest_framework.test import APIClient

    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    url = f"/api/walks/{walk.join_code}/findings/"
    created = api.post(url, feature, format="json", HTTP_X_TRYGG_DEVICE=token)
    assert created.status_code == 201
    return {
        "api": api,
        "walk": walk,
        "near": (lon, lat),
        "token": token,
        "finding_url": f"{url}{feature['properties']['client_uuid']}/",
    }


@pytest.fixture
def settings_for_requests(settings, tmp_path):
    """No rate limits (every example comes from one address); uploads to a temporary folder."""
    from django.core.cache import cache

    from gis.core.conf import RATE_DEFAULTS

    settings.TRYGG_RATE_LIMITS = dict.fromkeys(RATE_DEFAULTS)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()


def _send(field: dict, target: str, geometry: dict):
    """POST or PATCH `geometry` to one of the four places that take one."""
    api, walk, token = field["api"], field["walk"], field["token"]
    lon, lat = field["near"]
    body: dict
    if target == "pin":
        body = {
            "client_uuid": str(uuid.uuid4()),
            "geometry": geometry,
            "category": "lighting",
            "when": "evening",
            "description": "Mörkt vid hållplatsen",
        }
        return _json(api, "POST", "/api/pins/", body)
    if target == "finding":
        body = finding_feature(lon, lat, device_token=token)
        body["geometry"] = geometry
        url = f"/api/walks/{walk.join_code}/findings/"
        return _json(api, "POST", url, body, HTTP_X_TRYGG_DEVICE=token)
    if target == "audit":
        from tests.walks.test_api_walks import audit_feature

        body = audit_feature(lon, lat)
        body["geometry"] = geometry
        return _json(api, "POST", f"/api/walks/{walk.join_code}/audits/", body)
    return _json(
        api, "PATCH", field["finding_url"], {"geometry": geometry}, HTTP_X_TRYGG_DEVICE=token
    )


def _json(api, method: str, url: str, body: dict, **headers):
    """A JSON request; NaN and infinity go as the non-standard literals a client may send."""
    text = json.dumps(body)
    return api.generic(method, url, text, content_type="application/json", **headers)


@pytest.mark.parametrize("target", ["pin", "finding", "audit", "finding_patch"])
def test_any_geojson_geometry_is_stored_in_2d_or_refused_naming_it(field, target):
    statuses: set[int] = set()

    @settings(BOUNDED, max_examples=40)
    @given(geometry=geometries(field["near"]))
    def check(geometry):
        with transaction.atomic():
            response = _send(field, target, geometry)
            transaction.set_rollback(True)
        statuses.add(response.status_code)
        assert response.status_code < 500, (geometry, response.content[:300])
        assert response.status_code in (200, 201, 400), (geometry, response.status_code)
        if response.status_code == 400 and _finite(geometry):
            assert "geometry" in response.json(), (geometry, response.json())

    check()
    assert 400 in statuses and statuses & {200, 201}, statuses  # both kinds were generated


# --- identifiers in paths ---------------------------------------------------------------------

IDENTIFIERS = st.one_of(
    st.sampled_from(
        [
            "١٢٣",  # Arabic-Indic digits
            "१२",  # Devanagari digits
            "１２",  # fullwidth digits
            "²",
            "Ⅻ",
            "-1",
            "0",
            "9" * 40,
            str(2**63),
            "1e309",
            "NaN",
            " 1",
            "+1",
            "0x1F",
            "\x00",
            "1\x00",
            "%00",
            "%ff%fe",
            "%2e%2e%2f",
            "%C0%AF",
            "..",
            "00000000-0000-0000-0000-00000000000g",
        ]
    ),
    st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.binary(min_size=1, max_size=6).map(lambda b: "".join(f"%{x:02x}" for x in b)),
    st.text(min_size=1, max_size=16),
)

#: Real values for the parameters that are not the one under test, so that requests reach the
#: deeper lookups (filled in by the `path_world` fixture).
PLAIN = {
    "layer": "reports",
    "z": "15",
    "x": "18600",
    "y": "9400",
    "source": "pins",
    "kind": "pin",
    "size": "thumb",
    "fmt": "csv",
    "app_label": "walks",
    "url": "walks/",
    "week": "2026-W50",
    "resource": "1",
    "number": "1",
    "slug": "demo-digital-vandring",
    "order": "1",
}
PARAMETER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


def url_templates() -> list[tuple[str, list[str]]]:
    """Every URL pattern with path parameters, as a template with `{name}` fields."""

    def walk(resolver: URLResolver, prefix: str):
        for pattern in resolver.url_patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, text)
            elif isinstance(pattern, URLPattern):
                yield text

    templates = []
    for text in walk(get_resolver(), ""):
        names: list[str] = []

        def field(match: re.Match, names=names) -> str:
            name = match["name"] or match["rname"]
            names.append(name)
            return "{" + name + "}"

        template = PARAMETER.sub(field, text)
        if not names:
            continue
        template = template.replace("^", "").replace("$", "").replace("\\.", ".")
        template = template.replace("/?", "/")
        templates.append(("/" + template.lstrip("/"), names))
    return templates


TEMPLATES = url_templates()


@pytest.fixture
def path_world(demo, settings_for_requests, client):
    """A superuser's session (every staff view opens) and real values for other parameters."""
    from walks.models import ResidentPin

    walk = make_walk(demo)
    pin = ResidentPin.objects.filter(municipality=demo).order_by("pk")[0]
    plain = {
        **PLAIN,
        "code": walk.join_code,
        "token": pin.tracking_token,
        "pk": str(pin.pk),
        "id": str(pin.pk),
        "object_id": str(pin.pk),
        "request_id": str(pin.pk),
        "content_type_id": "1",
        "client_uuid": str(uuid.uuid4()),
        "name": "x.jpg",
    }
    client.force_login(User.objects.create_superuser("property-boss"))
    return client, plain


def test_the_url_patterns_are_found():
    names = {name for _template, names in TEMPLATES for name in names}
    assert {"pk", "code", "client_uuid", "token", "object_id", "request_id"} <= names
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("signed_in", [True, False], ids=["superuser", "anonymous"])
def test_any_identifier_in_any_path_parameter_is_no_server_error(path_world, signed_in):
    from django.test import Client

    session, plain = path_world
    client = session if signed_in else Client()

    @settings(BOUNDED, max_examples=6)
    @given(identifier=IDENTIFIERS)
    def check(identifier):
        value = quote(identifier, safe="%")
        failures = []
        for template, names in TEMPLATES:
            for name in names:
                path = template.format(**{**plain, name: value})
                with transaction.atomic():
                    response = client.get(path)
                    transaction.set_rollback(True)
                if response.status_code >= 500:
                    failures.append((path, response.status_code))
        assert not failures, failures

    check()
