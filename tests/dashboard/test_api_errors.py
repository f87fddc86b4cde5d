"""Bad input to the dashboard's API answers 400 naming the field or query parameter: the filters
of every map endpoint, the fix list's own parameters, the hot spots' `run`, and each status
change the fix workflow refuses, under the API's name of the field at fault."""

import pytest
from django.urls import reverse

from gis.fixes import workflow
from gis.fixes.models import Fix, FixStatusChange
from walks.models import ResidentPin

from .conftest import PASSWORD

MAP_ENDPOINTS = ["counts", "heatmap", "heatmap-png", "hotspots", "districts", "routes", "fixes"]
BAD_FILTERS = [
    ("severity=9", "severity"),
    ("from=yesterday", "from"),
    ("to=2026-13-01", "to"),
    ("from=2026-02-01&to=2026-01-01", "from"),
    ("district=north", "district"),
    ("district=999999999", "district"),
    ("when=noon", "when"),
    ("source=rumour", "source"),
    ("status=sleeping", "status"),
    ("category=unicorns", "category"),
    ("municipality=atlantis", "municipality"),
]


@pytest.fixture
def planner(client, user_of):
    assert client.login(username=user_of("planner").username, password=PASSWORD)
    return client


def _fields(response) -> list[str]:
    """The fields a 400 names, each with a list of message strings."""
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert all(
        isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
        for messages in body.values()
    ), body
    return list(body)


@pytest.mark.parametrize("endpoint", MAP_ENDPOINTS)
@pytest.mark.parametrize(("query", "field"), BAD_FILTERS)
def test_a_bad_filter_value_is_400_naming_it(planner, demo, endpoint, query, field):
    response = planner.get(f"{reverse(f'dashboard-api:{endpoint}')}?{query}")
    assert _fields(response) == [field]


def test_a_bad_filter_of_a_tile_is_400_naming_it(planner, demo):
    response = planner.get("/api/dashboard/tiles/reports/14/9326/4742.pbf?severity=0")
    assert _fields(response) == ["severity"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("department=moon", "department"),
        ("fix_status=sleeping", "fix_status"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("limit=%C2%B2", "limit"),  # a superscript two: a digit, but not an ASCII one
        ("limit=%D9%A1%D9%A2", "limit"),  # Arabic-Indic 12, which int() would read
        ("limit=-5", "limit"),
    ],
)
def test_bad_fix_list_parameters_are_400_naming_them(planner, demo, fixes, query, field):
    assert _fields(planner.get(f"{reverse('dashboard-api:fixes')}?{query}")) == [field]


def test_fix_list_parameters_that_parse_select_and_cut(planner, demo, fixes):
    url = reverse("dashboard-api:fixes")
    proposed_parks = Fix.objects.filter(municipality=demo, department="parks", status="proposed")
    parks = planner.get(f"{url}?department=parks&fix_status=proposed&limit=1").json()
    assert parks["total"] == proposed_parks.count() >= 2 and len(parks["features"]) == 1
    assert parks["features"][0]["properties"]["department"] == "parks"
    every = planner.get(f"{url}?department=&fix_status=").json()  # blank: every fix
    assert every["total"] == Fix.objects.filter(municipality=demo).count() >= len(fixes)


def test_an_unknown_run_of_the_hot_spots_is_400_naming_it(planner, demo):
    response = planner.get(f"{reverse('dashboard-api:hotspots')}?run=yesterday")
    assert _fields(response) == ["run"]


def _pins(demo, n: int) -> list[ResidentPin]:
    return list(ResidentPin.objects.filter(municipality=demo, status="received")[:n])


@pytest.mark.parametrize(
    ("steps", "body", "field"),
    [
        ((), {"status": "verified"}, "status"),  # not a next status from proposed
        (("planned",), {"status": "scheduled"}, "scheduled_for"),
        ((), {"status": "rejected", "note": "  "}, "note"),
        (("planned",), {"status": "done"}, "answer"),  # residents' pins must be answered
    ],
)
def test_a_workflow_error_is_400_naming_the_field(planner, demo, fixes, steps, body, field):
    fix = fixes[0]
    fix.pins.set(_pins(demo, 2))
    for step in steps:
        workflow.change_status(fix, step)
    url = reverse("dashboard-api:fix", args=[fix.pk])
    response = planner.post(url, body, content_type="application/json")
    assert _fields(response) == [field]
    assert FixStatusChange.objects.filter(fix=fix).count() == len(steps)
    fix.refresh_from_db()
    assert fix.status == (steps[-1] if steps else "proposed")


def test_the_workflow_names_the_field_it_refuses(demo, fixes):
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.change_status(fixes[0], "scheduled")
    assert refused.value.field == "to_status" and "to_status" in refused.value.message
    workflow.change_status(fixes[0], "planned")
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.change_status(fixes[0], "scheduled")
    assert refused.value.field == "scheduled_for"


def test_a_bad_status_change_body_is_400_naming_every_field(planner, demo, fixes):
    url = reverse("dashboard-api:fix", args=[fixes[0].pk])
    body = {"status": "sleeping", "scheduled_for": "someday", "note": "x" * 2001}
    response = planner.post(url, body, content_type="application/json")
    assert sorted(_fields(response)) == ["note", "scheduled_for", "status"]


def test_triage_names_every_bad_field_at_once(client, user_of, demo):
    assert client.login(username=user_of("coordinator").username, password=PASSWORD)
    pin = _pins(demo, 1)[0]
    url = reverse("dashboard-api:triage", args=[pin.pk])
    body = {"status": "sleeping", "category": "unicorns", "fix": 999999999}
    steps = pin.history.count()
    response = client.post(url, body, content_type="application/json")
    assert sorted(_fields(response)) == ["category", "fix", "status"]
    pin.refresh_from_db()
    assert pin.status == "received" and pin.history.count() == steps
