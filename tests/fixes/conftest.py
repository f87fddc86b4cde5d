"""One stored ranking of the demo per test module, rolled back when the module ends.

Each test still runs in its own savepoint (pytest-django's `db`), so what a test changes is
undone before the next one; the ranking itself (a few seconds) is computed once per module.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from gis.fixes.persist import Recompute


@pytest.fixture(scope="module")
def ranked(django_db_setup, django_db_blocker) -> Recompute:
    """The demo's fixes recomputed and stored (inside a transaction undone after the module)."""
    from django.db import transaction

    from gis.demo.load import demo_municipality
    from gis.fixes.persist import recompute

    atomic = transaction.atomic()
    with django_db_blocker.unblock():
        atomic.__enter__()
        try:
            result = recompute(demo_municipality())
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield result
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _each_test_in_a_savepoint(db) -> None:
    """Every test here uses the database; what it writes is rolled back after it."""


def make_user(role: str | None, name: str | None = None) -> User:
    """A user in one role group (None: no group at all), working for every municipality."""
    from gis.core.models import Municipality

    user = User.objects.create_user(name or f"user-{role}", password="pw-for-tests")
    if role:
        user.groups.add(Group.objects.get(name=role))
    user.municipalities.set(Municipality.objects.all())
    return user


def new_fix(municipality, **fields):
    """A proposed fix stored on a segment of `municipality` that has no fix of its type yet
    (one fix per type and segment); its place is the segment's unless `geom` is given."""
    from gis.fixes.models import Fix
    from layers.models import StreetSegment

    fix_type = fields.pop("fix_type", Fix.Type.REFER_POLICE)
    taken = Fix.objects.filter(fix_type=fix_type, segment__isnull=False).values("segment")
    segment = StreetSegment.objects.filter(municipality=municipality).exclude(pk__in=taken).first()
    values = {
        "municipality": municipality,
        "fix_type": fix_type,
        "department": "street",
        "cost_class": 1,
        "score": 1.0,
        "segment": segment,
        "geom": segment.geom,
        **fields,
    }
    return Fix.objects.create(**values)
