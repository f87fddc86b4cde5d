"""Two copies of the same upload arriving at once store one row.

These tests need committed data (each thread has its own database connection), so they write
outside the per-test transaction and delete what they made at the end.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection, connections

from tests.walks.conftest import finding_feature, make_walk, route_lonlat
from walks.models import WalkFinding
from walks.views.common import create_once


@pytest.fixture
def committed_walk(django_db_setup, django_db_blocker, monkeypatch):
    """A walk committed to the test database (visible to other connections); removed after.

    Once the browser tests have run, Playwright's event loop sits in this thread and Django
    takes it for an async context; nothing runs in that loop meanwhile, so the ORM may be used.
    """
    from gis.demo.load import demo_municipality

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with django_db_blocker.unblock():
        walk = make_walk(demo_municipality())
        yield walk
        walk.delete()
        connections.close_all()


def _post(url: str, body: dict, results: list, barrier: threading.Barrier | None = None):
    from rest_framework.test import APIClient

    client = APIClient()
    try:
        if barrier is not None:
            barrier.wait(timeout=10)
        results.append(client.post(url, body, format="json").status_code)
    finally:
        connections.close_all()


def test_simultaneous_identical_uploads_store_one_row(committed_walk, django_db_blocker):
    lon, lat = route_lonlat(committed_walk)
    feature = finding_feature(lon, lat)
    url = f"/api/walks/{committed_walk.join_code}/findings/"
    results: list[int] = []
    barrier = threading.Barrier(6)
    threads = [
        threading.Thread(target=_post, args=(url, feature, results, barrier)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [200] * 5 + [201]
    with django_db_blocker.unblock():
        assert (
            WalkFinding.objects.filter(client_uuid=feature["properties"]["client_uuid"]).count()
            == 1
        )


def _blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_the_losing_insert_returns_the_winners_row(committed_walk, django_db_blocker):
    """Force the race: the first insert stays uncommitted until the API's insert of the same
    id waits on the unique index; the API must then answer 200 with the committed row."""
    lon, lat = route_lonlat(committed_walk)
    feature = finding_feature(lon, lat)
    client_uuid = uuid.UUID(feature["properties"]["client_uuid"])
    inserted = threading.Event()
    release = threading.Event()
    winner: list = []

    def slow_create():
        def create():
            finding = WalkFinding.objects.create(
                municipality=committed_walk.municipality,
                walk=committed_walk,
                author_role="resident",
                category_id=_category_id("lighting"),
                severity=3,
                when="evening",
                geom=committed_walk.route.interpolate_normalized(0.5),
                observed_at=committed_walk.starts_at,
                client_uuid=client_uuid,
            )
            inserted.set()
            assert release.wait(timeout=20)
            return finding

        try:
            winner.append(create_once(WalkFinding, client_uuid, create))
        finally:
            connections.close_all()

    first = threading.Thread(target=slow_create)
    first.start()
    assert inserted.wait(timeout=20)
    results: list[int] = []
    url = f"/api/walks/{committed_walk.join_code}/findings/"
    second = threading.Thread(target=_post, args=(url, feature, results))
    second.start()
    with django_db_blocker.unblock():
        deadline = time.monotonic() + 20
        while not _blocked_on_a_lock():
            assert time.monotonic() < deadline, "the second insert never waited on the first"
            time.sleep(0.05)
        release.set()
        first.join(timeout=20)
        second.join(timeout=20)
        assert winner and winner[0][1] is True
        assert results == [200]
        assert WalkFinding.objects.filter(client_uuid=client_uuid).count() == 1


def _category_id(code: str) -> int:
    from walks.models import Category

    return Category.objects.get(code=code).pk


def test_create_once_without_contention(demo):
    """The plain path: the first call creates, the second returns the stored row."""
    walk = make_walk(demo)
    client_uuid = uuid.uuid4()

    def create():
        return WalkFinding.objects.create(
            municipality=demo,
            walk=walk,
            author_role="resident",
            category_id=_category_id("litter"),
            severity=2,
            when="day",
            geom=walk.route.interpolate_normalized(0.25),
            observed_at=walk.starts_at,
            client_uuid=client_uuid,
        )

    first, created = create_once(WalkFinding, client_uuid, create)
    second, created_again = create_once(WalkFinding, client_uuid, create)
    assert created and not created_again and first.pk == second.pk
