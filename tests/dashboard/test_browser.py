"""The dashboard in Debian's Chromium: every role logs in, layers toggle, filters change the
counts and the URL, the coordinator triages a pin, a department opens and moves a fix, and the
situation picture renders. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import re

import pytest

from tests.conftest import screenshot

from .conftest import PASSWORD, orm_access

pytestmark = pytest.mark.browser


READY = "() => document.body.dataset.mapReady === '1' && window.tryggMap.areTilesLoaded()"


def login(page, base: str, username: str, landing: str = "/dashboard/") -> list[str]:
    """Log in through the login page; returns the list page errors are collected into."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/login/?next={landing}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".login-box button[type=submit]")
    page.wait_for_load_state("networkidle")
    return errors


def wait_for_map(page, *, tiles: bool = True) -> None:
    """Wait for the counts, and (by default) for the map's tiles to be drawn."""
    page.wait_for_function("() => document.body.dataset.countsTotal !== undefined", timeout=30_000)
    if tiles:
        page.wait_for_function(READY, timeout=30_000)


def total(page) -> int:
    return int(page.evaluate("() => document.body.dataset.countsTotal"))


@pytest.mark.parametrize(
    "role", ["coordinator", "planner", "street_department", "parks_department", "analyst"]
)
def test_every_staff_role_logs_in_to_the_map(live_url, desktop, browser_users, role):
    errors = login(desktop, live_url, browser_users[role])
    assert desktop.url.startswith(f"{live_url}/dashboard/")
    wait_for_map(desktop, tiles=False)
    assert total(desktop) > 2500
    assert desktop.locator(".dash-user").inner_text() == browser_users[role]
    assert not errors


def test_walk_leaders_are_refused(live_url, desktop, browser_users):
    login(desktop, live_url, browser_users["walk_leader"])
    response = desktop.goto(f"{live_url}/dashboard/")
    assert response.status == 403
    assert desktop.goto(f"{live_url}/dashboard/lagesbild/").status == 403


def test_layers_toggle_and_filters_change_counts_and_url(live_url, desktop, browser_users):
    errors = login(desktop, live_url, browser_users["planner"])
    wait_for_map(desktop)
    everything = total(desktop)
    screenshot(desktop, "dashboard-map")

    # Layers: the heat map and the Gi* hot spots on, the pins off; each with its legend.
    desktop.click("#tab-layers")
    desktop.check("#layer-heat")
    desktop.check("#layer-hotspots")
    desktop.uncheck("#layer-pins")
    desktop.wait_for_function(
        "() => document.querySelector('#heat-legend .ramp-labels') !== null", timeout=20_000
    )
    desktop.wait_for_function(
        "() => window.tryggMap.getLayer('heat-raster') && "
        "window.tryggMap.getLayoutProperty('heat-raster', 'visibility') === 'visible'"
    )
    assert (
        desktop.evaluate("window.tryggMap.getLayoutProperty('pins-circle', 'visibility')") == "none"
    )
    assert "km²" in desktop.inner_text("#heat-legend")
    desktop.wait_for_function(
        "() => /\\d/.test(document.getElementById('hot-summary').textContent)"
    )
    assert (
        re.search(r"layers=[^&]*heat", desktop.url)
        and "pins" not in desktop.url.split("layers=")[1].split("&")[0]
    )
    desktop.wait_for_function(READY)
    screenshot(desktop, "dashboard-heatmap-hotspots")

    # Filters: one category, then the evening only: the counts drop, the URL keeps them.
    desktop.click("#tab-filters")
    desktop.check("#filter-category input[value=lighting]")
    desktop.wait_for_function(f"() => Number(document.body.dataset.countsTotal) < {everything}")
    lighting = total(desktop)
    desktop.check("#filter-when input[value=evening]")
    desktop.wait_for_function(f"() => Number(document.body.dataset.countsTotal) < {lighting}")
    evening = total(desktop)
    assert 0 < evening < lighting < everything
    assert "category=lighting" in desktop.url and "when=evening" in desktop.url
    assert desktop.inner_text("#count-total").replace("\u00a0", "").replace(" ", "") == str(evening)

    # A shared link opens the same view with the same counts.
    shared = desktop.url
    desktop.goto(shared)
    wait_for_map(desktop)
    assert total(desktop) == evening
    assert desktop.is_checked("#filter-category input[value=lighting]")
    assert desktop.is_checked("#layer-heat")
    assert not errors


