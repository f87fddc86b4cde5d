"""The planning page, the phones' numbered stops and the printed plan in Debian's Chromium,
against a real server and the demo network: a coordinator proposes an evening walk, drops a
stop, saves the plan; a participant's phone (412 px) shows the numbered stops and ticks one;
the printed plan and, once the walk is closed, its public results page show the stops.
Screenshots of each page at 1280 and 412 px go to test-artifacts/.

The server commits what it writes, so the data is made outside the test's transaction and
removed at the end (the `committed` fixture of the walk app's browser tests).
"""

from __future__ import annotations

import time
import uuid

from django.contrib.gis.geos import Point
from django.utils import timezone

from tests.conftest import _watched_page, screenshot
from tests.walks.test_browser import (  # noqa: F401 - fixtures
    PHONE_LAT,
    PHONE_LON,
    TIMEOUT,
    committed,
    coordinator,
)
from walks.models import Category, ResidentPin, SafetyWalk, WalkStop


def _walk_with_pins(committed) -> SafetyWalk:  # noqa: F811
    """An evening walk in the district around the phone's position, with three residents'
    reports of the evening near it (so the planner has stops to propose)."""
    from gis.demo.load import demo_municipality
    from layers.models import District, StreetSegment

    demo = demo_municipality()
    here = Point(PHONE_LON, PHONE_LAT, srid=4326).transform(demo.boundary.srid, clone=True)
    district = District.objects.filter(municipality=demo, geom__contains=here).first()
    walk = SafetyWalk.objects.create(
        municipality=demo,
        title=f"Kvällsvandring {uuid.uuid4().hex[:5]}",
        district=district,
        starts_at=timezone.now(),
        time_of_day="evening",
    )
    committed.append(walk)
    segments = StreetSegment.objects.filter(
        municipality=demo, geom__dwithin=(here, 400), length_m__gt=40
    ).order_by("id")[:3]
    for k, segment in enumerate(segments):
        pin = ResidentPin.objects.create(
            municipality=demo,
            category=Category.objects.get(code="lighting"),
            when="evening",
            description=f"Mörkt här <b>{k}</b>",
            geom=segment.geom.interpolate_normalized(0.5),
            reported_at=timezone.now(),
            published=True,
        )
        committed.append(pin)
    return walk


