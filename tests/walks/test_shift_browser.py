"""The shift report in Debian's Chromium on a 412 × 915 phone, against a real server.

A night walker logs in, fills the report on one screen (the send button is in view without
scrolling), goes offline, sends, comes back online and the report arrives once; a second report
with the "something physical to fix?" box makes a pin; "Mina rapporter" lists both.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.conftest import screenshot
from tests.walks.test_browser import PHONE_LAT, PHONE_LON, TIMEOUT, committed  # noqa: F401

PLACED = "() => document.getElementById('sr-place-state').textContent.includes('✓')"


@pytest.fixture
def phone412(browser):
    """A 412 × 915 phone (a common Android size) with geolocation allowed."""
    from tests.conftest import _watched_page

    context = browser.new_context(
        viewport={"width": 412, "height": 915},
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": PHONE_LAT, "longitude": PHONE_LON, "accuracy": 8},
    )
    yield from _watched_page(context)


@pytest.fixture
def night_walker(committed):  # noqa: F811
    """A committed partner of the demo municipality and its member (user, password)."""
    from django.contrib.auth.models import User

    from gis.core.partners import Partner
    from gis.demo.load import demo_municipality

    suffix = uuid.uuid4().hex[:6]
    partner = Partner.objects.create(
        municipality=demo_municipality(),
        name=f"Nattvandrarna {suffix}",
        kind=Partner.Kind.NIGHT_WALKERS,
    )
    committed.append(partner)
    password = uuid.uuid4().hex
    user = User.objects.create_user(f"nattvandrare-{suffix}", password=password)
    committed.append(user)
    partner.members.add(user)
    return partner, user, password


def _wait_counts(page, waiting: int, sent: int) -> None:
    text = f"{waiting} väntar på att skickas · {sent} skickade"
    page.wait_for_function(
        "(t) => document.getElementById('sr-counts').textContent === t", arg=text, timeout=TIMEOUT
    )


def _in_view_without_scrolling(page, selector: str) -> bool:
    return page.evaluate(
        """(s) => { const r = document.querySelector(s).getBoundingClientRect();
        return window.scrollY === 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    )


@pytest.mark.browser
def test_shift_report_on_one_screen_offline_and_with_a_pin(
    live_url,
    phone412,
    committed,  # noqa: F811
    night_walker,
):
    from layers.models import Incident
    from walks.models import ResidentPin

    partner, user, password = night_walker
    page = phone412
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_url}/login/?next=/skiftrapport/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click(".login-box button[type=submit]")
    page.wait_for_function("() => window.tryggShift && document.querySelector('#sr-map canvas')")
    _wait_counts(page, 0, 0)
    assert page.input_value("#sr-date") and page.input_value("#sr-from")

    # One screen: place by GPS, what happened, severity, young people met, what they did.
    page.click("#sr-locate")
    page.wait_for_function(PLACED)
    page.locator("#sr-form label", has_text="Folksamling").click()
    page.click('input[name="severity"][value="4"] + span')
    for _ in range(3):
        page.click("#sr-young-more")
    page.click("#sr-young-less")
    page.fill("#sr-did", "Pratade med gruppen vid torget.")
    assert _in_view_without_scrolling(page, "#sr-submit"), "the send button needs scrolling"
    screenshot(page, "shift-1-filled")

    # Offline: the report waits in the outbox, then arrives once when back online.
    page.context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    page.click("#sr-submit")
    _wait_counts(page, 1, 0)
    page.wait_for_function(  # the outbox tried (and failed) while offline
        "() => window.tryggShift.outbox.all().then(i => i.length === 1 && i[0].attempts >= 1)",
        timeout=TIMEOUT,
    )
    assert not Incident.objects.filter(partner=partner).exists()
    screenshot(page, "shift-2-offline-queued")
    page.context.set_offline(False)
    _wait_counts(page, 0, 1)
    incidents = Incident.objects.filter(partner=partner)
    committed.extend(incidents)
    ids = page.evaluate("() => window.tryggShift.outbox.all().then(items => items.map(i => i.id))")
    assert [i.source_id for i in incidents] == ids and len(ids) == 1
    incident = incidents.get()
    assert (incident.type, incident.severity, incident.young_people_met) == ("gathering", 4, 2)
    assert incident.reported_by == "night_walkers"
    assert incident.description.endswith("Pratade med gruppen vid torget.")
    assert incident.occurred_to - incident.occurred_at == timedelta(hours=4)  # as proposed
    page.evaluate("() => window.tryggShift.outbox.retryNow()")
    assert Incident.objects.filter(partner=partner).count() == 1

    # A second report of a night shift past midnight, placed by a tap, with something physical
    # to fix.
    yesterday = page.evaluate(
        "() => { const d = new Date(Date.now() - 86400000); return d.toISOString().slice(0, 10); }"
    )
    page.fill("#sr-date", yesterday)
    page.fill("#sr-from", "23:00")
    page.fill("#sr-to", "01:30")
    box = page.locator("#sr-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6)
    page.wait_for_function(PLACED)
    page.click('input[name="type"][value="vandalism"] + span')
    page.click('input[name="severity"][value="2"] + span')
    page.click("#sr-physical summary")
    page.select_option("#sr-category", "lighting")
    page.fill("#sr-fix", "Lampan vid lekplatsen är sönderslagen.")
    screenshot(page, "shift-3-physical")
    page.click("#sr-submit")
    _wait_counts(page, 0, 2)
    pins = ResidentPin.objects.filter(partner=partner)
    committed.extend(Incident.objects.filter(partner=partner).exclude(pk=incident.pk))
    committed.extend(pins)
    pin = pins.get()
    assert pin.category.code == "lighting" and not pin.published
    assert pin.description == "Lampan vid lekplatsen är sönderslagen."
    night = Incident.objects.get(partner=partner, source_id=str(pin.client_uuid))
    assert night.occurred_to - night.occurred_at == timedelta(hours=2, minutes=30)

    # Mina rapporter: both reports, the pin with its status.
    page.click("#sr-mine")
    page.wait_for_selector("#mine-pins")
    assert page.locator("#mine-incidents tbody tr").count() == 2
    assert "Lampan vid lekplatsen är sönderslagen." in page.inner_text("#mine-pins")
    assert "Mottagen" in page.inner_text("#mine-pins")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 412  # tables scroll
    screenshot(page, "shift-4-mine")
    assert not errors, errors
