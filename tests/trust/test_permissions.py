"""The permission matrix (tests/trust/permission_matrix.py), tested route by route and actor by
actor, and the object-level rules: a participant changes only their own findings, a department
only its own fixes, staff never another municipality's records, a tracking link only its pin.

Every URL route must have rows in the matrix, so a new endpoint cannot slip through untested.
A write that the matrix allows must change the database; a refused one must change nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gis.fixes.models import Fix
from walks.models import ResidentPin, SafetyWalk, WalkFinding
from walks.triage import record_status_change

from . import permission_matrix as matrix
from ._permission_world import CONTACT, World, build_world, call_for, send

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROWS = matrix.all_rows()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module inside a transaction undone when the module ends.

    Uploaded files go to a temporary folder; rate limits are off (they are tested elsewhere and
    every request here comes from one address).
    """
    from django.db import transaction
    from django.test.utils import override_settings

    from gis.core import conf
    from gis.demo.load import demo_municipality

    overrides = override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        TRYGG_IMPORT_DIR=str(tmp_path_factory.mktemp("imports")),
        TRYGG_RATE_LIMITS={scope: None for scope in conf.RATE_DEFAULTS},
    )
    overrides.enable()
    atomic = transaction.atomic()
    with django_db_blocker.unblock():
        atomic.__enter__()
        try:
            built = build_world(demo_municipality())
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            overrides.disable()
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
        overrides.disable()


@pytest.fixture(autouse=True)
def _each_test_in_a_savepoint(db) -> None:
    """What a test writes is rolled back after it (the world stays)."""


def client_of(world: World, actor: str) -> Client:
    """A test client signed in as the actor's user (none for visitors and residents)."""
    client = Client()
    if actor in world.users:
        client.force_login(world.users[actor])
    return client


def answer_of(response) -> matrix.Answer:
    """The response as the matrix writes answers: a status, or where a 302 goes."""
    if response.status_code != 302:
        return response.status_code
    target = urlsplit(response["Location"]).path
    if target in (reverse("login"), "/en/login/"):
        return matrix.LOGIN
    if target == reverse("admin:login"):
        return matrix.ADMIN_LOGIN
    if target == reverse("admin:index"):
        return matrix.ADMIN_INDEX
    return matrix.REDIRECT


# --- every route has rows --------------------------------------------------------------------


def route_keys() -> set[str]:
    """Every URL pattern: its namespaced name, or its full pattern when it has no name."""

    def walk(resolver: URLResolver, prefix: str, namespace: str | None):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    yield f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    yield prefix + str(pattern.pattern)

    return set(walk(get_resolver(), "", None))


def test_every_route_has_rows_and_every_row_a_route():
    routes = route_keys()
    in_matrix = {r.route for r in ROWS}
    missing = sorted(routes - in_matrix)
    assert not missing, f"routes without a row in tests/trust/permission_matrix.py: {missing}"
    stale = sorted(in_matrix - routes - set(matrix.EXTRA_PATHS))
    assert not stale, f"rows of routes that no longer exist: {stale}"


def test_rows_are_unique_and_name_every_actor():
    keys = [(r.route, r.method) for r in ROWS]
    assert len(keys) == len(set(keys))
    for r in ROWS:
        assert set(r.answers) == set(matrix.ACTORS), r.route
        assert r.ok is None or any(r.allows(a) for a in matrix.ACTORS), r.route


def test_the_docs_show_the_matrix():
    text = DOCS.read_text(encoding="utf-8")
    assert matrix.summary_table() in text, "regenerate with permission_matrix.summary_table()"
    assert matrix.admin_table() in text, "regenerate with permission_matrix.admin_table()"


# --- the matrix, row by row and actor by actor -------------------------------------------------


