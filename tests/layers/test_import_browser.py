"""The import page in Debian's Chromium, at desktop width and at 412 px: a planner uploads a
small CSV, changes one column's drop-down, sees the preview's features on the map and a
rejected row with its reason (as text), imports, sees the figures, and undoes the batch from the
list. Screenshots go to test-artifacts/."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import _watched_page, screenshot
from tests.dashboard.conftest import PASSWORD, orm_access
from tests.dashboard.test_browser import login
from tests.layers._import_files import incident_csv

pytestmark = pytest.mark.browser

ROWS = [
    ("Klotter", "Polisen", "2026-12-01 22:00"),
    ("<b>Snöboll</b>", "Polisen", "2026-12-01 22:30"),  # no such type: rejected, shown as text
    ("Brand", "Väktare", "2026-12-02 01:15"),
]


@pytest.fixture(params=[(1440, 900), (412, 915)], ids=["desktop", "412px"])
def page(request, browser):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    yield from _watched_page(context)


@pytest.fixture
def planner(django_db_setup, django_db_blocker) -> str:
    """A committed planner of the demo municipality (for the live server); the username."""
    from django.contrib.auth.models import Group, User

    from gis.demo.load import demo_municipality

    with orm_access(django_db_blocker):
        user = User.objects.create_user(f"web-import-{uuid.uuid4().hex[:8]}", password=PASSWORD)
        user.groups.add(Group.objects.get(name="planner"))
        demo_municipality().staff.add(user)
    return user.username


@pytest.fixture
def upload_file(django_db_blocker, tmp_path):
    from gis.demo.load import demo_municipality

    with orm_access(django_db_blocker):
        demo = demo_municipality()
    return incident_csv(tmp_path / "handelser.csv", demo, ROWS)


def test_upload_map_preview_import_and_undo(live_url, page, planner, upload_file):
    errors = login(page, live_url, planner, landing="/import/")
    assert page.url == f"{live_url}/import/"
    assert page.locator("#nav-import").get_attribute("aria-current") == "page"
    page.select_option("#id_layer", "incidents")
    page.set_input_files("#id_file", str(upload_file))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#mapping-form")
    assert "Lon" in page.locator("#detected").inner_text()

    # One drop-down changed: the unrecognised note column becomes the description.
    assert page.locator("#id_column_5").input_value() == ""
    page.select_option("#id_column_5", "description")
    page.fill("#id_source", f"web-{uuid.uuid4().hex[:8]}")
    page.click("#preview-button")
    page.wait_for_function(
        "() => document.getElementById('preview-map')?.dataset.features === '2'", timeout=30_000
    )
    assert page.locator("#id_column_5").input_value() == "description"
    rejected = page.locator("#rejected-rows tbody tr")
    assert rejected.count() == 1
    assert rejected.first.locator("td").first.inner_text() == "2"
    reason = rejected.first.locator("td").nth(1)
    assert "<b>Snöboll</b>" in reason.inner_text()  # typed text is data, never markup
    assert reason.locator("b").count() == 0
    drawn = page.evaluate("() => window.tryggPreviewMap.querySourceFeatures('preview').length")
    assert drawn >= 1
    screenshot(page, f"import-preview-{page.viewport_size['width']}")

    page.click("#import-button")
    page.wait_for_selector("#import-progress[data-state=done]", timeout=30_000)
    result = page.locator("#import-result")
    assert result.is_visible()
    assert result.locator("[data-key=created]").inner_text() == "2"
    assert result.locator("[data-key=rejected]").inner_text() == "1"
    screenshot(page, f"import-done-{page.viewport_size['width']}")

    page.click("#import-batches-link")
    row = page.locator("#batch-list tbody tr").first
    batch = row.get_attribute("data-batch")
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button").click()
    page.wait_for_selector("#import-messages")
    assert f"Omgång {batch} ångrades." in page.locator("#import-messages").inner_text()
    assert "ångrad" in page.locator(f"#batch-list tr[data-batch='{batch}']").inner_text()
    assert not errors
