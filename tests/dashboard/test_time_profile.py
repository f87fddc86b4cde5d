"""The time profile of a place (`/api/dashboard/time-profile`): constructed places with known
hours, a span over midnight split between its hours, bad parameters answered 400 naming the
parameter, and no other municipality's reports ever counted."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.urls import reverse

from .conftest import PASSWORD, make_user

URL = "/api/dashboard/time-profile"
WEEKS = 6
#: A Monday, so that day offsets are weekdays (0 Monday).
MONDAY = datetime(2026, 9, 7, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _at(week: int, weekday: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY + timedelta(weeks=week, days=weekday, hours=hour, minutes=minute)


@pytest.fixture
def town(demo):
    """A municipality of its own (the demo's boundary) with two places 500 m apart: one hot on
    Friday and Saturday nights (23:00, and 00:30 the morning after), one on weekday
    afternoons (15:00), and one incident from Tuesday 23:00 to Wednesday 01:00."""
    from gis.core.models import Municipality
    from layers.models import Incident

    municipality = Municipality.objects.create(
        code="tp-town", name="Time profile town", boundary=demo.boundary
    )
    centre = demo.boundary.point_on_surface
    night = Point(centre.x, centre.y, srid=centre.srid)
    afternoon = Point(centre.x, centre.y + 500, srid=centre.srid)
    if not demo.boundary.contains(afternoon):
        afternoon = Point(centre.x, centre.y - 500, srid=centre.srid)
    assert demo.boundary.contains(afternoon)
    number = 0

    def add(at, geom, to=None, where=municipality):
        nonlocal number
        number += 1
        Incident.objects.create(
            municipality=where,
            type="gathering",
            reported_by="police",
            occurred_at=at,
            occurred_to=to,
            geom=geom,
            source="time-profile-test",
            source_id=f"tp-{number}",
        )

    for week in range(WEEKS):
        for weekday in (4, 5):  # Friday and Saturday nights
            add(_at(week, weekday, 23), night)
            add(_at(week, weekday + 1, 0, 30), night)
        for weekday in range(5):  # weekday afternoons
            add(_at(week, weekday, 15), afternoon)
    add(_at(WEEKS, 1, 23), night, to=_at(WEEKS, 2, 1))
    return {"municipality": municipality, "night": night, "afternoon": afternoon, "add": add}


@pytest.fixture
def planner(client, town):
    assert client.login(username=make_user("planner").username, password=PASSWORD)
    return client


def _cell(municipality, point) -> int:
    from gis.analysis import assign_points
    from gis.dashboard.queries import hotspot_grid

    return int(assign_points(hotspot_grid(municipality.pk), [point.x], [point.y])[0])


def _get(client, **params):
    query = {"municipality": "tp-town", "source": "incident", **params}
    response = client.get(URL, query)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_the_route_is_the_dashboards(town):
    assert reverse("dashboard-api:time-profile") == URL


def test_the_whole_selection_has_both_places_in_their_hours(planner, town):
    body = _get(planner, lang="sv")
    assert len(body["bins"]) == 168 and len(body["grid"]) == 7
    assert all(len(row) == 24 for row in body["grid"])
    assert body["weekdays"][0] == "måndag" and body["weekdays"][4] == "fredag"
    assert body["records"] == WEEKS * (4 + 5) + 1
    assert body["total"] == pytest.approx(body["records"])
    grid = body["grid"]
    assert grid[4][23] == grid[5][23] == WEEKS  # Friday and Saturday 23:00
    assert grid[5][0] == grid[6][0] == WEEKS  # their mornings after, 00:30
    assert [grid[day][15] for day in range(7)] == [WEEKS] * 5 + [0, 0]


def test_a_span_over_midnight_is_split_between_its_hours(planner, town):
    body = _get(planner, **{"from": "2026-10-19", "to": "2026-10-25"})
    assert body["records"] == 1
    assert body["grid"][1][23] == pytest.approx(0.5)  # Tuesday 23-24
    assert body["grid"][2][0] == pytest.approx(0.5)  # Wednesday 00-01
    assert sum(map(sum, body["grid"])) == pytest.approx(1.0)


def test_a_hot_spot_cell_shows_its_own_hours(planner, town):
    municipality = town["municipality"]
    night = _get(planner, cell=_cell(municipality, town["night"]), lang="sv")
    assert night["records"] == WEEKS * 4 + 1
    hot = {divmod(b, 24) for b in night["hot_hours"]}
    assert hot <= {(4, 23), (5, 23), (5, 0), (6, 0), (1, 23), (2, 0)}
    assert night["hot_text"] == "fredag och lördag 23–01"
    assert night["hot_text_short"] == "fre–lör 23–01"
    afternoon = _get(planner, cell=_cell(municipality, town["afternoon"]), lang="en")
    assert afternoon["records"] == WEEKS * 5
    assert sum(afternoon["bins"]) == afternoon["bins"][15] * 5 == WEEKS * 5
    assert afternoon["hot_text"] == "Monday–Friday 15–16"
    assert afternoon["weekdays"][0] == "Monday"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cell=-1", "cell"),
        ("cell=ten", "cell"),
        ("cell=999999999", "cell"),
        ("segment=0", "segment"),
        ("segment=999999999", "segment"),
        ("cell=1&segment=2", "segment"),
        ("run=latest", "run"),
        ("cell=1&run=north", "run"),
        ("cell=1&run=999999", "run"),
        ("from=yesterday", "from"),
        ("district=999999999", "district"),
        ("municipality=atlantis", "municipality"),
    ],
)
def test_bad_parameters_are_400_naming_them(planner, town, query, field):
    prefix = "" if query.startswith("municipality=") else "municipality=tp-town&"
    response = planner.get(f"{URL}?{prefix}{query}")
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()) == [field]


def test_another_municipalitys_reports_never_count(planner, town, demo):
    from gis.core.models import Municipality

    before = _get(planner)
    foreign = Municipality.objects.create(
        code="tp-foreign", name="Not the user's", boundary=demo.boundary
    )
    for where in (demo, foreign):
        town["add"](_at(1, 3, 4), town["night"], where=where)
    after = _get(planner)
    assert after == before
    assert planner.get(URL, {"municipality": "tp-foreign"}).status_code == 400
    demo_body = _get(planner, municipality=demo.code, source="incident")
    assert demo_body["records"] >= 1


def test_a_partner_sees_the_same_counts(client, planner, town):
    staff = _get(planner)
    assert client.login(username=make_user("partner").username, password=PASSWORD)
    assert _get(client) == staff


def test_anonymous_is_401(client, town):
    assert client.get(URL).status_code == 401


def test_the_situation_picture_shows_the_grid_and_prints_it(planner, town):
    response = planner.get(
        reverse("dashboard:situation"),
        {"municipality": "tp-town", "from": "2026-09-07", "to": "2026-10-25", "source": "incident"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    section = page[page.index('id="time-profile"') :]
    section = section[: section.index("</section>")]
    assert 'id="time-grid"' in section and "Mest: " in section
    assert section.count('<th scope="row">') == 7
    assert section.count('<td class="tp-') == 168
    assert section.count('class="tp-5"') == 5 + 4  # the busiest hours, server-rendered


def test_a_cell_of_a_stored_run(planner, town):
    from django.contrib.gis.geos import Polygon

    from gis.hotspots.models import AnalysisRun, HotspotCell

    night = town["night"]
    run = AnalysisRun.objects.create(municipality=town["municipality"], kind="gistar")
    x, y = night.x, night.y
    square = Polygon.from_bbox((x - 50, y - 50, x + 50, y + 50))
    square.srid = night.srid
    HotspotCell.objects.create(run=run, cell_id=7, category="hot spot 99%", geom=square)
    body = _get(planner, cell=7, run="latest")
    assert body["records"] == WEEKS * 4 + 1 and body["grid"][4][23] == WEEKS
    assert _get(planner, cell=7, run=str(run.pk)) == body
    response = planner.get(URL, {"municipality": "tp-town", "cell": 8, "run": run.pk})
    assert response.status_code == 400 and list(response.json()) == ["cell"]


def test_a_street_segment(planner, demo):
    from layers.models import Incident, StreetSegment

    segment = StreetSegment.objects.filter(municipality=demo).order_by("-length_m").first()
    middle = segment.geom.interpolate_normalized(0.5)
    middle.srid = segment.geom.srid
    Incident.objects.create(
        municipality=demo,
        type="fire",
        reported_by="police",
        occurred_at=datetime(2020, 3, 2, 3, 15, tzinfo=ZoneInfo(settings.TIME_ZONE)),
        geom=middle,
        source="time-profile-test",
        source_id="on-segment",
    )
    query = {"municipality": demo.code, "from": "2020-03-01", "to": "2020-03-03"}
    body = _get(planner, segment=segment.pk, **query)
    assert body["records"] == 1 and body["grid"][0][3] == 1.0  # Monday 03-04
    other = StreetSegment.objects.filter(municipality=demo).exclude(pk=segment.pk).order_by("pk")
    far = next(s for s in other[:50] if s.geom.distance(middle) > 100)
    assert _get(planner, segment=far.pk, **query)["records"] == 0
