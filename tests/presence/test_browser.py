"""The presence pages in Debian's Chromium against a real server: the coordinator's page at
desktop and 412 px (plan button, team list, printable list), and the visit log on a phone
without a connection (the tick waits in the outbox and arrives once when back online)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from tests.conftest import screenshot
from tests.walks.test_browser import TIMEOUT, committed  # noqa: F401

PASSWORD = "presence-browser-pass-1"


def _user(committed, role: str, municipality, partner=None):  # noqa: F811
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(f"pres-{role}-{uuid.uuid4().hex[:6]}", password=PASSWORD)
    committed.append(user)
    user.groups.add(Group.objects.get(name=role))
    user.municipalities.add(municipality)
    if partner is not None:
        partner.members.add(user)
    return user


@pytest.fixture
def planned(committed):  # noqa: F811
    """Committed: a partner with a resource, a plan with three visits of its team (the first in
    an hour), a coordinator and a member of the partner."""
    from django.utils import timezone

    from gis.core.partners import Partner
    from gis.demo.load import demo_municipality
    from gis.presence.models import PresencePlan
    from tests.presence.conftest import make_resource, make_visit, place_in

    demo = demo_municipality()
    suffix = uuid.uuid4().hex[:6]
    partner = Partner.objects.create(
        municipality=demo, name=f"Nattvandrarna {suffix}", kind="night_walkers"
    )
    committed.append(partner)
    resource = make_resource(demo, f"Nattvandring {suffix}", partner=partner, actor="night_walkers")
    committed.append(resource)
    plan = PresencePlan.objects.create(
        municipality=demo, week=f"2030-W{int(suffix, 16) % 50 + 1:02d}"
    )
    committed.append(plan)
    soon = timezone.now() + dt.timedelta(hours=1)
    visits = [
        make_visit(
            plan,
            resource,
            soon + dt.timedelta(hours=2 * k),
            geom=place_in(demo, 150 * k),
            place=place,
        )
        for k, place in enumerate(("Järnvägstorget", "Esplanaden", "Salutorget"))
    ]
    return {
        "demo": demo,
        "resource": resource,
        "plan": plan,
        "visits": visits,
        "coordinator": _user(committed, "coordinator", demo),
        "member": _user(committed, "partner", demo, partner),
    }


def _login(page, live_url: str, user, path: str) -> None:
    page.goto(f"{live_url}/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click(".login-box button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture(params=[1440, 412], ids=["desktop", "412px"])
def sized(request, browser):
    """A watched page at desktop width and at 412 px (a common Android width)."""
    from tests.conftest import _watched_page

    context = browser.new_context(viewport={"width": request.param, "height": 900}, locale="sv-SE")
    yield from _watched_page(context)


@pytest.fixture
def phone412(browser):
    """A watched 412 × 915 touch phone."""
    from tests.conftest import _watched_page

    context = browser.new_context(
        viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True, locale="sv-SE"
    )
    yield from _watched_page(context)


def _fits(page, width: int) -> bool:
    """Whether the page fits `width` without sideways scrolling (wide tables scroll inside)."""
    return page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.mark.browser
def test_the_presence_page_plans_and_prints(live_url, sized, planned, committed):  # noqa: F811
    from gis.presence.models import PresencePlan

    page = sized
    width = page.viewport_size["width"]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    demo, plan = planned["demo"], planned["plan"]
    path = f"/narvaro/?municipality={demo.code}&week={plan.week}"
    _login(page, live_url, planned["coordinator"], path.replace("&", "%26"))
    page.wait_for_selector("#visits-map canvas", timeout=TIMEOUT)
    assert page.locator(f"table[data-team='{planned['resource'].name}'] tbody tr").count() == 3
    assert "Järnvägstorget" in page.inner_text("#plan")
    assert _fits(page, width)
    screenshot(page, f"presence-page-{width}")

    # Planning another week calls the planner and shows what it made.
    week = "2031-W07" if width == 1440 else "2031-W08"
    page.fill("#week-input", week)
    page.click("#week-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert f"vecka {week}" in page.inner_text("h1")
    page.click("#plan-week")
    page.wait_for_selector(".messages", timeout=TIMEOUT)
    assert f"Veckan {week} är planerad" in page.inner_text(".messages")
    committed.append(PresencePlan.objects.get(municipality=demo, week=week))

    # The team list: in order, with its map; printable without the buttons.
    page.goto(f"{live_url}/narvaro/{plan.week}/{planned['resource'].pk}/1/")
    page.wait_for_selector("#visits-map canvas", timeout=TIMEOUT)
    places = page.locator(".visit-place").all_inner_texts()
    assert places == ["Järnvägstorget", "Esplanaden", "Salutorget"]
    assert _fits(page, width)
    page.emulate_media(media="print")
    assert not page.is_visible("#print-list") and page.is_visible(".visit-list")
    assert page.is_visible("#visits-map")
    screenshot(page, f"presence-team-print-{width}")
    assert not errors, errors


@pytest.mark.browser
def test_the_visit_log_ticks_a_visit_offline(live_url, phone412, planned, committed):  # noqa: F811
    from gis.presence.models import PlannedVisit

    page, context = phone412, phone412.context
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    first = planned["visits"][0]
    _login(page, live_url, planned["member"], "/narvaro/besok/")
    page.wait_for_function("() => window.tryggVisitLog", timeout=TIMEOUT)
    row = page.locator(f"li[data-visit='{first.pk}']")
    assert row.count() == 1 and "Järnvägstorget" in row.inner_text()
    assert page.locator("li[data-visit]").count() == 3
    assert _fits(page, 412)

    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    row.locator("textarea").fill("Fem ungdomar vid kiosken, <b>lugnt</b>.")
    row.locator("button[data-outcome=done]").click()
    page.wait_for_function(
        "(id) => document.querySelector(`li[data-visit='${id}'] .vl-status`)"
        ".textContent.includes('Sparad i telefonen')",
        arg=first.pk,
        timeout=TIMEOUT,
    )
    assert "1 väntar på att skickas" in page.inner_text("#vl-counts")
    assert PlannedVisit.objects.get(pk=first.pk).outcome == ""
    screenshot(page, "presence-visit-log-offline")

    context.set_offline(False)
    page.wait_for_function(
        "(id) => document.querySelector(`li[data-visit='${id}'] .vl-status`)"
        ".textContent.includes('Skickad')",
        arg=first.pk,
        timeout=TIMEOUT,
    )
    deadline = time.monotonic() + TIMEOUT / 1000
    while PlannedVisit.objects.get(pk=first.pk).outcome == "" and time.monotonic() < deadline:
        time.sleep(0.1)
    stored = PlannedVisit.objects.get(pk=first.pk)
    assert (stored.outcome, stored.note) == ("done", "Fem ungdomar vid kiosken, <b>lugnt</b>.")
    assert stored.logged_by_id == planned["member"].pk
    assert "Skickad" in row.locator(".vl-status").inner_text()
    # Exactly once: a replay changes nothing, and the other visits are untouched.
    page.evaluate("() => window.tryggVisitLog.outbox.retryNow()")
    time.sleep(0.5)
    assert PlannedVisit.objects.get(pk=first.pk).logged_at == stored.logged_at
    assert PlannedVisit.objects.filter(plan=planned["plan"]).exclude(outcome="").count() == 1
    assert page.locator("li[data-visit] b").count() == 0  # the note is text, not markup
    assert not errors, errors
