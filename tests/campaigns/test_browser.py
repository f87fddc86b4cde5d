"""A digital walk answered on a phone (412 px wide, Debian's Chromium, a real server): mark a
place with a category, draw a way the resident avoids, answer the questions, send, see the
thanks; the database holds the answer once, its features waiting for moderation.

The server commits what it writes, so the campaign is created outside the per-test
transaction and deleted (with its answers) at the end.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.utils import timezone

from gis.campaigns.models import Campaign, CampaignResponse
from tests.conftest import phone_page, screenshot

PHONE_LAT, PHONE_LON = 60.1699, 24.9384
TIMEOUT = 15_000


@pytest.fixture
def phone412(browser):
    yield from phone_page(browser, 412, 915, PHONE_LAT, PHONE_LON)


def _campaign_around_the_phone(committed) -> Campaign:
    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    here = Point(PHONE_LON, PHONE_LAT, srid=4326).transform(demo.boundary.srid, clone=True)
    area = here.buffer(800).intersection(demo.boundary)
    area = area if isinstance(area, MultiPolygon) else MultiPolygon(area)
    area.srid = demo.boundary.srid
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        municipality=demo,
        title=f"Digital vandring {uuid.uuid4().hex[:5]}",
        slug=f"test-{uuid.uuid4().hex[:10]}",
        area=area,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=6),
        intro="Berätta var du känner dig otrygg kring torget.",
    )
    committed.append(campaign)
    return campaign


def _tap(page, fx: float, fy: float) -> None:
    box = page.locator("#cp-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


@pytest.mark.browser
def test_a_campaign_answered_on_a_phone(live_url, phone412, committed):
    campaign = _campaign_around_the_phone(committed)
    page = phone412
    page.goto(f"{live_url}/trygghetsvandring/{campaign.slug}/")
    page.wait_for_function("document.querySelector('#cp-map canvas')", timeout=TIMEOUT)
    assert "kring torget" in page.inner_text("#cp-intro")
    screenshot(page, "campaign-1-start")

    # A place that feels unsafe: tap, category, when, comment.
    page.click('[data-mode="point"]')
    _tap(page, 0.5, 0.5)
    page.locator("#cp-details").wait_for(state="visible", timeout=TIMEOUT)
    page.locator("#cp-details label", has_text="Mörkt eller trasig belysning").click()
    page.click('#cp-details input[name="when"][value="evening"] + span')
    page.fill("#cp-comment", "Lamporna är släckta <b>här</b>")
    page.click("#cp-add")
    page.locator("#cp-details").wait_for(state="hidden", timeout=TIMEOUT)
    # A way I avoid: three taps, finish, add.
    page.click('[data-mode="avoided_way"]')
    for fx, fy in ((0.4, 0.4), (0.5, 0.45), (0.6, 0.55)):
        _tap(page, fx, fy)
    page.click("#cp-done")
    page.locator("#cp-details").wait_for(state="visible", timeout=TIMEOUT)
    page.click('#cp-details input[name="when"][value="night"] + span')
    page.click("#cp-add")
    items = page.locator("#cp-list li")
    assert items.count() == 2
    assert "<b>här</b>" in items.nth(0).inner_text()  # shown as text, not markup
    # The questions.
    page.click('input[name="q-safe_day"][value="4"] + span')
    page.click('input[name="q-safe_night"][value="2"] + span')
    page.fill("#q-why", "Mörkt och tomt på kvällen.")
    screenshot(page, "campaign-2-marked")
    page.click("#cp-submit")
    page.locator("#cp-thanks").wait_for(state="visible", timeout=TIMEOUT)
    screenshot(page, "campaign-3-thanks")

    responses = CampaignResponse.objects.filter(campaign=campaign)
    assert responses.count() == 1
    response = responses.get()
    features = {f.kind: f for f in response.features.all()}
    assert set(features) == {"point", "avoided_way"}
    assert features["point"].category.code == "lighting" and features["point"].when == "evening"
    assert features["point"].comment == "Lamporna är släckta <b>här</b>"
    assert features["avoided_way"].geom.num_coords == 3
    assert response.answers == {"safe_day": 4, "safe_night": 2, "why": "Mörkt och tomt på kvällen."}
    assert {f.status for f in features.values()} == {"pending"}
    # Nothing unmoderated on the public results page.
    page.goto(f"{live_url}/trygghetsvandring/{campaign.slug}/resultat/")
    assert "Lamporna" not in page.content()
