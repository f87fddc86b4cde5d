"""One municipality's reads are served by indexes, never by a sequential scan of a big table.

Two generated municipalities (gis.drills.national: streets, lamps, pins, incidents, walks,
findings, fixes; written with COPY and ANALYZEd) are loaded in a transaction that lasts the
module. The five reads the national bench measures (bench/national.py) are made through their
views as a planner of one of them: the report tiles at z13-z16, the dashboard counts, the
situation picture, the work list and the Open311 request list. Every SELECT they send is then
EXPLAINed with sequential scans disabled (``SET enable_seqscan = off``: the planner falls back
to a Seq Scan only where no index can serve the query), and a Seq Scan of a big table fails the
test, naming the query.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gis.drills import national
from tests._module_db import rolled_back_after

#: Tables that grow with the data: a Seq Scan of any of them is a read that grows with the
#: whole installation's data, not with the municipality's.
BIG_TABLES = {
    "walks_residentpin",
    "walks_walkfinding",
    "walks_pinvote",
    "walks_pinphoto",
    "walks_safetywalk",
    "layers_incident",
    "layers_streetsegment",
    "layers_streetlamp",
    "layers_luxreading",
    "layers_vegetation",
    "layers_basemapfeature",
    "trygg_fix",
    "trygg_fix_pins",
    "trygg_hotspotcell",
}
PINS = 3000
ZOOMS = (13, 14, 15, 16)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Generated municipalities 0 and 1, ANALYZEd; the module's tests read municipality 0."""
    from gis.core.models import Municipality

    with rolled_back_after(django_db_blocker):
        django_db_blocker.unblock()
        try:
            national.build(0, PINS)
            national.build(1, PINS)
            national.analyze()
            municipality = Municipality.objects.get(code=national.code(0))
        finally:
            django_db_blocker.restore()
        yield municipality


@pytest.fixture
def planner(client, db, generated):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("plans-planner")
    user.groups.add(Group.objects.get(name="planner"))
    generated.staff.add(user)
    client.force_login(user)
    return client


def reads(municipality) -> dict[str, str]:
    """The five reads of one municipality: name -> URL."""
    query = f"?municipality={municipality.code}"
    base = reverse("dashboard-api:counts").removesuffix("counts/")
    keys = national.centre_tiles(municipality, 200, ZOOMS)
    out = {f"tile {z}/{x}/{y}": f"{base}tiles/reports/{z}/{x}/{y}.pbf{query}" for z, x, y in keys}
    out["dashboard counts"] = reverse("dashboard-api:counts") + query
    out["situation picture"] = reverse("dashboard:situation") + query
    out["work list"] = reverse("fixes:list") + query
    open311 = reverse("walks_api:open311-requests-json")
    out["Open311 requests"] = f"{open311}?jurisdiction_id={municipality.code}"
    return out


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")


def selects(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]


def test_every_read_of_a_municipality_is_served_by_indexes(planner, generated):
    seen_big = set()
    offenders = []
    for name, url in reads(generated).items():
        queries = selects(planner, url)
        assert queries, f"{name}: no query captured"
        for sql in queries:
            explained = plan(sql)
            scanned = set(SEQ_SCAN.findall(explained)) & BIG_TABLES
            seen_big |= {t for t in BIG_TABLES if t in sql}
            if scanned:
                offenders.append(f"{name}: Seq Scan on {sorted(scanned)}\n{sql[:400]}")
    assert not offenders, "\n\n".join(offenders)
    # The reads did reach the big tables (so the check above could have failed).
    assert {"walks_residentpin", "layers_incident", "walks_walkfinding", "trygg_fix"} <= seen_big


def test_a_period_of_pins_is_read_by_the_municipality_and_time_index(generated, db):
    """The dashboard's reports of a period use the index leading with the municipality and
    then the time, not a scan of every report of the municipality."""
    from django.http import QueryDict

    from gis.dashboard.filters import parse_filters, reports_sql

    filters = parse_filters(
        QueryDict(f"municipality={generated.code}&from=2026-11-01&to=2026-11-08")
    )
    sql, params = reports_sql(filters)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        explained = "\n".join(row[0] for row in cursor.fetchall())
    assert "residentpin_muni_reported" in explained, explained
    assert "incident_muni_occurred" in explained, explained
    assert "walkfinding_muni_observed" in explained, explained


def test_the_seq_scan_check_can_fail(generated, db):
    """A query no index serves (a pin's description) is reported as a Seq Scan."""
    explained = plan("SELECT id FROM walks_residentpin WHERE description = 'x'")
    assert "walks_residentpin" in SEQ_SCAN.findall(explained)