@pytest.mark.parametrize(
    ("row", "actor"),
    [pytest.param(r, a, id=f"{r.route} {r.method} {a}") for r in ROWS for a in matrix.ACTORS],
)
def test_matrix(world, row, actor):
    call = call_for(world, row.route, row.method, actor)
    before = call.probe() if call.probe else None
    response = send(client_of(world, actor), row.method, call)
    if response.streaming:  # reading a file response to its end closes its file
        b"".join(response.streaming_content)
    expected = row.answers[actor]
    got = answer_of(response)
    assert got == expected, (
        f"{row.route} {row.method} as {actor}: expected {expected}, got {got} "
        f"({response.status_code} {response.get('Location', '')}) {response.content[:300]!r}"
    )
    if call.probe is not None and row.method != "GET":
        changed = call.probe() != before
        should = row.changes and row.allows(actor)
        assert changed == should, f"{row.route} {row.method} as {actor}: " + (
            "nothing was stored" if should else "a refused request changed the database"
        )


# --- object-level rules ----------------------------------------------------------------------


def _finding_url(world: World, finding: WalkFinding) -> str:
    return reverse("walks_api:finding-detail", args=[world.walk.join_code, finding.client_uuid])


def _as_phone(token: str | None) -> dict:
    return {"HTTP_X_TRYGG_DEVICE": token} if token else {}


def _patch(client, url: str, body: dict, token: str | None):
    return client.patch(url, json.dumps(body), content_type="application/json", **_as_phone(token))


def test_a_participant_changes_only_their_own_findings(world):
    client = Client()
    mine, theirs = world.own_finding, world.others_finding
    mine.refresh_from_db()
    theirs.refresh_from_db()
    token = world.tokens["participant"]
    before = (theirs.note, theirs.severity)
    for who in (token, None, world.tokens["resident"]):
        assert _patch(client, _finding_url(world, theirs), {"note": "x"}, who).status_code == 403
        assert client.delete(_finding_url(world, theirs), **_as_phone(who)).status_code == 403
        photos = _finding_url(world, theirs) + "photos/"
        from tests.walks.conftest import jpeg_bytes, upload

        form = {"photo": upload("x.jpg", jpeg_bytes())}
        assert client.post(photos, form, **_as_phone(who)).status_code == 403
    theirs.refresh_from_db()
    assert (theirs.note, theirs.severity) == before and not theirs.photos.exists()
    # The other participant corrects their own one.
    fixed = _patch(client, _finding_url(world, theirs), {"severity": 5}, world.other_token)
    assert fixed.status_code == 200 and fixed.json()["properties"]["severity"] == 5
    # Corrections are validated like new findings, and a closed walk's code opens nothing.
    bad = _patch(client, _finding_url(world, mine), {"severity": 9}, token)
    assert bad.status_code == 400 and "severity" in bad.json()
    far = {"geometry": {"type": "Point", "coordinates": [18.07, 59.33]}}
    outside = _patch(client, _finding_url(world, mine), far, token)
    assert outside.status_code == 400 and "geometry" in outside.json()
    SafetyWalk.objects.filter(pk=world.walk.pk).update(status="closed")
    closed = _patch(client, _finding_url(world, mine), {"note": "late"}, token)
    assert closed.status_code == 404
    assert client.delete(_finding_url(world, mine), **_as_phone(token)).status_code == 404
    mine.refresh_from_db()
    assert mine.note == "Min egen notering"


def _move_by_api(client, fix: Fix):
    url = reverse("dashboard-api:fix", args=[fix.pk])
    return client.post(url, {"status": "planned"}, content_type="application/json")


def _move_by_page(client, fix: Fix):
    return client.post(reverse("fixes:status", args=[fix.pk]), {"to_status": "planned"})


@pytest.mark.parametrize("move", [_move_by_api, _move_by_page], ids=["api", "page"])
def test_a_department_changes_only_its_own_fixes(world, move):
    for fix in (world.street_fix, world.parks_fix):
        fix.refresh_from_db()  # the world's objects may hold another test's rolled-back values
    for role, own, other in (
        ("street_department", world.street_fix, world.parks_fix),
        ("parks_department", world.parks_fix, world.street_fix),
    ):
        client = client_of(world, role)
        before = (other.status, other.history.count())
        assert move(client, other).status_code == 403, role
        other.refresh_from_db()
        assert (other.status, other.history.count()) == before, role
        assert move(client, own).status_code in (200, 302), role
        own.refresh_from_db()
        assert own.status == "planned", role
        assert own.history.get().changed_by == world.users[role]


