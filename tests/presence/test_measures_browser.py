"""The presence measures' pages in Chromium: a coordinator places a measure by clicking the map
and records it at desktop size; the list works at 412 px (no sideways scrolling) and shows it;
typed text stays text."""

from __future__ import annotations

import uuid

import pytest

from tests.dashboard.conftest import make_user, orm_access
from tests.dashboard.test_browser import login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def coordinator(django_db_setup, django_db_blocker) -> str:
    """A committed coordinator of every municipality, for the live server; its username."""
    with orm_access(django_db_blocker):
        return make_user("coordinator", prefix="wmeas").username


def _inside(django_db_blocker) -> tuple[float, float]:
    from gis.demo.load import demo_municipality

    with orm_access(django_db_blocker):
        point = demo_municipality().boundary.point_on_surface.transform(4326, clone=True)
    return round(point.x, 6), round(point.y, 6)


def test_record_a_measure_on_the_map_then_list_it_on_a_phone(
    live_url, desktop, browser, coordinator, django_db_blocker
):
    title = f"<b>Nattvandring</b> {uuid.uuid4().hex[:6]}"
    errors = login(desktop, live_url, coordinator, "/narvaro/atgarder/ny/")
    assert desktop.url.endswith("/narvaro/atgarder/ny/")
    desktop.wait_for_function(
        "() => document.getElementById('measure-map').dataset.ready === '1'", timeout=30_000
    )
    box = desktop.locator("#measure-map").bounding_box()
    desktop.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert desktop.input_value("#id_lon") != "" and desktop.input_value("#id_lat") != ""
    assert desktop.locator("#measure-map").get_attribute("data-picked")
    # The centre of the map may lie in another test's municipality: place it in the demo's.
    lon, lat = _inside(django_db_blocker)
    desktop.fill("#id_lon", str(lon))
    desktop.fill("#id_lat", str(lat))
    desktop.select_option("#id_kind", "night_walking")
    desktop.fill("#id_title", title)
    desktop.fill("#id_starts_on", "2026-12-04")
    desktop.fill("#id_ends_on", "2026-12-19")
    desktop.click("#measure-save")
    desktop.wait_for_load_state("networkidle")
    assert "/narvaro/atgarder/" in desktop.url and "/ny/" not in desktop.url
    assert desktop.text_content("#measure-title") == title  # text, not markup
    assert desktop.locator("#measure-title b").count() == 0
    assert desktop.text_content("#measure-status").strip() == "Registrerad"
    assert not errors, errors

    context = browser.new_context(
        viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True
    )
    try:
        phone = context.new_page()
        errors = login(phone, live_url, coordinator, "/narvaro/atgarder/")
        phone.wait_for_function(
            "() => document.getElementById('measure-map').dataset.areas !== undefined",
            timeout=30_000,
        )
        assert phone.locator("#measure-list tbody tr", has_text=title).count() == 1
        wide = phone.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 412, f"the page scrolls sideways at 412 px ({wide} px wide)"
        assert not errors, errors
    finally:
        context.close()
