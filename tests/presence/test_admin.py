"""The back office of presence: a coordinator adds a resource by the form (checked as the
command checks it), sees a plan's visits read only and escaped, and adds a plan only for a
real week."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client, demo):
    user = User.objects.create_user("presence-admin-coordinator", is_staff=True)
    user.groups.add(Group.objects.get(name="coordinator"))
    demo.staff.add(user)
    client.force_login(user)
    return client


def resource_form(demo, **changes) -> dict:
    return {
        "municipality": demo.pk,
        "name": "Väktarna",
        "actor": "guard",
        "mode": "car",
        "weekdays": "tue,wed,thu,fri,sat",
        "shift_start": "19:00",
        "shift_end": "02:00",
        "teams": "2",
        **changes,
    }


def test_a_coordinator_adds_a_resource_and_bad_days_are_refused(coordinator, demo):
    url = reverse("admin:presence_presenceresource_add")
    refused = coordinator.post(url, resource_form(demo, weekdays="tue,fun"))
    assert (
        refused.status_code == 200 and not PresenceResource.objects.filter(name="Väktarna").exists()
    )
    added = coordinator.post(url, resource_form(demo))
    assert added.status_code == 302
    resource = PresenceResource.objects.get(municipality=demo, name="Väktarna")
    assert resource.weekdays == ["tue", "wed", "thu", "fri", "sat"] and resource.teams == 2
    listing = coordinator.get(reverse("admin:presence_presenceresource_changelist"))
    assert "19:00–02:00" in listing.content.decode()


def test_a_plan_shows_its_visits_read_only_and_escaped(coordinator, demo):
    plan = PresencePlan.objects.filter(municipality=demo).exclude(visits=None).first()
    visit = plan.visits.first()
    PlannedVisit.objects.filter(pk=visit.pk).update(note="<script>alert(1)</script>")
    page = coordinator.get(reverse("admin:presence_presenceplan_change", args=[plan.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert 'name="visits-0-note"' not in html  # read only: no inputs


def test_a_plan_added_by_hand_needs_a_real_week(coordinator, demo):
    url = reverse("admin:presence_presenceplan_add")
    management = {
        "visits-TOTAL_FORMS": "0",
        "visits-INITIAL_FORMS": "0",
        "visits-MIN_NUM_FORMS": "0",
        "visits-MAX_NUM_FORMS": "1000",
    }
    bad = coordinator.post(
        url, {"municipality": demo.pk, "week": "2026-W54", "seed": "0", **management}
    )
    assert bad.status_code == 200 and "2026-W54" in bad.content.decode()
    good = coordinator.post(
        url, {"municipality": demo.pk, "week": "2030-W02", "seed": "0", **management}
    )
    assert good.status_code == 302
    assert PresencePlan.objects.filter(municipality=demo, week="2030-W02").exists()