def test_the_fix_permission_without_a_department_role_changes_nothing(world):
    user = User.objects.create_user("perm-bare-fixer", is_staff=True)
    world.here.staff.add(user)
    codes = ["view_fix", "change_fix", "view_residentpin", "view_walkfinding"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codes))
    client = Client()
    client.force_login(user)
    assert client.get(reverse("dashboard-api:fix", args=[world.street_fix.pk])).status_code == 200
    assert _move_by_api(client, world.street_fix).status_code == 403
    assert _move_by_page(client, world.street_fix).status_code == 403
    world.street_fix.refresh_from_db()
    assert world.street_fix.status == "proposed"


def _ids(features: list[dict]) -> set[int]:
    return {f["properties"]["id"] for f in features}


@pytest.mark.parametrize("role", [*matrix.ROLES, "no_role"])
def test_staff_never_see_or_change_another_municipalitys_records(world, role):
    client = client_of(world, role)
    there = world.there
    refused = (403, 404)
    for url in (
        reverse("dashboard-api:fix", args=[world.there_fix.pk]),
        reverse("dashboard-api:feature", args=["resident", world.there_pin.pk]),
        reverse("dashboard-api:feature", args=["route", world.there_walk.pk]),
        reverse("fixes:detail", args=[world.there_fix.pk]),
        reverse("fixes:map", args=[world.there_fix.pk]),
        reverse("walks:manage", args=[world.there_walk.join_code]),
        reverse("walks:summary", args=[world.there_walk.join_code]),
        reverse("walks:export", args=[world.there_walk.join_code, "csv"]),
    ):
        assert client.get(url).status_code in refused, url
    for url in (
        reverse("dashboard:map"),
        reverse("dashboard:situation-csv"),
        reverse("dashboard-api:counts"),
        reverse("dashboard-api:fixes"),
        reverse("fixes:list"),
        reverse("fixes:export-geojson"),
    ):
        assert client.get(f"{url}?municipality={there.code}").status_code in (400, 403), url
    # Writes: nothing changes.
    triage = reverse("dashboard-api:triage", args=[world.there_pin.pk])
    body = {"status": "triaged"}
    assert client.post(triage, body, content_type="application/json").status_code in refused
    assert _move_by_api(client, world.there_fix).status_code in refused
    assert _move_by_page(client, world.there_fix).status_code in refused
    close = client.post(reverse("walks:close", args=[world.there_walk.join_code]))
    assert close.status_code in refused
    assert client.post(reverse("jobs:recompute"), {"municipality": there.code}).status_code in (
        400,
        403,
    )
    world.there_pin.refresh_from_db()
    world.there_fix.refresh_from_db()
    world.there_walk.refresh_from_db()
    assert world.there_pin.status == "received" and world.there_fix.status == "proposed"
    assert world.there_walk.status != "closed"
    # Lists: never the other municipality's records.
    if role in matrix.VIEWERS:
        fixes = client.get(reverse("dashboard-api:fixes")).json()["features"]
        assert world.street_fix.pk in _ids(fixes) and world.there_fix.pk not in _ids(fixes)
        page = client.get(reverse("dashboard:map")).content.decode()
        assert there.code not in page and world.here.code in page
    if role in matrix.LEADERS:
        walks = client.get(reverse("walks:list")).content.decode()
        assert world.walk.join_code in walks and world.there_walk.join_code not in walks
    listed = client.get(reverse("walks_api:walk-list"), {"limit": 1000}).content.decode()
    assert world.there_walk.join_code not in listed
    admin_list = client.get(reverse("admin:walks_residentpin_changelist"))
    if admin_list.status_code == 200:
        assert f"/{world.there_pin.pk}/change/" not in admin_list.content.decode()
        assert f"/{world.pin.pk}/change/" in admin_list.content.decode()
    admin_page = client.get(reverse("admin:walks_residentpin_change", args=[world.there_pin.pk]))
    assert answer_of(admin_page) in (matrix.ADMIN_INDEX, 403)


