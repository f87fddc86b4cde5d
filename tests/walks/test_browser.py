"""The field app in Debian's Chromium on a phone-sized screen, against a real server.

A participant joins a walk by its code, adds findings by tapping the map and by (emulated)
GPS, goes offline, adds more, reloads the page offline, comes back online, and the database
holds each finding exactly once. A resident reports a place (seeing a nearby report of the
same kind first and supporting it), follows the tracking link, and sees a status change made
by a coordinator in the back office.

The server commits what it writes, so these tests create their data outside the per-test
transaction, with unique values, and delete it at the end.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.db import connections
from django.utils import timezone

from gis.core.vocabulary import AUDIT_PARAMETERS
from tests.conftest import screenshot
from walks.models import Category, PinVote, ResidentPin, SafetyWalk, WalkAudit, WalkFinding

PHONE_LAT, PHONE_LON = 60.1699, 24.9384
TIMEOUT = 15_000


@pytest.fixture
def committed(django_db_setup, django_db_blocker, monkeypatch):
    """Database access that commits (so the live server sees it); cleans up registered rows.

    Playwright's sync API runs an event loop in the test thread, which Django takes for an
    async context; nothing else runs in that loop meanwhile, so the ORM may be used.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    created: list = []
    with django_db_blocker.unblock():
        yield created
        for obj in reversed(created):
            type(obj).objects.filter(pk=obj.pk).delete()
        connections.close_all()


def _phone_point(srid: int) -> Point:
    return Point(PHONE_LON, PHONE_LAT, srid=4326).transform(srid, clone=True)


def _walk_near_the_phone(committed) -> SafetyWalk:
    from gis.demo.load import demo_municipality
    from layers.models import StreetSegment

    demo = demo_municipality()
    here = _phone_point(demo.boundary.srid)
    segment = (
        StreetSegment.objects.filter(municipality=demo, geom__dwithin=(here, 150), length_m__gt=60)
        .order_by("id")
        .first()
    )
    walk = SafetyWalk.objects.create(
        municipality=demo,
        title=f"Kvällsvandring {uuid.uuid4().hex[:5]}",
        starts_at=timezone.now(),
        time_of_day="evening",
        route=segment.geom,
    )
    committed.append(walk)
    return walk


def _counts(page) -> tuple[int, int]:
    return int(page.inner_text("#wa-queued")), int(page.inner_text("#wa-saved"))


def _wait_counts(page, queued: int, saved: int) -> None:
    page.wait_for_function(
        "([q, s]) => document.getElementById('wa-queued').textContent === String(q)"
        " && document.getElementById('wa-saved').textContent === String(s)",
        arg=[queued, saved],
        timeout=TIMEOUT,
    )


def _fill_finding(page, category: str, severity: int) -> None:
    form = page.locator("#wa-finding")
    form.wait_for(state="visible", timeout=TIMEOUT)
    form.locator("label", has_text=category).click()
    form.locator(f'input[name="severity"][value="{severity}"] + span').click()
    page.click("#wa-finding-save")
    form.wait_for(state="hidden", timeout=TIMEOUT)


