"""The contact access log: every showing of a resident's contact details to a staff user is one
entry (dashboard details, triage answer, back office page); other roles see no contact details
and leave no entry; nobody edits or deletes the log through the admin."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.trust._personal import fresh_media_and_limits, report_pin, staff_user  # noqa: F401
from walks.models import ContactAccess

EMAIL = "access.log.probe@example.org"
pytestmark = pytest.mark.usefixtures("fresh_media_and_limits")


@pytest.fixture
def pin(demo):
    return report_pin(
        APIClient(), demo, contact_name="Logga Mig", contact_email=EMAIL, contact_phone="0701234"
    )


def logged_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_each_view_by_the_coordinator_is_one_entry(pin):
    coordinator = staff_user("coordinator")
    client = logged_in(coordinator)
    feature = reverse("dashboard-api:feature", args=["resident", pin.pk])
    admin_page = reverse("admin:walks_residentpin_change", args=[pin.pk])
    triage = reverse("dashboard-api:triage", args=[pin.pk])

    views = [
        (lambda: client.get(feature), "dashboard"),
        (lambda: client.get(feature), "dashboard"),
        (lambda: client.get(admin_page), "admin"),
        (lambda: client.post(triage, {"status": "triaged"}, format="json"), "triage"),
    ]
    for count, (view, channel) in enumerate(views, start=1):
        response = view()
        assert response.status_code == 200
        assert EMAIL in response.content.decode()
        entries = ContactAccess.objects.filter(pin=pin)
        assert entries.count() == count
        latest = entries.first()
        assert (latest.user, latest.username, latest.channel) == (
            coordinator,
            coordinator.username,
            channel,
        )


def test_a_pin_without_contact_details_leaves_no_entry(demo):
    bare = report_pin(APIClient(), demo)
    client = logged_in(staff_user("coordinator"))
    data = client.get(reverse("dashboard-api:feature", args=["resident", bare.pk])).json()
    assert data["contact"] is None
    assert client.get(reverse("admin:walks_residentpin_change", args=[bare.pk])).status_code == 200
    assert not ContactAccess.objects.exists()


@pytest.mark.parametrize(
    "role", ["planner", "analyst", "street_department", "parks_department", "walk_leader"]
)
def test_other_roles_see_no_contact_details_and_leave_no_entry(pin, role):
    client = logged_in(staff_user(role))
    feature = client.get(reverse("dashboard-api:feature", args=["resident", pin.pk]))
    admin_page = client.get(reverse("admin:walks_residentpin_change", args=[pin.pk]))
    expected = (403, 403) if role == "walk_leader" else (200, 200)
    assert (feature.status_code, admin_page.status_code) == expected
    for response in (feature, admin_page):
        assert EMAIL not in response.content.decode()
    if role != "walk_leader":
        assert "contact" not in feature.json()
    assert not ContactAccess.objects.exists()


def test_the_log_is_read_only_in_the_admin(pin):
    coordinator = logged_in(staff_user("coordinator"))
    coordinator.get(reverse("dashboard-api:feature", args=["resident", pin.pk]))
    entry = ContactAccess.objects.get()

    listing = coordinator.get(reverse("admin:walks_contactaccess_changelist"))
    assert listing.status_code == 200 and entry.username in listing.content.decode()
    page = coordinator.get(reverse("admin:walks_contactaccess_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()

    superuser = logged_in(staff_user(None, superuser=True))
    for client in (coordinator, superuser):
        change = reverse("admin:walks_contactaccess_change", args=[entry.pk])
        assert client.post(change, {"username": "someone-else"}).status_code == 403
        assert client.get(reverse("admin:walks_contactaccess_add")).status_code == 403
        delete = reverse("admin:walks_contactaccess_delete", args=[entry.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        bulk = client.post(
            reverse("admin:walks_contactaccess_changelist"),
            {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
        )
        assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.username != "someone-else" and ContactAccess.objects.count() == 1


def test_roles_without_the_permission_cannot_open_the_log(pin):
    client = logged_in(staff_user("planner"))
    assert client.get(reverse("admin:walks_contactaccess_changelist")).status_code == 403


class _FormFields(HTMLParser):
    """The name → value pairs a browser would submit from a page's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._open: tuple[str, str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "checkbox", "file"):
            self.fields[name] = a.get("value") or ""
        elif tag == "input" and name and a.get("type") == "checkbox" and "checked" in a:
            self.fields[name] = "on"
        elif tag == "textarea" and name:
            self._open = (name, "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""

    def handle_data(self, data):
        if self._open:
            self._open = (self._open[0], self._open[1] + data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._open:
            self.fields[self._open[0]] = self._open[1].strip()
            self._open = None
        elif tag == "select":
            self._select = None


def test_the_coordinator_still_saves_a_pin_with_contact_details_in_the_admin(pin):
    client = logged_in(staff_user("coordinator"))
    url = reverse("admin:walks_residentpin_change", args=[pin.pk])
    form = _FormFields()
    form.feed(client.get(url).content.decode())
    form.fields["status"] = "measure_planned"
    response = client.post(url, form.fields)
    assert response.status_code == 302, response.content.decode()[-2000:]
    pin.refresh_from_db()
    assert pin.status == "measure_planned" and pin.contact.email == EMAIL
