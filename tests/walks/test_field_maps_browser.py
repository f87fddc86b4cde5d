"""The field pages' MapLibre maps in Debian's Chromium, against a real server and the demo.

The report map opens on the municipality it serves with the basemap's streets and their
names; a report is sent with the keyboard alone (the place given by the street search); the
walk app keeps the basemap of the walk's area and draws it without a connection; no page of
the phone is wider than a 412 px screen.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.gis.geos import Point

from tests.conftest import phone_page, screenshot
from tests.walks.test_browser import (  # noqa: F401 - fixtures
    PHONE_LAT,
    PHONE_LON,
    TIMEOUT,
    _walk_near_the_phone,
    committed,
)
from walks.models import ResidentPin, WalkFinding


def _wait_map(page, expression: str) -> None:
    """Wait until the map `expression` names has loaded its style and its tiles."""
    page.wait_for_function(
        f"() => {expression} && {expression}.loaded() && {expression}.isStyleLoaded()"
        f" && {expression}.areTilesLoaded()",
        timeout=TIMEOUT,
    )


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def _open_walk(page, base: str, made: list):
    """A walk near the phone's position (kept in `made`, the `committed` list) opened in the
    walk app, its choice of role shown."""
    walk = _walk_near_the_phone(made)
    page.goto(f"{base}/w/{walk.join_code}")
    page.locator("#wa-role").wait_for(state="visible", timeout=TIMEOUT)
    return walk


def _focus_is_visible(page) -> bool:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"
    )


@pytest.mark.browser
def test_report_map_opens_on_the_municipality_with_street_names(live_url, phone, committed):  # noqa: F811
    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    page = phone
    page.goto(f"{live_url}/rapportera/")
    page.wait_for_function("() => window.tryggReport", timeout=TIMEOUT)
    _wait_map(page, "window.tryggReport.map")
    state = page.evaluate(
        "() => { const m = window.tryggReport.map; const c = m.getCenter();"
        " const named = m.queryRenderedFeatures().filter((f) => f.source === 'basemap'"
        " && f.layer.type === 'symbol' && f.properties.name);"
        " const roads = m.queryRenderedFeatures().filter((f) => f.source === 'basemap'"
        " && f.layer.id === 'basemap-road');"
        " return {lon: c.lng, lat: c.lat, zoom: m.getZoom(), names: named.length,"
        " roads: roads.length, basemap: m.isSourceLoaded('basemap')}; }"
    )
    centre = Point(state["lon"], state["lat"], srid=4326).transform(demo.boundary.srid, clone=True)
    assert demo.boundary.covers(centre)
    assert state["zoom"] >= 15 and state["basemap"]
    assert state["roads"] > 3 and state["names"] > 3, state
    screenshot(page, "report-map-opening")


@pytest.mark.browser
def test_report_with_the_keyboard_alone(live_url, phone, committed):  # noqa: F811
    from gis.demo.load import demo_municipality
    from layers.models import StreetSegment

    demo = demo_municipality()
    street = (
        StreetSegment.objects.filter(municipality=demo)
        .exclude(name="")
        .order_by("-length_m", "id")
        .first()
    )
    marker = uuid.uuid4().hex[:8]
    page = phone
    page.goto(f"{live_url}/rapportera/")
    page.wait_for_function("() => window.tryggReport && window.tryggReport.map", timeout=TIMEOUT)

    # "My position" from the keyboard (emulated geolocation).
    _tab_to(page, "#rp-locate")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('rp-place-state').textContent.includes('✓')", timeout=TIMEOUT
    )
    place = page.evaluate("window.tryggReport.place()")
    assert abs(place["lat"] - PHONE_LAT) < 1e-4 and abs(place["lon"] - PHONE_LON) < 1e-4

    # The street search: type, arrow down, Enter.
    page.keyboard.press("Shift+Tab")
    _tab_to(page, "#rp-search")
    assert _focus_is_visible(page)
    page.keyboard.type(street.name[:5])
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('#rp-search-list li')]"
        ".some((li) => li.textContent === name)",
        arg=street.name,
        timeout=TIMEOUT,
    )
    options = page.locator("#rp-search-list li").all_inner_texts()
    for _ in range(options.index(street.name) + 1):
        page.keyboard.press("ArrowDown")
    assert page.get_attribute("#rp-search", "aria-expanded") == "true"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(name) => document.getElementById('rp-place-state').textContent.includes(name)",
        arg=street.name,
        timeout=TIMEOUT,
    )

    # Category, when and why, then send: Tab, Space and typing only.
    _tab_to(page, 'input[name="category"]')
    page.keyboard.press("Space")
    _tab_to(page, 'input[name="when"]')
    page.keyboard.press("ArrowRight")
    _tab_to(page, "#rp-description")
    page.keyboard.type(f"Mörkt och öde på kvällen {marker}")
    _tab_to(page, "#rp-submit")
    assert _focus_is_visible(page)
    screenshot(page, "report-keyboard-before-send")
    page.keyboard.press("Enter")
    page.locator("#rp-done").wait_for(state="visible", timeout=TIMEOUT)
    pin = ResidentPin.objects.get(description__endswith=marker)
    committed.append(pin)
    assert street.geom.distance(pin.geom) < 2.0
    assert pin.when and pin.category_id


@pytest.mark.browser
def test_walk_app_keeps_the_basemap_offline(live_url, phone, committed):  # noqa: F811
    page = phone
    walk = _open_walk(page, live_url, committed)
    page.click('[data-role="resident"]')
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    summary = page.evaluate("window.tryggWalk.basemapCached")
    assert summary and summary["tiles"] > 0 and summary["files"] > summary["tiles"], summary
    assert summary["tiles"] <= 400
    print(f"offline basemap: {summary}")
    _wait_map(page, "window.tryggWalk.map")

    page.context.set_offline(True)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_function("() => window.tryggWalk && !navigator.onLine", timeout=TIMEOUT)
    _wait_map(page, "window.tryggWalk.map")
    rendered = page.evaluate(
        "() => { const m = window.tryggWalk.map; return {loaded: m.isSourceLoaded('basemap'),"
        " roads: m.queryRenderedFeatures().filter((f) => f.source === 'basemap').length}; }"
    )
    assert rendered["loaded"] and rendered["roads"] > 0, rendered
    screenshot(page, "walk-offline-basemap")

    # A finding can still be queued offline.
    page.click("#wa-here")
    form = page.locator("#wa-finding")
    form.wait_for(state="visible", timeout=TIMEOUT)
    form.locator('input[name="category"] + span').first.click()
    form.locator('input[name="severity"][value="3"] + span').click()
    page.click("#wa-finding-save")
    page.wait_for_function(
        "() => document.getElementById('wa-queued').textContent === '1'", timeout=TIMEOUT
    )
    page.context.set_offline(False)
    page.wait_for_function(
        "() => document.getElementById('wa-saved').textContent === '1'", timeout=TIMEOUT
    )
    committed.extend(WalkFinding.objects.filter(walk=walk))


@pytest.fixture
def narrow(browser):
    """A 412 × 915 phone (a common Android size) with geolocation allowed."""
    yield from phone_page(browser, 412, 915, PHONE_LAT, PHONE_LON)


OUTSIDE = """() => [...document.querySelectorAll('button, input, select, textarea, a.btn')]
  .filter((e) => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden'
    && !e.closest('.hp, .visually-hidden'))
  .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 1
    && (r.left < -0.5 || r.right > window.innerWidth + 0.5); })
  .map((e) => `${e.id || e.name || e.textContent.trim()} ${e.getBoundingClientRect().right}`)"""


def _assert_fits_412(page) -> None:
    """Nothing on the page is wider than the 412 px phone, and no control leaves it."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 412
    assert page.evaluate(OUTSIDE) == []


