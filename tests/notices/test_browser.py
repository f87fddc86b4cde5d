"""On a phone: a resident supports a nearby report and asks to be told when something happens,
and a reporter asks the same on the tracking page (Playwright on Debian's Chromium)."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from gis.notices.models import Message, Subscription
from tests.walks.test_browser import TIMEOUT, _phone_point, committed  # noqa: F401  (fixture)
from walks.models import Category, ResidentPin


@pytest.mark.browser
def test_a_supporter_and_a_reporter_ask_to_hear_back(live_url, phone, committed):  # noqa: F811
    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    marker = uuid.uuid4().hex[:8]
    pin = ResidentPin.objects.create(
        municipality=demo,
        category=Category.objects.get(code="hidden_place"),
        when="evening",
        description=f"Mörk gångtunnel {marker}",
        geom=_phone_point(demo.boundary.srid),
        reported_at=timezone.now(),
    )
    committed.append(pin)
    page = phone
    try:
        page.goto(f"{live_url}/rapportera/")
        page.click("#rp-locate")
        page.wait_for_function(
            "document.getElementById('rp-place-state').textContent.includes('✓')"
        )
        page.locator("label", has_text="Dold plats").click()
        nearby = page.locator(f"#rp-nearby-list li[data-pin='{pin.pk}']")
        nearby.wait_for(state="visible", timeout=TIMEOUT)
        nearby.locator("button").click()
        page.locator("#rp-voted").wait_for(state="visible", timeout=TIMEOUT)
        page.click("#rp-follow")
        page.wait_for_url(f"**/meddelanden/folj/{pin.pk}/")
        page.fill("#follow-email", f"stod-{marker}@example.org")
        page.click("#follow-submit")
        page.locator("#follow-done").wait_for(state="visible", timeout=TIMEOUT)
        supporter = Subscription.objects.get(pin=pin, email=f"stod-{marker}@example.org")
        assert supporter.role == "supporter" and supporter.language == "sv"

        page.goto(f"{live_url}/en/report/track/{pin.tracking_token}/")
        page.fill("#follow-email", f"Rapport-{marker}@Example.org")
        page.click("#follow-submit")
        page.locator("#follow-done").wait_for(state="visible", timeout=TIMEOUT)
        reporter = Subscription.objects.get(pin=pin, email=f"rapport-{marker}@example.org")
        assert reporter.role == "reporter" and reporter.language == "en"
        assert Message.objects.filter(pin=pin).count() == 2  # the two confirmations
    finally:
        Message.objects.filter(recipient__contains=marker).delete()