def test_another_municipalitys_coordinator_sees_only_their_own(world):
    client = client_of(world, "other_municipality")
    fixes = client.get(reverse("dashboard-api:fixes")).json()["features"]
    assert _ids(fixes) == {world.there_fix.pk}
    feature = reverse("dashboard-api:feature", args=["resident", world.there_pin.pk])
    assert client.get(feature).json()["contact"]["email"] == "anna.there@example.org"
    csv = client.get(reverse("fixes:export-csv")).content.decode()
    assert f"\n{world.there_fix.rank},{world.there_fix.pk}," in csv
    assert f",{world.street_fix.pk}," not in csv
    walks = client.get(reverse("walks_api:walk-list"), {"limit": 1000}).content.decode()
    assert world.there_walk.join_code in walks and world.walk.join_code not in walks


def test_the_back_office_offers_only_the_users_municipality(world):
    client = client_of(world, "planner")
    page = client.get(reverse("admin:layers_district_add")).content.decode()
    assert f'value="{world.here.pk}"' in page and f'value="{world.there.pk}"' not in page
    municipalities = client.get(reverse("admin:core_municipality_changelist")).content.decode()
    assert world.here.name in municipalities and "Annanstad" not in municipalities


def test_a_tracking_link_shows_only_its_pin_and_no_contact_details(world):
    client = Client()
    pin = world.pin
    pin.refresh_from_db()
    coordinator = world.users["coordinator"]
    pin.status = "triaged"
    pin.save()
    record_status_change(pin, "received", coordinator, note="Ringde Rut")
    body = client.get(reverse("walks_api:pin-track", args=[pin.tracking_token]))
    assert body.status_code == 200 and body.json()["id"] == pin.pk
    page = client.get(reverse("walks:track", args=[pin.tracking_token]))
    assert page.status_code == 200 and pin.description in page.content.decode()
    token = client.get(
        reverse("walks_api:open311-token-json", kwargs={"token": pin.tracking_token})
    ).json()
    assert token == [{"service_request_id": str(pin.pk), "token": pin.tracking_token}]
    for response in (body, page):
        text = response.content.decode()
        assert all(value not in text for value in CONTACT.values())
        assert coordinator.username not in text and "Ringde" not in text
        assert world.there_pin.description not in text
    for guess in (pin.tracking_token[:-1], world.there_pin.tracking_token + "x", "0"):
        assert client.get(reverse("walks_api:pin-track", args=[guess])).status_code == 404
        assert client.get(reverse("walks:track", args=[guess])).status_code == 404


@pytest.mark.parametrize("actor", matrix.ACTORS)
def test_contact_details_only_for_the_coordinator(world, actor):
    client = client_of(world, actor)
    pin = world.pin
    feature = client.get(reverse("dashboard-api:feature", args=["resident", pin.pk]))
    shown = feature.status_code == 200 and (feature.json().get("contact") or {}).get("email")
    assert bool(shown) == (actor in matrix.CONTACT_DETAILS_SHOWN_TO)
    for url in (
        reverse("walks_api:pin-detail", args=[pin.pk]),
        reverse("walks_api:pin-list"),
        reverse("walks_api:open311-request-json", kwargs={"request_id": pin.pk}),
        reverse("walks_api:pin-track", args=[pin.tracking_token]),
        reverse("walks:track", args=[pin.tracking_token]),
    ):
        text = client.get(url).content.decode()
        assert CONTACT["email"] not in text and CONTACT["phone"] not in text, url


def test_contact_details_never_leave_through_triage_for_other_roles(world):
    assert ResidentPin.objects.filter(pk=world.pin.pk, contact__isnull=False).exists()
    client = client_of(world, "planner")
    url = reverse("dashboard-api:triage", args=[world.pin.pk])
    response = client.post(url, {"status": "triaged"}, content_type="application/json")
    assert response.status_code == 403 and CONTACT["email"] not in response.content.decode()
