"""The dashboard's basemap in Debian's Chromium: the style of /basemap/style.json composed under
the data layers, buildings and street names drawn from the public vector tiles, and the map
opened with no report layer on (its cluster filter used to be rejected by MapLibre)."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot

from .test_browser import login, wait_for_map

pytestmark = pytest.mark.browser

# Central Helsinki (the demo extract), between the railway station and the cathedral.
CENTRE = "60.1700/24.9460"


def _console_errors(page) -> list[str]:
    errors: list[str] = []

    def seen(message) -> None:
        url = message.location.get("url") or ""
        # The browser's own favicon request is the site design's, not the map's.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            errors.append(f"{message.text} ({url})")

    page.on("console", seen)
    return errors


def _rendered(page, layer: str) -> list[dict]:
    return page.evaluate(
        "(layer) => window.tryggMap.queryRenderedFeatures({ layers: [layer] })"
        ".map((f) => f.properties)",
        layer,
    )


def test_the_map_is_drawn_on_the_basemap_with_no_report_layer(live_url, desktop, browser_users):
    console = _console_errors(desktop)
    errors = login(desktop, live_url, browser_users["planner"])
    basemap_tiles: list[int] = []
    failed: list[str] = []
    desktop.on("response", lambda r: "/basemap/" in r.url and basemap_tiles.append(r.status))
    desktop.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    desktop.goto(f"{live_url}/dashboard/?layers=lighting#16.5/{CENTRE}")
    wait_for_map(desktop)
    ids = desktop.evaluate("() => window.tryggMap.getStyle().layers.map((l) => l.id)")
    for layer in ("basemap-background", "basemap-water", "basemap-building", "basemap-road-label"):
        assert layer in ids
    # The basemap is under the data: its ground first, its labels below the data's points.
    assert ids.index("basemap-building") < ids.index("lighting-line")
    assert ids.index("basemap-road-label") < ids.index("pins-circle")
    # The cluster layer kept its filter though no report layer is on.
    assert "clusters-circle" in ids
    assert desktop.evaluate("() => window.tryggMap.getFilter('clusters-circle')") is not None

    assert len(_rendered(desktop, "basemap-building")) > 10
    streets = {p.get("name") for p in _rendered(desktop, "basemap-road-label")}
    assert streets & {"Aleksanterinkatu", "Mikonkatu", "Kaisaniemenkatu", "Vilhonkatu"}
    assert basemap_tiles and set(basemap_tiles) <= {200, 304}
    screenshot(desktop, "dashboard-basemap")
    assert not errors
    assert not failed
    assert not console, console