# The pins and incidents drawn on the map: per cluster its pins and incidents and its screen
# position (and whether nothing else clickable lies within 10 px of it), and single points.
_RENDERED = """() => {
  const map = window.tryggMap;
  const box = map.getCanvas().getBoundingClientRect();
  const others = ["pins-circle", "incidents-symbol", "fixes-line"];
  const clear = (p) =>
    !map.queryRenderedFeatures([[p.x - 10, p.y - 10], [p.x + 10, p.y + 10]], { layers: others })
      .length && document.elementFromPoint(box.left + p.x, box.top + p.y) === map.getCanvas();
  const clusters = map.queryRenderedFeatures({ layers: ["clusters-circle"] }).map((f) => {
    const p = map.project(f.geometry.coordinates);
    const n = (f.properties.residents || 0) + (f.properties.incidents || 0);
    return { n, x: box.left + p.x, y: box.top + p.y, clear: clear(p) };
  });
  const singles = map.queryRenderedFeatures({ layers: ["pins-circle", "incidents-symbol"] });
  return { clusters, singles: singles.length, zoom: map.getZoom() };
}"""
_SOURCE_COUNT = (
    "(source) => Number(document.querySelector(`#count-sources [data-source=${source}] b`)"
    ".textContent.replace(/\\D/g, ''))"
)


def test_zoomed_out_reports_are_clusters_that_zoom_in_when_clicked(
    live_url, desktop, browser_users
):
    errors = login(desktop, live_url, browser_users["analyst"])
    desktop.goto(f"{live_url}/dashboard/?layers=streets,pins,incidents")
    wait_for_map(desktop)
    seen = desktop.evaluate(_RENDERED)
    assert seen["zoom"] < 15 and len(seen["clusters"]) > 20
    # The whole demo is in view: its clusters and single points add up to the counts.
    expected = sum(desktop.evaluate(_SOURCE_COUNT, s) for s in ("resident", "incident"))
    assert expected > 2500
    assert sum(c["n"] for c in seen["clusters"]) + seen["singles"] == expected
    assert "zooma in" in desktop.inner_text("#layer-list li[data-group=pins] .legend")
    target = max((c for c in seen["clusters"] if c["clear"]), key=lambda c: c["n"])
    desktop.mouse.click(target["x"], target["y"])
    desktop.wait_for_function(f"() => window.tryggMap.getZoom() > {seen['zoom'] + 1.9}")
    desktop.wait_for_function(READY)
    assert desktop.locator("#detail").is_hidden()
    screenshot(desktop, "dashboard-cluster-zoomed")
    assert not errors


def _received_pin(django_db_blocker):
    from walks.models import ResidentPin

    with orm_access(django_db_blocker):
        pin = (
            ResidentPin.objects.filter(status="received", duplicate_of__isnull=True)
            .order_by("-reported_at")
            .first()
        )
        point = pin.geom.transform(4326, clone=True)
        return pin.pk, point.x, point.y


def test_coordinator_triages_a_pin_from_the_map(
    live_url, desktop, browser_users, django_db_blocker
):
    pk, lon, lat = _received_pin(django_db_blocker)
    errors = login(desktop, live_url, browser_users["coordinator"])
    desktop.goto(
        f"{live_url}/dashboard/?source=resident&status=received&layers=streets,pins#18.5/{lat}/{lon}"
    )
    wait_for_map(desktop)
    box = desktop.locator("#map").bounding_box()
    desktop.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    desktop.wait_for_selector("#triage-form")
    assert desktop.locator("#detail h2").inner_text()
    desktop.select_option("#triage-form select[name=status]", "triaged")
    desktop.fill("#triage-form textarea[name=public_answer]", "Tack, vi tittar på platsen.")
    desktop.fill("#triage-form input[name=note]", f"browser triage {pk}")
    desktop.click("#triage-form button[type=submit]")
    desktop.wait_for_selector("#triage-saved:has-text('Sparat')")
    history = desktop.inner_text("#detail .history")
    assert browser_users["coordinator"] in history and f"browser triage {pk}" in history
    screenshot(desktop, "dashboard-triage")
    from walks.models import PinStatusChange

    with orm_access(django_db_blocker):
        # The pin under the cursor (the chosen one, or one drawn on top of it) was triaged.
        change = PinStatusChange.objects.filter(note__contains=f"browser triage {pk}").latest(
            "changed_at"
        )
        assert (
            change.to_status == "triaged"
            and change.changed_by.username == browser_users["coordinator"]
        )
    assert not errors


