"""A real streaming replica: the session's cluster gets a hot standby (pg_basebackup -R and
streaming replication, gis.replica), and the `replica` alias points at the test database there.

Read-only routes are served by the standby (`pg_is_in_recovery()` on the connection they used),
writes go to the primary, and a client that has just written reads its write back from the
primary at once; what it wrote reaches the standby too.
"""

from __future__ import annotations

import math
import os
import shutil

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gis.core.dbrouter import PIN_COOKIE, REPLICA, replica_reads
from gis.paths import var_dir
from gis.replica import StandbyCluster, replica_database_settings

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="needs the embedded PostgreSQL"
    ),
]

PIN_TABLE = "walks_residentpin"
FIX_TABLE = "trygg_fix"


@pytest.fixture(scope="module")
def standby(embedded_cluster, django_db_setup, django_db_blocker):
    """A standby of the session's cluster, the `replica` alias on its copy of the test database
    for this module's tests only."""
    root = var_dir() / f"replica-test-{os.getpid()}"
    shutil.rmtree(root, ignore_errors=True)
    cluster = StandbyCluster(embedded_cluster, root)
    default = connections.settings[DEFAULT_DB_ALIAS]
    try:
        cluster.start()
        replica = replica_database_settings(cluster.url(default["NAME"]), default)
        configured = connections.configure_settings({DEFAULT_DB_ALIAS: default, REPLICA: replica})
        connections.settings[REPLICA] = configured[REPLICA]
        yield cluster
    finally:
        with django_db_blocker.unblock():
            if REPLICA in connections.settings:
                connections[REPLICA].close()
                del connections[REPLICA]
                del connections.settings[REPLICA]
        cluster.remove()


@pytest.fixture
def unblocked(standby, django_db_blocker):
    """Database access outside pytest-django's transactions: the standby sees only commits."""
    with django_db_blocker.unblock():
        yield standby


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def reads(captured: CaptureQueriesContext, table: str) -> int:
    return sum(table in query["sql"] for query in captured.captured_queries)


def tile_of(municipality, zoom: int) -> tuple[int, int]:
    """The web-mercator tile at `zoom` over a point inside `municipality`."""
    point = municipality.boundary.point_on_surface.transform(4326, clone=True)
    n = 2**zoom
    x = int((point.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * n)
    return x, y


def test_the_standby_streams_refuses_writes_and_the_router_uses_it(unblocked):
    assert unblocked.lag()["state"] == "streaming"
    assert in_recovery(REPLICA) and not in_recovery(DEFAULT_DB_ALIAS)
    with pytest.raises(DatabaseError), connections[REPLICA].cursor() as cursor:
        cursor.execute("CREATE TABLE replica_write_test (i int)")
    from walks.models import ResidentPin

    assert router.db_for_read(ResidentPin) == DEFAULT_DB_ALIAS
    with replica_reads():
        assert router.db_for_read(ResidentPin) == REPLICA
        assert router.db_for_write(ResidentPin) == DEFAULT_DB_ALIAS
        with transaction.atomic():  # a transaction reads what it wrote: on the primary
            assert router.db_for_read(ResidentPin) == DEFAULT_DB_ALIAS


def test_read_only_routes_are_served_by_the_standby(unblocked):
    from django.contrib.auth.models import Group, User

    from gis.core.models import Municipality
    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    user = User.objects.create_user("replica-reader", password="replica-reader-pass-1")
    try:
        user.groups.add(Group.objects.get(name="coordinator"))
        user.municipalities.set(Municipality.objects.all())
        client = Client()
        client.force_login(user)  # the session is written on the primary
        unblocked.wait_caught_up()
        x, y = tile_of(demo, 14)
        urls = [
            f"/api/dashboard/tiles/reports/14/{x}/{y}.pbf",
            "/api/dashboard/counts/",
            "/dashboard/lagesbild/",
            "/open311/v2/requests.json",
            "/fixes/export.csv",
        ]
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        ):
            answers = {url: client.get(url) for url in urls}
        assert {url: a.status_code for url, a in answers.items()} == dict.fromkeys(urls, 200)
        assert reads(on_replica, PIN_TABLE) >= len(urls) - 1
        assert reads(on_primary, PIN_TABLE) == 0
        assert reads(on_replica, FIX_TABLE) > 0 and reads(on_primary, FIX_TABLE) == 0
        assert in_recovery(REPLICA)

        # The same reads by a client that has just written: all on the primary, same answers.
        client.cookies[PIN_COOKIE] = "1"
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        ):
            counts = client.get("/api/dashboard/counts/")
        assert counts.json() == answers["/api/dashboard/counts/"].json()
        assert reads(on_primary, PIN_TABLE) > 0 and not on_replica.captured_queries
    finally:
        user.delete()


def test_a_write_is_read_back_on_the_primary_and_reaches_the_standby(unblocked, settings):
    from gis.demo.load import demo_municipality
    from walks.models import ResidentPin

    point = demo_municipality().boundary.point_on_surface.transform(4326, clone=True)
    resident = Client()
    created = resident.post(
        "/open311/v2/requests.json",
        {
            "service_code": "graffiti",
            "lat": f"{point.y:.7f}",
            "long": f"{point.x:.7f}",
            "description": "Klotter vid repliktestet",
        },
    )
    assert created.status_code == 201, created.content
    pin_id = created.json()[0]["service_request_id"]
    try:
        cookie = created.cookies[PIN_COOKIE]
        assert cookie["max-age"] == settings.TRYGG_REPLICA_PIN_SECONDS and cookie["httponly"]
        url = f"/open311/v2/requests.json?service_request_id={pin_id}"
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        ):
            mine = resident.get(url)  # at once, whatever the replication lag
        assert [item["service_request_id"] for item in mine.json()] == [pin_id]
        assert reads(on_primary, PIN_TABLE) > 0 and not on_replica.captured_queries

        # Another client reads the standby, which has the new request once caught up.
        unblocked.wait_caught_up()
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            theirs = Client().get(url)
        assert [item["service_request_id"] for item in theirs.json()] == [pin_id]
        assert reads(on_replica, PIN_TABLE) > 0
    finally:
        ResidentPin.objects.filter(pk=int(pin_id)).delete()


def test_reads_fall_back_to_the_primary_while_the_replica_is_down(unblocked):
    """Last in this module: it stops the standby (and starts it again)."""
    from gis.core import dbrouter

    url = "/open311/v2/requests.json"
    unblocked.wait_caught_up()  # the earlier tests' clean-up included
    expected = Client().get(url).json()
    unblocked.stop()
    try:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
            answer = Client().get(url)
        assert answer.status_code == 200 and answer.json() == expected
        assert reads(on_primary, PIN_TABLE) > 0
        assert not dbrouter.replica_usable()  # the next reads skip it without trying
        with replica_reads():
            assert router.db_for_read(None) == DEFAULT_DB_ALIAS
    finally:
        unblocked.start()
        dbrouter.replica_back()
    unblocked.wait_caught_up()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert Client().get(url).json() == expected
    assert reads(on_replica, PIN_TABLE) > 0
