"""Fixtures of the dashboard tests: users of every role and a few ranked fixes on the demo."""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

PASSWORD = "dashboard-test-pass-1"


def make_user(role: str | None, prefix: str = "dash"):
    """A user in the group `role` (None: no group) with PASSWORD, a unique username, working
    for every municipality."""
    from django.contrib.auth.models import Group, User

    from gis.core.models import Municipality

    user = User.objects.create_user(
        f"{prefix}-{role or 'nobody'}-{uuid.uuid4().hex[:8]}", password=PASSWORD
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    user.municipalities.set(Municipality.objects.all())
    return user


@pytest.fixture
def user_of(demo):
    """Factory: a fresh user of a role (rolled back with the test)."""
    return make_user


def _reasons(rank: int, extra: list[dict]) -> list[dict]:
    """Structured reasons shaped like the prioritisation engine's (gis.priority.fixes)."""
    score = round(10.0 / rank, 4)
    return [
        {
            "code": "reports",
            "relevant_demand": 9.5,
            "reports": 12.0,
            "night_reports": 8.0,
            "pin_ids": [],
            "finding_ids": [],
            "incident_ids": [],
        },
        *extra,
        {"code": "footfall", "footfall": 0.7, "footfall_factor": 0.8},
        {
            "code": "score",
            "demand": 9.5,
            "footfall_factor": 0.8,
            "relative_risk": 1.3,
            "cost_class": 2,
            "score": score,
        },
    ]


def add_fixes(municipality, marker: str) -> list:
    """Ranked fixes of several types and departments on real demo places (street and parks)."""
    from gis.fixes.models import Fix
    from layers.models import GreenArea, StreetSegment

    segments = list(
        StreetSegment.objects.filter(municipality=municipality, lit="no").order_by("pk")[:3]
    ) + list(StreetSegment.objects.filter(municipality=municipality).order_by("-length_m")[:3])
    parks = list(GreenArea.objects.filter(municipality=municipality).order_by("pk")[:2])
    fixes = []
    specs = [
        ("add_lighting", "street", segments[0]),
        ("repair_lamps", "street", segments[1]),
        ("clean", "street", segments[3]),
        ("redesign", "street", segments[4]),
    ]
    for rank, (fix_type, department, segment) in enumerate(specs, start=1):
        fixes.append(
            Fix.objects.create(
                municipality=municipality,
                fix_type=fix_type,
                department=department,
                cost_class=2,
                score=10.0 / rank,
                rank=rank,
                segment=segment,
                geom=segment.geom,
                explanation=f"{marker}: {fix_type} on segment {segment.pk}",
                reasons=_reasons(rank, []),
            )
        )
    for offset, park in enumerate(parks):
        fixes.append(
            Fix.objects.create(
                municipality=municipality,
                fix_type="clear_vegetation",
                department="parks",
                cost_class=1,
                score=4.0 - offset,
                rank=len(specs) + 1 + offset,
                green_area=park,
                geom=park.geom,
                explanation=f"{marker}: clear vegetation in park {park.pk}",
                reasons=_reasons(
                    5 + offset,
                    [
                        {
                            "code": "vegetation",
                            "flagged": 2,
                            "near": 5,
                            "vegetation_ids": [1, 2],
                            "buffer_m": 3.0,
                        }
                    ],
                ),
            )
        )
    return fixes


@pytest.fixture
def fixes(demo):
    """Six ranked fixes (four street, two parks), rolled back with the test."""
    from gis.fixes.models import Fix

    # The browser tests' committed fixes sit on the same places: out of the way for this test.
    Fix.objects.filter(municipality=demo, explanation__startswith="web:").delete()
    return add_fixes(demo, "test")


@contextlib.contextmanager
def orm_access(django_db_blocker):
    """Database access from a test that also drives Playwright's sync API.

    Playwright runs an event loop in the test thread, which Django takes for an async context;
    nothing else runs in that loop meanwhile, so the ORM may be used (as Django documents).
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_users(django_db_setup, django_db_blocker) -> dict[str, str]:
    """Committed users of every role (unique names) for the live server; role -> username."""
    from django.contrib.auth.models import Group, User

    from gis.core.roles import ROLES

    suffix = uuid.uuid4().hex[:6]
    with orm_access(django_db_blocker):
        names, users = {}, []
        for role in ROLES:
            user = User.objects.create_user(f"web-{role}-{suffix}", password=PASSWORD)
            user.groups.add(Group.objects.get(name=role))
            names[role] = user.username
            users.append(user)
        from gis.demo.load import demo_municipality, load_demo
        from gis.fixes.models import Fix

        municipality = demo_municipality()
        if municipality is None or not municipality.streetsegment_set.exists():
            load_demo()  # another test (e.g. a migration round trip) may have emptied it
            municipality = demo_municipality()
        municipality.staff.add(*users)
        if not Fix.objects.filter(
            municipality=municipality, explanation__startswith="web"
        ).exists():
            add_fixes(municipality, "web")
    return names