def _spanned_incident(django_db_blocker):
    """The newest incident, given a span of eight hours; its point, day and label."""
    from datetime import timedelta

    from django.utils import timezone, translation

    from layers.models import Incident

    with orm_access(django_db_blocker):
        incident = Incident.objects.order_by("-occurred_at").first()
        incident.occurred_to = incident.occurred_at + timedelta(hours=8)
        incident.save(update_fields=["occurred_to"])
        point = incident.geom.transform(4326, clone=True)
        day = timezone.localtime(incident.occurred_at).date().isoformat()
        with translation.override("sv"):
            label = incident.occurred_label
        return point.x, point.y, day, label


def test_incident_details_show_its_time_span(live_url, desktop, browser_users, django_db_blocker):
    lon, lat, day, label = _spanned_incident(django_db_blocker)
    errors = login(desktop, live_url, browser_users["analyst"])
    desktop.goto(
        f"{live_url}/dashboard/?source=incident&from={day}&to={day}"
        f"&layers=streets,incidents#18.5/{lat}/{lon}"
    )
    wait_for_map(desktop)
    box = desktop.locator("#map").bounding_box()
    desktop.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    desktop.wait_for_selector("#detail dl")
    assert re.search(r"\d\d:\d\d–\d\d:\d\d", label)  # a span, on the local clock
    assert f"Inträffade\n{label}" in desktop.inner_text("#detail dl")
    assert not errors


def test_street_department_opens_and_moves_a_fix(live_url, desktop, browser_users):
    errors = login(desktop, live_url, browser_users["street_department"])
    wait_for_map(desktop)
    desktop.click("#tab-fixes")
    desktop.select_option("#fix-department", "street")
    desktop.wait_for_function("() => document.querySelectorAll('#fix-list .fix-item').length >= 3")
    assert "department=street" in desktop.url
    before = desktop.evaluate("() => window.location.hash")
    desktop.locator("#fix-list .fix-item").nth(1).click()
    desktop.wait_for_selector("#detail .reasons li")
    assert "Varför den rankas här" in desktop.text_content("#detail")
    desktop.wait_for_function(f"() => window.location.hash !== {before!r}")
    desktop.wait_for_function(READY)
    screenshot(desktop, "dashboard-fix")
    desktop.select_option("#fix-form select[name=status]", "planned")
    desktop.fill("#fix-form input[name=note]", "in next week's plan")
    desktop.click("#fix-form button[type=submit]")
    desktop.wait_for_selector("#fix-saved:has-text('Sparat')")
    assert "Planerad" in desktop.inner_text("#detail dl")
    assert not errors


def test_situation_picture_renders_and_prints(live_url, desktop, browser_users):
    errors = login(desktop, live_url, browser_users["analyst"], landing="/dashboard/lagesbild/")
    desktop.goto(f"{live_url}/dashboard/lagesbild/?from=2026-10-01&to=2026-11-21")
    desktop.wait_for_function(
        "() => [...document.images].every((img) => img.complete && img.naturalWidth > 0)",
        timeout=30_000,
    )
    assert "Lägesbild" in desktop.inner_text("h1")
    assert int(desktop.inner_text("#total-current")) > 50
    screenshot(desktop, "situation-picture")
    desktop.locator("#situation-map").scroll_into_view_if_needed()
    screenshot(desktop, "situation-map")
    desktop.emulate_media(media="print")
    desktop.evaluate("window.scrollTo(0, 0)")
    assert not desktop.locator(".topbar").is_visible()
    screenshot(desktop, "situation-print")
    desktop.emulate_media(media="screen")
    with desktop.expect_download() as download:
        desktop.click("a[href*='lagesbild.csv']")
    assert download.value.suggested_filename.startswith("lagesbild-20261001")
    assert not errors


def test_the_map_in_english(live_url, desktop, browser_users):
    login(desktop, live_url, browser_users["analyst"])
    desktop.goto(f"{live_url}/en/dashboard/")
    wait_for_map(desktop, tiles=False)
    assert desktop.inner_text("#tab-filters") == "Filters"
    assert "Resident pins" in desktop.inner_text("#count-sources")
