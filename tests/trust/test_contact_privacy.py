"""Residents' contact details and participants' names never leak: not in exports, tiles, public
pages, Open311, the API or the dashboard of any other role, and never in a log record.

Pins are reported with unique, greppable contact values (through the report API and Open311),
a walk participant joins with a unique name and adds a finding; then every output is fetched
anonymously and as every role, with every logger at DEBUG (SQL statements excepted: the logging
configuration never logs them, which the test checks too). Only the coordinator may see them,
where the contact access log records it.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import mapbox_vector_tile
import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gis.core.roles import ROLES
from gis.dashboard.tiles import LAYERS
from gis.fixes.models import Fix
from tests.dashboard.helpers import tile_of
from tests.trust._personal import fresh_media_and_limits, report_pin, staff_user  # noqa: F401
from tests.walks.conftest import finding_feature, inside_lonlat, jpeg_bytes, make_walk, upload
from tests.walks.conftest import route_lonlat as walk_lonlat
from walks.models import ContactAccess, ResidentPin, WalkFinding

NAME, EMAIL, PHONE = "Quillon Zebrowski", "quillon.zebrowski.7f3a@example.org", "+46 70 431 97 26"
OPEN311 = {
    "first_name": "Ysolde",
    "last_name": "Marchetti-Oyelaran",
    "email": "ysolde.oyelaran.91c@example.org",
    "phone": "+46 8 555 01 99",
}
PARTICIPANT = "Hjalmar Qvistbergh"
#: Whole values and distinctive parts of them, compared case-insensitively.
SECRETS = [
    NAME,
    "Zebrowski",
    EMAIL,
    "quillon.zebrowski",
    PHONE,
    "431 97 26",
    *OPEN311.values(),
    "Oyelaran",
    "555 01 99",
    PARTICIPANT,
    "Qvistbergh",
]
#: The description of a pin whose resident did not publish it: never public.
PRIVATE_DESCRIPTION = "Grannen Xerxesdottir skymmer lampan"


#: Loggers whose DEBUG records carry data values (SQL parameters, template contexts): the
#: logging configuration keeps them at INFO whatever the level of the others.
PINNED = ("django.db.backends", "django.template")


@pytest.fixture
def all_logs(caplog):
    """Every logger at DEBUG into caplog (but the PINNED ones, which must stay above DEBUG),
    with the debug cursor on as with DEBUG, so SQL would be logged if the configuration let it."""
    caplog.set_level(logging.DEBUG)
    silent = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger) or name.startswith(PINNED):
            continue
        caplog.set_level(logging.DEBUG, logger=name)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
            silent.append(logger)
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False
    for logger in silent:
        logger.removeHandler(caplog.handler)


def leaked(text: str | bytes, secrets=SECRETS) -> list[str]:
    """The secrets found in `text` (bytes are searched as UTF-8), case-insensitively."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    lower = text.lower()
    return [secret for secret in secrets if secret.lower() in lower]


def log_text(record: logging.LogRecord) -> str:
    """Everything a handler could write of a record: message, traceback, stack and extras."""
    formatted = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
    extras = " ".join(repr(value) for key, value in vars(record).items() if key != "msg")
    return f"{formatted} {extras}"


