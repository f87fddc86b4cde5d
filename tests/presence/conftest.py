"""Fixtures of the presence tests: resources of two partners with a planned visit each, users
of the roles that plan and log, and a second municipality out of the staff's reach."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from tests.dashboard.conftest import PASSWORD, make_user  # noqa: F401 (PASSWORD for logins)

PLACE = "Torget"


def place_in(municipality, dx: float = 0.0, dy: float = 0.0) -> Point:
    """A point `dx`, `dy` metres from a point inside `municipality` (storage CRS)."""
    centre = municipality.boundary.point_on_surface
    return Point(centre.x + dx, centre.y + dy, srid=settings.TRYGG_SRID)


def make_resource(municipality, name: str, *, partner=None, actor="guard", teams=1, **extra):
    from gis.presence.models import PresenceResource

    values = {
        "weekdays": ["fri", "sat"],
        "shift_start": dt.time(20, 0),
        "shift_end": dt.time(3, 0),
        "mode": "foot",
        **extra,
    }
    return PresenceResource.objects.create(
        municipality=municipality, name=name, partner=partner, actor=actor, teams=teams, **values
    )


def make_visit(plan, resource, starts_at, *, team=None, geom=None, outcome="", place=PLACE):
    from gis.presence.models import PlannedVisit

    return PlannedVisit.objects.create(
        plan=plan,
        resource=resource,
        team=team or resource.team_names()[0],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=12),
        geom=geom or place_in(plan.municipality),
        place=place,
        reason="5 rapporter fre–lör 22–02",
        outcome=outcome,
    )


def second_municipality(here):
    from gis.core.models import Municipality

    centre = here.boundary.point_on_surface
    x, y = centre.x + 300_000, centre.y
    square = Polygon.from_bbox((x - 1000, y - 1000, x + 1000, y + 1000))
    return Municipality.objects.create(
        name="Annanstad",
        code=f"pres-{uuid.uuid4().hex[:6]}",
        boundary=MultiPolygon(square, srid=settings.TRYGG_SRID),
    )


@dataclass
class Presence:
    here: object
    guards: object  # partner
    walkers: object  # partner
    guard_resource: object
    walker_resource: object
    plan: object
    guard_visit: object
    walker_visit: object
    there_visit: object
    guard: object  # a member of the guards (partner role)
    coordinator: object


@pytest.fixture
def presence(demo):
    """Two partners of the demo with a resource and a visit in the coming hours each, and a
    visit of another municipality."""
    from gis.core.partners import Partner
    from gis.presence.models import PresencePlan

    guards = Partner.objects.create(municipality=demo, name="Vaktbolaget", kind="security_company")
    walkers = Partner.objects.create(municipality=demo, name="Nattvandrarna", kind="night_walkers")
    guard_resource = make_resource(demo, "Väktare", partner=guards, actor="guard")
    walker_resource = make_resource(demo, "Nattvandring", partner=walkers, actor="night_walkers")
    plan = PresencePlan.objects.create(municipality=demo, week="2026-W50")
    soon = timezone.now() + dt.timedelta(hours=1)
    there = second_municipality(demo)
    there_plan = PresencePlan.objects.create(municipality=there, week="2026-W50")
    there_resource = make_resource(there, "Annans väktare")
    guard = make_user("partner", "pres")
    guard.municipalities.set([demo])
    guards.members.add(guard)
    coordinator = make_user("coordinator", "pres")
    coordinator.municipalities.set([demo])
    return Presence(
        here=demo,
        guards=guards,
        walkers=walkers,
        guard_resource=guard_resource,
        walker_resource=walker_resource,
        plan=plan,
        guard_visit=make_visit(plan, guard_resource, soon),
        walker_visit=make_visit(plan, walker_resource, soon + dt.timedelta(minutes=30)),
        there_visit=make_visit(there_plan, there_resource, soon, geom=place_in(there)),
        guard=guard,
        coordinator=coordinator,
    )
