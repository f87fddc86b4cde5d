"""Planning a walk on the demo's real street network (PostGIS): the route follows the segments
and passes every stop, fits the budget, is the same for the same inputs; dropping a stop takes
it out, adding one puts it in; saving makes the plan the walk's route and numbered stops."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from django.contrib.gis.geos import Point
from django.utils import timezone

from gis.walkplan import planning
from tests.walkplan.conftest import lonlat_of, street_lines
from walks.models import ResidentPin, SafetyWalk, WalkStop

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def plan(municipality, where, **extra):
    values = {"district": where.name, "minutes": 90, "time_of_day": "evening", "now": NOW}
    return planning.plan_walk(municipality, **{**values, **extra})


def test_the_route_runs_along_the_streets_through_every_stop_within_the_budget(demo, district):
    walk = plan(demo, district)
    assert len(walk.stops) >= 5
    assert walk.minutes <= 90 and not walk.over_budget
    streets = street_lines(demo)
    route = shapely.LineString(walk.route.coords)
    assert route.length == pytest.approx(walk.length_m, rel=1e-6)
    # every vertex lies on a segment
    assert max(shapely.distance(shapely.points(list(walk.route.coords)), streets)) <= 1e-6
    # the route passes every stop, in their order
    along = []
    for stop in walk.stops:
        point = shapely.Point(stop["point"].x, stop["point"].y)
        assert route.distance(point) <= 1e-6
        along.append(route.project(point))
    assert along == sorted(along)
    assert [s["order"] for s in walk.stops] == list(range(1, len(walk.stops) + 1))
    minutes = [s["minutes_from_start"] for s in walk.stops]
    assert minutes == sorted(minutes) and minutes[0] == 0


def test_the_same_inputs_give_the_same_plan(demo, district):
    start = lonlat_of(district.geom.point_on_surface)
    first = planning.plan_json(plan(demo, district, start=start))
    second = planning.plan_json(plan(demo, district, start=start))
    assert first == second
    assert first["inputs"]["start"] is not None


def test_a_shorter_budget_and_a_slower_pace_give_fewer_stops(demo, district):
    long = plan(demo, district)
    short = plan(demo, district, minutes=30)
    slow = plan(demo, district, pace_kmh=2.0)
    assert short.minutes <= 30 and len(short.stops) < len(long.stops)
    assert slow.minutes <= 90 and slow.length_m < long.length_m


def test_dropping_a_stop_takes_it_out_and_adding_one_puts_it_in(demo, district):
    before = plan(demo, district)
    gone = before.stops[0]
    after = plan(demo, district, dropped=[(gone["kind"], gone["ref_id"])])
    keys = {(s["kind"], s["ref_id"]) for s in after.stops}
    assert (gone["kind"], gone["ref_id"]) not in keys
    assert after.inputs["dropped"] == [{"kind": gone["kind"], "id": gone["ref_id"]}]
    # a point on a street at the district's edge, far from the proposed stops
    corner = district.geom.point_on_surface
    added = plan(demo, district, added=[lonlat_of(corner)])
    mine = [s for s in added.stops if s["kind"] == "added"]
    assert len(mine) == 1 and mine[0]["ref_id"] == 1
    assert added.minutes <= 90
    streets = street_lines(demo)
    assert max(shapely.distance(shapely.points(list(added.route.coords)), streets)) <= 1e-6


def test_a_start_and_an_end_begin_and_close_the_route(demo, district):
    inside = district.geom.point_on_surface
    start = Point(inside.x - 150, inside.y, srid=inside.srid)
    end = Point(inside.x + 150, inside.y, srid=inside.srid)
    walk = plan(demo, district, start=lonlat_of(start), end=lonlat_of(end), minutes=60)
    streets = street_lines(demo)
    first, last = shapely.Point(walk.route.coords[0]), shapely.Point(walk.route.coords[-1])
    assert first.distance(shapely.Point(start.x, start.y)) < 200
    assert last.distance(shapely.Point(end.x, end.y)) < 200
    assert streets.distance(first) <= 1e-6 and streets.distance(last) <= 1e-6
    assert walk.stops[0]["minutes_from_start"] > 0


def test_the_json_has_the_issues_keys(demo, district):
    data = planning.plan_json(plan(demo, district))
    assert {"route", "stops", "length_m", "minutes", "inputs"} <= set(data)
    assert data["route"]["type"] == "LineString"
    lon, lat = data["route"]["coordinates"][0]
    assert 24 < lon < 26 and 59 < lat < 61  # WGS 84, Helsinki
    for stop in data["stops"]:
        assert {"kind", "id", "lon", "lat", "why"} <= set(stop)
        assert stop["why"]
    assert data["inputs"]["district"] == district.pk
    assert data["inputs"]["time_of_day"] == "evening"


def test_saving_makes_the_plan_the_walks_route_and_numbered_stops(demo, district):
    walk = SafetyWalk.objects.create(
        municipality=demo, title="Planerad kvällsvandring", starts_at=timezone.now()
    )
    planned = plan(demo, district)
    planning.save_plan(walk, planned)
    walk.refresh_from_db()
    assert walk.route.equals_exact(planned.route, 1e-6)
    assert walk.plan == planned.inputs and walk.district_id == district.pk
    stops = list(walk.stops.order_by("order"))
    assert [s.order for s in stops] == list(range(1, len(planned.stops) + 1))
    assert [(s.kind, s.ref_id) for s in stops] == [(p["kind"], p["ref_id"]) for p in planned.stops]
    # a tick survives planning again when the stop stays
    stops[0].ticked_at = timezone.now()
    stops[0].save()
    planning.save_plan(walk, planned)
    assert WalkStop.objects.get(walk=walk, order=1).ticked_at is not None
    saved = planning.saved_plan_json(walk)
    assert saved["inputs"] == planned.inputs and saved["stops"][0]["ticked"] is True
    assert len(saved["stops"]) == len(planned.stops)
    # a report's published text goes with its stop; nothing once it is not published
    number, stop = next((k, s) for k, s in enumerate(saved["stops"]) if s["kind"] == "pin")
    pin = ResidentPin.objects.get(pk=stop["id"])
    assert stop["comments"] == ([pin.description] if pin.published else [])
    pin.published = False
    pin.save(update_fields=["published"])
    hidden = planning.saved_plan_json(walk)["stops"][number]
    assert hidden["comments"] == [] and hidden["photos"] == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"minutes": 5}, "minutes"),
        ({"pace_kmh": 12}, "pace_kmh"),
        ({"time_of_day": "dawn"}, "time_of_day"),
        ({"district": "Ingenstans"}, "district"),
        ({"start": [18.0, 59.3]}, "start"),  # Stockholm: outside the municipality
        ({"end": ["x", 60]}, "end"),
        ({"dropped": [("pin",)]}, "dropped"),
    ],
)
def test_bad_input_names_the_input(demo, district, extra, field):
    with pytest.raises(planning.PlanError) as error:
        plan(demo, district, **extra)
    assert error.value.field == field
