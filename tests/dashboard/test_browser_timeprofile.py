"""When a place is hot, in Debian's Chromium: the weekday × hour grid appears in the side panel
for the selection and in the details of a clicked hot spot, on a desktop and at 412 px (where it
scrolls inside its own focusable region, never the page)."""

from __future__ import annotations

import pytest

from tests.conftest import phone_page, screenshot

from .test_browser import login, wait_for_map

pytestmark = pytest.mark.browser

GRID = "#time-profile table.tp-grid"
DETAIL_GRID = "#detail-time-profile table.tp-grid"

# Hide every clickable layer but the hot spots, and give the screen position of the centre of a
# hot cell (page pixels), or null while none is drawn.
_HOT_CELL = """() => {
  const map = window.tryggMap;
  const others = ["pins-circle", "findings-circle", "findings-line", "findings-fill",
    "incidents-symbol", "clusters-circle", "fixes-line", "fixes-fill", "lamps-circle",
    "lux-circle", "cameras-circle", "vegetation-point", "vegetation-line", "vegetation-fill",
    "routes-line", "lighting-line", "properties-fill"];
  for (const id of others) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", "none");
  const hits = map.queryRenderedFeatures({ layers: ["hotspots-fill"] })
    .filter((f) => f.properties.gi_bin > 0);
  const box = map.getCanvas().getBoundingClientRect();
  for (const hit of hits) {
    const coordinates = hit.geometry.coordinates;
    const ring = hit.geometry.type === "Polygon" ? coordinates[0] : coordinates[0][0];
    const lng = ring.slice(0, -1).reduce((s, c) => s + c[0], 0) / (ring.length - 1);
    const lat = ring.slice(0, -1).reduce((s, c) => s + c[1], 0) / (ring.length - 1);
    const p = map.project([lng, lat]);
    if (p.x > 20 && p.y > 20 && p.x < box.width - 20 && p.y < box.height - 20)
      return [box.left + p.x, box.top + p.y];
  }
  return null;
}"""


def _grid_rows(page, selector: str) -> list[int]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => r.cells.length)"
    )


def _check_selection_grid(page) -> None:
    page.wait_for_selector(GRID, timeout=30_000)
    assert _grid_rows(page, GRID) == [25] * 7  # the weekday's header and 24 hours
    assert (
        page.eval_on_selector_all(f"{GRID} tbody th", "ths => ths.map(t => t.scope)") == ["row"] * 7
    )
    assert page.inner_text("#time-profile .tp-summary").startswith("Mest: ")
    assert page.get_attribute("#time-profile .tp-scroll", "tabindex") == "0"
    assert int(page.get_attribute("#time-profile", "data-records")) > 100


def _click_a_hot_spot(page) -> None:
    page.click("#tab-layers")
    if page.locator("#layer-fixes").is_checked():
        page.uncheck("#layer-fixes")  # its rank badges lie above the map
    page.check("#layer-hotspots")
    page.wait_for_function(
        "() => /\\d/.test(document.getElementById('hot-summary').textContent)", timeout=30_000
    )
    page.wait_for_function(_HOT_CELL, timeout=30_000)
    page.wait_for_timeout(300)  # the hidden layers' repaint
    x, y = page.evaluate(_HOT_CELL)
    page.mouse.click(x, y)
    page.wait_for_selector(DETAIL_GRID, timeout=30_000)
    assert _grid_rows(page, DETAIL_GRID) == [25] * 7
    caption = page.inner_text(f"{DETAIL_GRID} caption")
    assert caption.startswith("Rapporter i brännpunkten")


def test_the_grid_on_a_desktop(live_url, desktop, browser_users):
    errors = login(desktop, live_url, browser_users["planner"])
    wait_for_map(desktop, tiles=False)
    _check_selection_grid(desktop)
    # It fits the panel: no scrolling needed on a desktop.
    assert desktop.evaluate(
        "() => { const r = document.querySelector('#time-profile .tp-scroll');"
        " return r.scrollWidth <= r.clientWidth + 1; }"
    )
    screenshot(desktop, "dashboard-time-profile")
    _click_a_hot_spot(desktop)
    screenshot(desktop, "dashboard-hot-spot-time-profile")
    assert not errors


@pytest.fixture
def phone412(browser):
    """A 412 px wide phone (touch)."""
    yield from phone_page(browser, 412, 915, 60.1699, 24.9384)


def test_the_grid_at_412_px(live_url, phone412, browser_users):
    page = phone412
    errors = login(page, live_url, browser_users["planner"])
    wait_for_map(page, tiles=False)
    _check_selection_grid(page)
    # The page itself never scrolls sideways; the grid stays inside its region.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 412
    box = page.locator("#time-profile .tp-scroll").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 412
    screenshot(page, "dashboard-time-profile-412")
    _click_a_hot_spot(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 412
    screenshot(page, "dashboard-hot-spot-time-profile-412")
    assert not errors
