"""The pages of `gis.accessibility.PAGES` on the live server, for the layout and axe tests.

`make_site_objects` commits what the pages need (a coordinator, a fix, an open walk) so that
the live server process sees them (the `site` fixture of tests/project/conftest.py gives them
once per module); `opened` opens a page in a fresh browser context of a viewport's size, logged
in when the page needs it, and closes the context afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from gis.accessibility import DESKTOP, KNOWN_ISSUES, PAGES, PHONE, Page
from tests.dashboard.conftest import PASSWORD, add_fixes, make_user, orm_access

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@dataclass
class SiteObjects:
    """Committed objects the checked pages show."""

    username: str
    fix: int
    walk: str
    pin: int = 0  # a resident's report with an e-mail address (notices' pages)
    token: str = ""  # its reporter's unsubscribe token
    task: str = ""  # a recompute of the ranking, enqueued (the task page, gis.jobs)
    closed_walk: str = ""  # a closed walk of the demo (its public results page)


def make_site_objects(django_db_blocker) -> SiteObjects:
    """A coordinator working for every municipality (and a partner member), a ranked fix and
    an open walk."""
    from django.utils import timezone

    from gis.core.partners import Partner
    from gis.demo.load import demo_municipality, load_demo
    from gis.fixes.models import Fix
    from layers.models import StreetSegment
    from walks.models import SafetyWalk

    with orm_access(django_db_blocker):
        municipality = demo_municipality()
        if municipality is None or not municipality.streetsegment_set.exists():
            load_demo()
            municipality = demo_municipality()
        user = make_user("coordinator", prefix="look")
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        # A member of an EST partner too, so the partners' pages (the shift report) open.
        partner, _ = Partner.objects.get_or_create(
            municipality=municipality, name="Nattvandrarna (sidkontroll)", kind="night_walkers"
        )
        partner.members.add(user)
        fix = Fix.objects.filter(municipality=municipality).order_by("rank", "pk").first()
        if fix is None:
            fix = add_fixes(municipality, "look")[0]
        segment = StreetSegment.objects.filter(municipality=municipality, length_m__gt=80)
        walk = SafetyWalk.objects.create(
            municipality=municipality,
            title="Kvällsvandring " + uuid.uuid4().hex[:6],
            starts_at=timezone.now(),
            time_of_day="evening",
            route=segment.order_by("id")[0].geom,
            status="open",
        )
        pin, token = _notices_objects(municipality)
        from gis.jobs.tasks import analyse

        task = analyse.enqueue(municipality.code, "prioritise", user.pk).id
        closed = (
            SafetyWalk.objects.filter(municipality=municipality, status="closed")
            .order_by("pk")
            .first()
        )
        return SiteObjects(
            user.username, fix.pk, walk.join_code, pin, token, task, closed.join_code
        )


def _notices_objects(municipality) -> tuple[int, str]:
    """A report whose resident follows it by e-mail: its id and the unsubscribe token."""
    from gis.notices.models import Subscription
    from walks.models import PinContact, ResidentPin

    pin = ResidentPin.objects.filter(municipality=municipality).order_by("pk").first()
    contact, _ = PinContact.objects.get_or_create(pin=pin, defaults={"email": "sida@example.org"})
    subscription, _ = Subscription.objects.get_or_create(
        pin=pin, email=contact.email or "sida@example.org", defaults={"role": "reporter"}
    )
    return pin.pk, subscription.token


def page_params(check: str):
    """pytest parameters (page, viewport) for every checked page at both sizes; those a known
    issue names for this check are expected to fail (strictly)."""
    expected = {test_id: issue.description for issue in KNOWN_ISSUES for test_id in issue.test_ids}
    params = []
    for page in PAGES:
        for viewport in VIEWPORTS:
            test_id = f"{check}-{page.key}-{viewport}"
            marks = []
            if test_id in expected:
                marks.append(pytest.mark.xfail(strict=True, reason=str(expected[test_id])))
            params.append(pytest.param(page, viewport, id=f"{page.key}-{viewport}", marks=marks))
    return params


def new_page(browser, viewport: str):
    """A fresh context of the given size; phones are touch devices."""
    width, height = VIEWPORTS[viewport]
    phone = viewport == "phone"
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=phone,
        has_touch=phone,
        locale="sv-SE",
    )
    return context, context.new_page()


def open_page(page_obj, base: str, page: Page, objects: SiteObjects):
    """Log in when needed, open `page` and wait until it settles; returns the response."""
    if page.login:
        page_obj.goto(f"{base}/login/")
        page_obj.fill("#id_username", objects.username)
        page_obj.fill("#id_password", PASSWORD)
        page_obj.click(".login-box button[type=submit]")
        page_obj.wait_for_load_state("networkidle")
    path = page.path.format(
        fix=objects.fix,
        walk=objects.walk,
        pin=objects.pin,
        token=objects.token,
        task=objects.task,
        closed_walk=objects.closed_walk,
    )
    response = page_obj.goto(f"{base}{path}")
    page_obj.wait_for_load_state("networkidle")
    return response


@contextmanager
def opened(browser, base: str, page: Page, viewport: str, objects: SiteObjects) -> Iterator:
    """`page` opened in a fresh context of `viewport`'s size: yields ``(tab, response)``, the
    response being the page's own (after a login when it needs one); the context is closed on
    leaving, also when an assertion fails."""
    context, tab = new_page(browser, viewport)
    try:
        yield tab, open_page(tab, base, page, objects)
    finally:
        context.close()
