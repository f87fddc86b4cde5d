"""The demo's presence: the police night patrol and last week's plan, partly logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_police_patrol_and_last_weeks_plan_partly_logged(demo):
    resource = PresenceResource.objects.get(municipality=demo, name="Polisen nattpatrull")
    assert (resource.actor, resource.mode, resource.weekdays) == ("police", "car", ["fri", "sat"])
    # Only the police: the guards and night walkers are entered in the demo tour.
    assert not PresenceResource.objects.filter(
        municipality=demo, actor__in=["guard", "night_walkers"]
    ).exists()
    plan = PresencePlan.objects.filter(municipality=demo).order_by("-week").first()
    year, week, _day = (timezone.localtime() - timedelta(days=7)).isocalendar()
    assert plan is not None and plan.week <= f"{year}-W{week:02d}"
    visits = PlannedVisit.objects.filter(plan=plan, resource=resource)
    assert visits.count() >= 4
    outcomes = set(visits.values_list("outcome", flat=True))
    assert {"done", "not_done"} <= outcomes
    assert visits.filter(outcome="done").exclude(note="").exists()
    assert all(v.reason and v.grounds["count"] > 0 for v in visits)
    for visit in visits:
        local = timezone.localtime(visit.starts_at)
        assert local.weekday() in (4, 5, 6) and (local.hour >= 20 or local.hour < 3)