def body(response) -> bytes:
    """The response's bytes, streamed or not."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
        response.close()
        return content
    return response.content


@dataclass
class World:
    pin: ResidentPin  # contact details given with the report form
    open311_pin: ResidentPin  # contact details given through Open311
    private_pin: ResidentPin  # description not published
    finding: WalkFinding  # by a participant with a name
    fix: Fix
    lonlat: tuple[float, float]
    walk_lonlat: tuple[float, float]


@pytest.fixture
def world(demo, all_logs, fresh_media_and_limits) -> World:  # noqa: F811
    anonymous = APIClient()
    pin = report_pin(
        anonymous,
        demo,
        photo=True,
        contact_name=NAME,
        contact_email=EMAIL,
        contact_phone=PHONE,
    )
    lon, lat = inside_lonlat(demo)
    created = anonymous.post(
        "/open311/v2/requests.json",
        {"service_code": "lighting", "lat": lat, "long": lon, "description": "Mörkt", **OPEN311},
    )
    assert created.status_code == 201, created.content
    open311_pin = ResidentPin.objects.get(pk=created.json()[0]["service_request_id"])
    private_pin = report_pin(anonymous, demo, description=PRIVATE_DESCRIPTION, published=False)

    walk = make_walk(demo)
    token = str(uuid.uuid4())
    joined = anonymous.post(
        f"/api/walks/{walk.join_code}/join/",
        {"device_token": token, "role": "resident", "display_name": PARTICIPANT},
        format="json",
    )
    assert joined.status_code == 201, joined.content
    feature = finding_feature(*walk_lonlat(walk), device_token=token, note="Lampan är trasig")
    added = anonymous.post(f"/api/walks/{walk.join_code}/findings/", feature, format="json")
    assert added.status_code == 201, added.content
    finding = WalkFinding.objects.get(client_uuid=feature["properties"]["client_uuid"])
    assert finding.participant.display_name == PARTICIPANT
    photo = anonymous.post(
        f"/api/walks/{walk.join_code}/findings/{finding.client_uuid}/photos/",
        {
            "photo": upload("f.jpg", jpeg_bytes()),
            "client_uuid": str(uuid.uuid4()),
            "device_token": token,
        },
        format="multipart",
    )
    assert photo.status_code == 201, photo.content

    fix = Fix.objects.filter(municipality=demo).order_by("rank").first()
    fix.pins.add(pin, open311_pin, private_pin)
    return World(pin, open311_pin, private_pin, finding, fix, (lon, lat), walk_lonlat(walk))


def public_urls(w: World) -> list[str]:
    lon, lat = w.lonlat
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    code = w.finding.walk.join_code
    urls = [
        "/",
        "/en/",
        reverse("walks:report"),
        "/en/report/",
        f"/api/pins/?since={since}&limit=1000",
        f"/api/pins/nearby/?lon={lon}&lat={lat}&category=lighting",
        "/api/categories/",
        reverse("walks:app", args=[code]),
        f"/api/walks/{code}/",
        f"/api/walks/{code}/findings/",
        "/api/walks/",
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
    ]
    for pin in (w.pin, w.open311_pin, w.private_pin):
        urls += [
            f"/api/pins/{pin.pk}/",
            reverse("walks:track", args=[pin.tracking_token]),
            f"/en/report/track/{pin.tracking_token}/",
            f"/api/pins/track/{pin.tracking_token}/",
            f"/open311/v2/requests.json?service_request_id={pin.pk}",
            f"/open311/v2/requests.xml?service_request_id={pin.pk}",
            f"/open311/v2/requests/{pin.pk}.json",
            f"/open311/v2/requests/{pin.pk}.xml",
            f"/open311/v2/tokens/{pin.tracking_token}.json",
            f"/open311/v2/tokens/{pin.tracking_token}.xml",
        ]
    return urls


def staff_urls(w: World) -> list[str]:
    code = w.finding.walk.join_code
    today = timezone.localdate()
    period = f"?from={today - timedelta(days=13)}&to={today}"  # one cached picture for all
    return [
        "/dashboard/",
        f"/dashboard/lagesbild/{period}",
        f"/dashboard/lagesbild.csv{period}",
        f"/dashboard/lagesbild.geojson{period}",
        "/fixes/",
        "/fixes/export.csv",
        "/fixes/export.geojson",
        f"/fixes/{w.fix.pk}/",
        "/walks/",
        f"/walks/{code}/",
        f"/walks/{code}/summary/",
        f"/walks/{code}/export.geojson",
        f"/walks/{code}/export.csv",
        f"/walks/{code}/export.gpkg",
        reverse("dashboard-api:counts"),
        reverse("dashboard-api:fixes"),
        reverse("dashboard-api:fix", args=[w.fix.pk]),
        reverse("dashboard-api:routes"),
        reverse("dashboard-api:feature", args=["resident", w.private_pin.pk]),
        reverse("dashboard-api:feature", args=["walk", w.finding.pk]),
        reverse("admin:walks_residentpin_changelist"),
        reverse("admin:walks_walkfinding_changelist"),
        reverse("admin:walks_walkaudit_changelist"),
        reverse("admin:walks_contactaccess_changelist"),
        *tile_urls(w),
    ]


def coordinator_urls(w: World) -> list[str]:
    """Pages that show contact details or participants' names to the coordinator only."""
    return [
        reverse("dashboard-api:feature", args=["resident", w.pin.pk]),
        reverse("dashboard-api:feature", args=["resident", w.open311_pin.pk]),
        reverse("admin:walks_residentpin_change", args=[w.pin.pk]),
        reverse("admin:walks_residentpin_change", args=[w.open311_pin.pk]),
        reverse("admin:walks_safetywalk_change", args=[w.finding.walk_id]),
        reverse("admin:walks_walkfinding_change", args=[w.finding.pk]),
    ]


def tile_urls(w: World) -> list[str]:
    urls = []
    for lon, lat in (w.lonlat, w.walk_lonlat):
        for z in (14, 18):
            x, y = tile_of(lon, lat, z)
            urls += [f"/api/dashboard/tiles/{layer}/{z}/{x}/{y}.pbf" for layer in LAYERS]
    return sorted(set(urls))


#: Outputs that take seconds each (the situation picture, a fix's page with its follow-up,
#: every Open311 request of 90 days): fetched anonymously, by a planner and by the coordinator.
SLOW = re.compile(r"^/(dashboard/lagesbild|fixes/\d+/$|open311/v2/requests\.(json|xml)$)")
SLOW_CALLERS = (None, "planner", "coordinator")


def client_of(role: str | None) -> APIClient:
    client = APIClient()
    if role is not None:
        client.force_login(staff_user(role))
    return client