@pytest.mark.browser
def test_no_field_page_is_wider_than_a_412_px_phone(live_url, narrow, committed):  # noqa: F811
    page = narrow
    _open_walk(page, live_url, committed)
    _assert_fits_412(page)
    screenshot(page, "walk-412-roles")
    page.click('[data-role="resident"]')
    _assert_fits_412(page)
    page.goto(f"{live_url}/rapportera/")
    page.wait_for_function("() => window.tryggReport", timeout=TIMEOUT)
    _assert_fits_412(page)
    screenshot(page, "report-412")


@pytest.mark.browser
def test_walk_app_with_the_keyboard_alone(live_url, phone, committed):  # noqa: F811
    page = phone
    walk = _open_walk(page, live_url, committed)
    page.wait_for_function("() => document.activeElement.id === 'wa-name'", timeout=TIMEOUT)
    _tab_to(page, '[data-role="resident"]')
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    page.locator("#wa-role").wait_for(state="hidden", timeout=TIMEOUT)
    _wait_map(page, "window.tryggWalk.map")

    # "Tap on map" from the keyboard: the map takes the focus, the arrows move it, Enter places.
    _tab_to(page, "#wa-tap")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement === window.tryggWalk.map.getCanvas()", timeout=TIMEOUT
    )
    assert _focus_is_visible(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(600)  # the pan's animation
    centre = page.evaluate(
        "(() => { const c = window.tryggWalk.map.getCenter(); return [c.lng, c.lat]; })()"
    )
    page.keyboard.press("Enter")
    page.locator("#wa-finding").wait_for(state="visible", timeout=TIMEOUT)
    assert page.evaluate("document.activeElement.name") == "category"
    page.keyboard.press("Space")
    _tab_to(page, 'input[name="severity"]')
    page.keyboard.press("Space")
    _tab_to(page, "#wa-finding-save")
    page.keyboard.press("Enter")
    page.locator("#wa-finding").wait_for(state="hidden", timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.getElementById('wa-saved').textContent === '1'", timeout=TIMEOUT
    )
    findings = list(WalkFinding.objects.filter(walk=walk))
    committed.extend(findings)
    assert len(findings) == 1 and findings[0].geom.geom_type == "Point"
    placed = findings[0].geom.transform(4326, clone=True)
    assert abs(placed.x - centre[0]) < 1e-5 and abs(placed.y - centre[1]) < 1e-5