def _tap_map(page, fx: float, fy: float) -> None:
    box = page.locator("#wa-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


@pytest.mark.browser
def test_walk_offline_first(live_url, phone, committed):
    walk = _walk_near_the_phone(committed)
    page = phone
    page.goto(f"{live_url}/w/{walk.join_code}")
    page.locator("#wa-role").wait_for(state="visible", timeout=TIMEOUT)
    screenshot(page, "walk-1-role")
    page.click('[data-role="resident"]')
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(
        "document.getElementById('wa-gps').textContent.includes('±')", timeout=TIMEOUT
    )
    page.wait_for_function("window.tryggWalk && document.querySelector('#wa-map canvas')")
    screenshot(page, "walk-2-map")

    # 1: a point by tapping the map.
    page.click("#wa-tap")
    _tap_map(page, 0.45, 0.55)
    _fill_finding(page, "Mörkt eller trasig belysning", 4)
    # 2: a point where the phone is (GPS).
    page.click("#wa-here")
    _fill_finding(page, "Igenvuxet", 3)
    _wait_counts(page, 0, 2)
    screenshot(page, "walk-3-saved")

    # Offline: a stretch of path by taps and another GPS point, then an audit.
    page.context.set_offline(True)
    page.wait_for_function("!navigator.onLine")
    page.locator('input[name="wa-shape"][value="LineString"] + span').click()
    page.click("#wa-tap")
    _tap_map(page, 0.3, 0.4)
    _tap_map(page, 0.6, 0.45)
    _tap_map(page, 0.7, 0.6)
    page.click("#wa-done")
    _fill_finding(page, "Dold plats", 5)
    page.locator('input[name="wa-shape"][value="Point"] + span').click()
    page.click("#wa-here")
    _fill_finding(page, "Klotter", 2)
    page.click("#wa-audit")
    audit = page.locator("#wa-audit-form")
    audit.wait_for(state="visible")
    audit.locator("#wa-stop").fill("Busshållplatsen")
    for name in AUDIT_PARAMETERS:
        audit.locator(f'input[name="{name}"][value="1"] + span').click()
    audit.locator('button[type="submit"]').click()
    audit.wait_for(state="hidden")
    page.wait_for_timeout(1500)  # let the outbox try (and fail) while offline
    assert _counts(page) == (3, 2)
    assert "Ingen uppkoppling" in page.inner_text("#wa-net")
    screenshot(page, "walk-4-offline-queued")

    # The page itself opens without a connection (service worker) and the queue survives.
    assert page.evaluate("caches.match(location.pathname, {ignoreVary: true}).then(r => !!r)"), (
        "the walk page is not in the offline cache"
    )
    page.reload(wait_until="domcontentloaded")
    page.wait_for_function("window.tryggWalk", timeout=TIMEOUT)
    _wait_counts(page, 3, 2)
    assert page.locator("#wa-role").is_hidden()
    page.click("#wa-list-btn")
    assert page.locator("#wa-mine-list li[data-state=queued]").count() == 3
    screenshot(page, "walk-5-offline-reloaded")
    page.click("#wa-mine-close")

    page.context.set_offline(False)
    _wait_counts(page, 0, 5)
    screenshot(page, "walk-6-back-online")

    ids = page.evaluate(
        "window.tryggWalk.outbox.all().then(items => items"
        ".filter(i => i.kind === 'finding').map(i => i.id))"
    )
    findings = WalkFinding.objects.filter(walk=walk)
    assert findings.count() == 4
    assert sorted(str(u) for u in findings.values_list("client_uuid", flat=True)) == sorted(ids)
    kinds = sorted(f.geom.geom_type for f in findings)
    assert kinds == ["LineString", "Point", "Point", "Point"]
    by_gps = findings.filter(gps_accuracy_m__isnull=False)
    assert by_gps.count() == 2 and {f.gps_accuracy_m for f in by_gps} == {8.0}
    gps_point = _phone_point(walk.route.srid)
    assert all(f.geom.distance(gps_point) < 1.0 for f in by_gps)
    assert set(findings.values_list("author_role", flat=True)) == {"resident"}
    assert WalkAudit.objects.filter(walk=walk, stop_name="Busshållplatsen", lighting=1).count() == 1
    walk.refresh_from_db()
    assert walk.status == "active" and walk.participants.count() == 1


@pytest.fixture
def coordinator(committed):
    from django.contrib.auth.models import Group, User

    from gis.core.models import Municipality

    password = uuid.uuid4().hex
    user = User.objects.create_user(
        f"coordinator-{uuid.uuid4().hex[:6]}", password=password, is_staff=True
    )
    user.groups.add(Group.objects.get(name="coordinator"))
    user.municipalities.set(Municipality.objects.all())
    committed.append(user)
    return user, password


@pytest.mark.browser
def test_resident_pin_and_tracking(live_url, phone, desktop, committed, coordinator):
    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    marker = uuid.uuid4().hex[:8]
    existing = ResidentPin.objects.create(
        municipality=demo,
        category=Category.objects.get(code="hidden_place"),
        when="evening",
        description=f"Mörk gångtunnel utan belysning {marker}",
        geom=_phone_point(demo.boundary.srid),
        reported_at=timezone.now(),
    )
    committed.append(existing)
    page = phone

    # Already reported? Add your voice instead of a duplicate.
    page.goto(f"{live_url}/rapportera/")
    page.click("#rp-locate")
    page.wait_for_function("document.getElementById('rp-place-state').textContent.includes('✓')")
    page.locator("label", has_text="Dold plats").click()
    nearby = page.locator(f"#rp-nearby-list li[data-pin='{existing.pk}']")
    nearby.wait_for(state="visible", timeout=TIMEOUT)
    assert marker in nearby.inner_text()
    nearby.scroll_into_view_if_needed()
    screenshot(page, "report-1-nearby")
    nearby.locator("button").click()
    page.locator("#rp-voted").wait_for(state="visible", timeout=TIMEOUT)
    existing.refresh_from_db()
    assert existing.vote_count == 1 and PinVote.objects.filter(pin=existing).count() == 1

    # A new report of another kind.
    page.goto(f"{live_url}/rapportera/")
    page.click("#rp-locate")
    page.wait_for_function("document.getElementById('rp-place-state').textContent.includes('✓')")
    page.locator("label", has_text="Nedskräpning").click()
    page.locator('input[name="when"][value="night"] + span').click()
    page.fill("#rp-description", f"Krossat glas vid bänkarna {marker}")
    page.locator("summary", has_text="Kontaktuppgifter").click()
    page.fill("#rp-email", f"{marker}@example.org")
    screenshot(page, "report-2-form")
    page.click("#rp-submit")
    page.locator("#rp-done").wait_for(state="visible", timeout=TIMEOUT)
    screenshot(page, "report-3-done")
    pin = ResidentPin.objects.get(description__endswith=marker, category__code="litter")
    committed.append(pin)
    assert pin.contact.email == f"{marker}@example.org" and pin.when == "night"
    link = page.get_attribute("#rp-track-link", "href")
    assert re.search(rf"/rapportera/folj/{pin.tracking_token}/$", link)

    page.click("#rp-track-link")
    page.wait_for_url(re.compile(r".*/folj/.*"))
    assert page.inner_text("#track-status").strip() == "Mottagen"
    assert f"{marker}@example.org" not in page.content()
    screenshot(page, "report-4-tracking-received")

    # The coordinator triages it in the back office and answers.
    user, password = coordinator
    admin = desktop
    admin.goto(f"{live_url}/admin/login/?next=/admin/walks/residentpin/{pin.pk}/change/")
    admin.fill("#id_username", user.username)
    admin.fill("#id_password", password)
    admin.locator('input[type="submit"]').click()
    admin.wait_for_selector("#id_status", timeout=TIMEOUT)
    admin.select_option("#id_status", "measure_planned")
    admin.fill("#id_public_answer", "Tack! Vi städar platsen och sätter upp en papperskorg.")
    admin.locator('input[name="_save"]').click()
    admin.wait_for_selector(".messagelist", timeout=TIMEOUT)
    pin.refresh_from_db()
    assert pin.status == "measure_planned"

    page.reload()
    assert page.inner_text("#track-status").strip() == "Åtgärd planerad"
    assert "papperskorg" in page.inner_text("#track-answer")
    assert page.locator(".steps li.done").count() == 3
    screenshot(page, "report-5-tracking-measure")


@pytest.mark.browser
def test_leader_draws_a_route_and_shows_the_qr_code(live_url, desktop, committed, coordinator):
    user, password = coordinator
    page = desktop
    page.goto(f"{live_url}/admin/login/?next=/walks/new/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.locator('input[type="submit"]').click()
    page.wait_for_selector("#route-map", timeout=TIMEOUT)
    title = f"Nattvandring {uuid.uuid4().hex[:6]}"
    page.fill("#id_title", title)
    page.locator("#route-map").scroll_into_view_if_needed()
    page.evaluate(
        "([lat, lon]) => window.tryggLeader.map.jumpTo({center: [lon, lat], zoom: 17})",
        [PHONE_LAT, PHONE_LON],
    )
    box = page.locator("#route-map").bounding_box()
    for fx, fy in ((0.45, 0.5), (0.5, 0.47), (0.55, 0.52)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    assert page.input_value('input[name="route_drawn"]').startswith('{"type":"LineString"')
    page.locator("#walk-form button[type=submit]").click()
    page.wait_for_selector("#join-code", timeout=TIMEOUT)
    walk = SafetyWalk.objects.get(title=title)
    committed.append(walk)
    assert page.inner_text("#join-code") == walk.join_code
    assert walk.route.num_points == 3 and walk.leader == user
    assert page.locator(".qr svg").count() == 1
    screenshot(page, "leader-manage-qr")
    middle = walk.route.interpolate_normalized(0.5).transform(4326, clone=True)
    for category, severity in (("lighting", 5), ("lighting", 3), ("vegetation", 2)):
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [middle.x, middle.y]},
            "properties": {
                "client_uuid": str(uuid.uuid4()),
                "category": category,
                "severity": severity,
                "when": "night",
                "note": "Trasig lampa vid trappan",
            },
        }
        answer = page.request.post(f"{live_url}/api/walks/{walk.join_code}/findings/", data=feature)
        assert answer.status == 201
    page.goto(f"{live_url}/walks/{walk.join_code}/summary/")
    assert "Mörkt eller trasig belysning" in page.inner_text("#by-category")
    screenshot(page, "leader-summary")
    page.goto(f"{live_url}/walks/new/")
    page.select_option("#id_district", index=1)
    page.locator("#route-map").scroll_into_view_if_needed()
    screenshot(page, "leader-create-map")


def test_the_phone_position_is_inside_the_demo(demo):
    """The emulated GPS position of the browser tests lies in the demo, near streets."""
    from layers.models import StreetSegment

    here = _phone_point(demo.boundary.srid)
    assert demo.boundary.covers(here)
    assert StreetSegment.objects.filter(geom__dwithin=(here, 150), length_m__gt=60).exists()