def test_contact_details_and_names_never_leak(world, all_logs):
    w = world
    allowed = coordinator_urls(w)
    urls = public_urls(w) + staff_urls(w) + allowed
    slow = {url for url in urls if SLOW.match(url)}
    assert len(slow) == 6
    answered_200: set[str] = set()
    for role in (None, *ROLES):
        client = client_of(role)
        for url in urls:
            if role not in SLOW_CALLERS and url in slow:
                continue
            response = client.get(url)
            assert response.status_code < 500, (role, url, response.status_code)
            if response.status_code == 200:
                answered_200.add(url)
            content = body(response)
            if role == "coordinator" and url in allowed:
                continue
            assert not leaked(content), (role, url, leaked(content))
            if role is None and w.private_pin.tracking_token not in url:  # the resident's own
                assert PRIVATE_DESCRIPTION not in content.decode("utf-8", "replace"), url
    assert answered_200 == set(urls), sorted(set(urls) - answered_200)

    # The pins' tiles were searched: the report layer holds them.
    x, y = tile_of(*w.lonlat, 18)
    layer = mapbox_vector_tile.decode(
        body(client_of("planner").get(f"/api/dashboard/tiles/reports/18/{x}/{y}.pbf"))
    )["reports"]
    ids = {(f["properties"]["source"], f["properties"]["id"]) for f in layer["features"]}
    assert {("resident", w.pin.pk), ("resident", w.open311_pin.pk)} <= ids

    # Each page that showed contact details to the coordinator wrote one access log entry.
    entries = ContactAccess.objects.all()
    assert sorted(entries.values_list("pin", "channel")) == sorted(
        (pin.pk, channel) for pin in (w.pin, w.open311_pin) for channel in ("admin", "dashboard")
    )
    assert {entry.user.groups.get().name for entry in entries} == {"coordinator"}

    assert all(logging.getLogger(name).getEffectiveLevel() > logging.DEBUG for name in PINNED)
    records = all_logs.records
    assert any(r.name == "django.request" for r in records)  # the capture works: 401s, 403s
    for record in records:
        assert not leaked(log_text(record)), (record.name, record.getMessage()[:200])


def test_the_coordinator_sees_them_where_allowed(world):
    client = client_of("coordinator")
    feature = client.get(reverse("dashboard-api:feature", args=["resident", world.pin.pk]))
    assert feature.json()["contact"] == {"name": NAME, "email": EMAIL, "phone": PHONE}
    walk_page = client.get(reverse("admin:walks_safetywalk_change", args=[world.finding.walk_id]))
    assert PARTICIPANT in walk_page.content.decode()
    planner_page = client_of("planner").get(
        reverse("admin:walks_safetywalk_change", args=[world.finding.walk_id])
    )
    assert planner_page.status_code == 200 and PARTICIPANT not in planner_page.content.decode()


def pin_form(demo, **extra) -> dict:
    lon, lat = inside_lonlat(demo)
    return {
        "client_uuid": str(uuid.uuid4()),
        "geometry": f'{{"type": "Point", "coordinates": [{lon}, {lat}]}}',
        "category": "lighting",
        "when": "night",
        "description": "Mörkt",
        "contact_name": NAME,
        "contact_email": EMAIL,
        "contact_phone": PHONE,
        **extra,
    }


def test_errors_log_neither_bodies_nor_contact_details(
    demo,
    all_logs,
    fresh_media_and_limits,  # noqa: F811
    settings,
    tmp_path,
):
    """400s (report form as JSON and multipart, Open311) and a 500 while storing a photo: the
    logs and the error e-mail to ADMINS hold no contact values."""
    settings.ADMINS = [("Ops", "ops@example.org")]
    client = APIClient()
    client.raise_request_exception = False
    lon, _lat = inside_lonlat(demo)
    bad = [
        client.post("/api/pins/", pin_form(demo, category="unicorns"), format="json"),
        client.post("/api/pins/", pin_form(demo, when="always"), format="multipart"),
        client.post(
            "/open311/v2/requests.json",
            {"service_code": "lighting", "lat": 91, "long": lon, **OPEN311},
        ),
    ]
    assert [r.status_code for r in bad] == [400, 400, 400]

    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.MEDIA_ROOT = str(blocked)  # storing the photo fails: a real server error
    form = pin_form(demo, photo=upload("p.jpg", jpeg_bytes()))
    failed = client.post("/api/pins/", form, format="multipart")
    assert failed.status_code == 500
    assert not ResidentPin.objects.filter(client_uuid=form["client_uuid"]).exists()

    records = all_logs.records
    bad_requests = [r for r in records if getattr(r, "status_code", None) == 400]
    assert len(bad_requests) == 3
    errors = [r for r in records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info
    for record in records:
        assert not leaked(log_text(record)), (record.name, record.getMessage()[:200])
    assert len(mail.outbox) == 1
    report = mail.outbox[0].body
    assert "contact_email" in report and "category" in report  # the form is listed, masked
    assert not leaked(report), leaked(report)