def _login(page, live_url: str, user, password: str, path: str) -> None:
    page.goto(f"{live_url}/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click(".login-box button[type=submit]")
    page.wait_for_load_state("networkidle")


def _until(check, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _sized(browser, width: int, phone: bool = False):
    context = browser.new_context(
        viewport={"width": width, "height": 915 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        locale="sv-SE",
    )
    return _watched_page(context)


def test_plan_drop_save_then_the_phone_ticks_a_stop(live_url, browser, committed, coordinator):  # noqa: F811
    user, password = coordinator
    walk = _walk_with_pins(committed)
    code = walk.join_code

    # The coordinator plans the walk on a desktop: propose, drop stop 1, save.
    pages = _sized(browser, 1280)
    page = next(pages)
    _login(page, live_url, user, password, f"/vandringar/{code}/planera/")
    page.wait_for_selector("#plan-map canvas", timeout=TIMEOUT)
    page.click("#plan-propose")
    page.wait_for_function("() => !window.tryggPlan.state.busy", timeout=TIMEOUT * 2)
    assert page.locator("#plan-stops li[data-order]").count(), page.inner_text("#plan-state")
    first = page.evaluate("window.tryggPlan.state.plan.stops[0]")
    proposed = page.evaluate("window.tryggPlan.state.plan.stops.length")
    assert proposed >= 2, "the planner proposed fewer than two stops"
    route = page.evaluate("window.tryggPlan.state.plan.route")
    assert route["type"] == "LineString" and len(route["coordinates"]) > 2
    screenshot(page, "walkplan-plan-1280")
    page.click('[data-drop="1"]')
    page.wait_for_function(
        "([kind, id]) => !window.tryggPlan.state.busy && window.tryggPlan.state.plan.stops"
        ".every(s => !(s.kind === kind && s.id === id))",
        arg=[first["kind"], first["id"]],
        timeout=TIMEOUT * 2,
    )
    planned = page.evaluate("window.tryggPlan.state.plan.stops.map(s => [s.kind, s.id])")
    page.click("#plan-save")
    page.wait_for_selector("body[data-saved='1']", timeout=TIMEOUT * 2)
    stops = list(WalkStop.objects.filter(walk=walk).order_by("order"))
    assert [[s.kind, s.ref_id] for s in stops] == planned
    assert [s.order for s in stops] == list(range(1, len(stops) + 1)) and len(stops) >= 2
    assert (first["kind"], first["id"]) not in {(s.kind, s.ref_id) for s in stops}
    walk.refresh_from_db()
    assert walk.route is not None and walk.plan["dropped"]
    # The stops' texts are data: the resident's markup never became markup.
    assert page.locator("#plan-stops b", has_text="0").count() == 0
    page.goto(f"{live_url}/vandringar/{code}/utskrift/")
    assert page.locator("#print-stops > li").count() == len(stops)
    assert page.locator(".walk-svg circle").count() == len(stops)
    screenshot(page, "walkplan-print-1280")
    pdf = page.pdf(format="A4", print_background=True)  # as "print to PDF" makes it
    assert pdf.startswith(b"%PDF")
    (screenshot(page, "walkplan-print-1280").parent / "walkplan-print.pdf").write_bytes(pdf)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    assert page.locator(".topbar").is_hidden() and page.locator("[data-print]").is_hidden()
    page.screenshot(path=str(screenshot(page, "walkplan-print-a4")), full_page=True)
    next(pages, None)

    # A participant's phone (412 px) shows the numbered stops and ticks the first.
    phones = _sized(browser, 412, phone=True)
    phone = next(phones)
    _login(phone, live_url, user, password, f"/vandringar/{code}/planera/")
    screenshot(phone, "walkplan-plan-412")
    phone.goto(f"{live_url}/vandringar/{code}/utskrift/")
    screenshot(phone, "walkplan-print-412")
    phone.screenshot(path=str(screenshot(phone, "walkplan-print-412")), full_page=True)
    phone.goto(f"{live_url}/w/{code}")
    phone.click("[data-role]")
    phone.wait_for_selector("#wa-stops-btn:not([hidden])", timeout=TIMEOUT)
    assert phone.locator(".stop-marker").count() == len(stops)
    phone.click("#wa-stops-btn")
    items = phone.locator("#wa-stops-list > li")
    assert items.count() == len(stops)
    assert items.nth(0).locator(".stop-no").inner_text() == "1"
    phone.click('[data-tick="1"]')
    _until(lambda: WalkStop.objects.get(pk=stops[0].pk).ticked_at is not None)
    assert phone.locator('[data-tick="1"]').get_attribute("aria-pressed") == "true"
    assert WalkStop.objects.filter(walk=walk, ticked_at__isnull=False).count() == 1
    # Offline, a tick waits on the phone (shown ticked) and is sent when the connection is back.
    phone.context.set_offline(True)
    phone.click('[data-tick="2"]')
    assert phone.locator('[data-tick="2"]').get_attribute("aria-pressed") == "true"
    time.sleep(1)
    assert WalkStop.objects.get(pk=stops[1].pk).ticked_at is None
    phone.context.set_offline(False)
    phone.evaluate("() => window.tryggWalk.outbox.retryNow()")
    _until(lambda: WalkStop.objects.get(pk=stops[1].pk).ticked_at is not None)
    screenshot(phone, "walkplan-phone-stops-412")

    # Closed, the walk's results are public: the stops with their reports' status.
    SafetyWalk.objects.filter(pk=walk.pk).update(status="closed")
    phone.goto(f"{live_url}/trygghetsvandringar/{code}/resultat/")
    assert phone.locator("#results-stops > li").count() == len(stops)
    assert "Mörkt här" not in phone.content()  # reports' own words are not on the page
    screenshot(phone, "walkplan-results-412")
    next(phones, None)
