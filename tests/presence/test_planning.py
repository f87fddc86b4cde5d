"""Planning a week of presence on the real PostGIS (gis.presence.planning): a street of five
segments, a place hot on Friday and Saturday nights and one hot on weekday afternoons, a
Fri-Sat 20:00-03:00 police car and a Mon-Fri 13:00-18:00 team of hosts on foot."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.utils import translation

from gis.core.models import Municipality
from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource
from gis.presence.planning import plan_json, plan_week
from gis.presence.reasons import reason_text
from gis.presence.weeks import parse_week
from layers.models import Incident, StreetSegment

pytestmark = pytest.mark.django_db

WEEK = "2026-W50"
ZONE = ZoneInfo(settings.TIME_ZONE)
MONDAY = datetime(2026, 12, 7, tzinfo=ZONE)
NIGHT_PLACE, AFTERNOON_PLACE = 0, 3  # segments of the street


def build_street(municipality: Municipality, x: float, y: float) -> list[StreetSegment]:
    """Five segments of 200 m in a row, named Gata 0 … Gata 4."""
    return [
        StreetSegment.objects.create(
            municipality=municipality,
            source="test",
            source_id=f"gata-{k}",
            u=k,
            v=k + 1,
            name=f"Gata {k}",
            highway="residential",
            length_m=200,
            geom=LineString((x + 200 * k, y), (x + 200 * (k + 1), y), srid=settings.TRYGG_SRID),
        )
        for k in range(5)
    ]


@pytest.fixture
def town(demo) -> tuple[Municipality, list[StreetSegment]]:
    x, y = demo.boundary.centroid.coords
    box = Polygon.from_bbox((x - 500, y - 500, x + 1500, y + 500))
    box.srid = settings.TRYGG_SRID
    town = Municipality.objects.create(
        code="presence-test", name="Presence", boundary=MultiPolygon(box, srid=box.srid)
    )
    street = build_street(town, x, y)
    incidents = []
    for week in range(1, 9):
        monday = MONDAY - timedelta(weeks=week)
        for day in (4, 5):  # Friday, Saturday 23:00
            incidents.append((street[NIGHT_PLACE], monday + timedelta(days=day, hours=23), None))
        for day in range(5):  # weekdays, a span 14:00-16:00
            start = monday + timedelta(days=day, hours=14)
            incidents.append((street[AFTERNOON_PLACE], start, start + timedelta(hours=2)))
    Incident.objects.bulk_create(
        Incident(
            municipality=town,
            type="vandalism",
            reported_by="police",
            occurred_at=start,
            occurred_to=end,
            severity=4,
            geom=Point(segment.geom.interpolate_normalized(0.5).coords, srid=settings.TRYGG_SRID),
        )
        for segment, start, end in incidents
    )
    PresenceResource.objects.create(
        municipality=town,
        name="Polisen",
        actor="police",
        mode="car",
        weekdays=["fri", "sat"],
        shift_start=time(20),
        shift_end=time(3),
    )
    PresenceResource.objects.create(
        municipality=town,
        name="Värdarna",
        actor="host",
        mode="foot",
        weekdays=["mon", "tue", "wed", "thu", "fri"],
        shift_start=time(13),
        shift_end=time(18),
    )
    return town, street


def near(visit: PlannedVisit, segment: StreetSegment) -> bool:
    return visit.geom.distance(segment.geom) < 1.0


def test_each_team_is_planned_at_the_place_hot_in_its_window(town):
    municipality, street = town
    plan = plan_week(municipality, WEEK, seed=3, now=MONDAY)
    night = list(plan.visits.filter(team="Polisen").order_by("starts_at"))
    day = list(plan.visits.filter(team="Värdarna").order_by("starts_at"))
    assert night and day
    for visit in night:
        local = visit.starts_at.astimezone(ZONE)
        end = visit.ends_at.astimezone(ZONE)
        assert near(visit, street[NIGHT_PLACE])
        assert local.weekday() in (4, 5) and (local.hour, end.hour) in (
            (22, 23),
            (23, 23),
            (22, 22),
            (23, 0),
        )
        assert 10 <= (visit.ends_at - visit.starts_at) / timedelta(minutes=1) <= 15
        assert visit.place == "Gata 0"
        assert visit.grounds["count"] == 16 and visit.grounds["days"] == [4, 5]
        assert len(visit.grounds["reports"]) == 5
    for visit in day:
        local = visit.starts_at.astimezone(ZONE)
        assert near(visit, street[AFTERNOON_PLACE]) and local.weekday() < 5
        assert 13 <= local.hour < 16
    with translation.override("sv"):
        assert reason_text(night[0].grounds) == "16 rapporter fre–lör 23–00 de senaste 180 dagarna"
    with translation.override("en"):
        assert reason_text(night[0].grounds) == "16 reports Fri–Sat 23–00 in the last 180 days"
    summary = plan.summary
    assert summary["places_considered"] == 2 and summary["visits"] == len(night) + len(day)
    assert summary["harm_covered"] >= summary["harm_covered_plain_greedy"] > 0


def test_planning_again_keeps_the_logged_visits_and_the_seed_reproduces(town):
    municipality, _street = town
    plan = plan_week(municipality, WEEK, seed=3, now=MONDAY)
    first = [(v.team, v.starts_at, v.ends_at) for v in plan.visits.order_by("team", "starts_at")]
    again = plan_week(municipality, WEEK, seed=3, now=MONDAY)
    assert again.pk == plan.pk
    assert [
        (v.team, v.starts_at, v.ends_at) for v in again.visits.order_by("team", "starts_at")
    ] == first
    logged = again.visits.order_by("starts_at").first()
    logged.outcome, logged.note = "done", "Lugnt."
    logged.save()
    third = plan_week(municipality, WEEK, seed=4, now=MONDAY)
    assert third.visits.filter(pk=logged.pk, outcome="done").exists()
    team_visits = list(third.visits.filter(team=logged.team).order_by("starts_at"))
    for a, b in itertools.pairwise(team_visits):
        assert b.starts_at >= a.ends_at  # the new visits do not overlap the logged one
    assert PresencePlan.objects.filter(municipality=municipality, week=WEEK).count() == 1


def test_the_json_of_a_plan(town):
    municipality, _street = town
    result = plan_json(plan_week(municipality, WEEK, now=MONDAY))
    assert result["week"] == WEEK
    assert [t["name"] for t in result["teams"]] == ["Polisen", "Värdarna"]
    visit = result["teams"][0]["visits"][0]
    assert set(visit) >= {"start", "end", "lon", "lat", "place", "reason"}
    assert visit["start"].endswith("+01:00") and datetime.fromisoformat(visit["end"])
    assert -180 <= visit["lon"] <= 180 and -90 <= visit["lat"] <= 90
    assert visit["lon"] == round(visit["lon"], 6)


def test_risk_calendar_day_weights_move_the_harm(town):
    municipality, _street = town
    saturday = (MONDAY + timedelta(days=5)).date()
    plain = plan_week(municipality, WEEK, now=MONDAY).summary["harm_covered"]
    weighted = plan_week(municipality, WEEK, now=MONDAY, day_weights={saturday: 3.0})
    assert weighted.summary["harm_covered"] > plain
    assert weighted.summary["risk_days"] == {saturday.isoformat(): 3.0}


def test_the_plan_takes_the_municipalitys_risk_calendar_by_default(town, monkeypatch):
    """Without explicit weights the plan asks the risk calendar for the week and the Monday
    after, and records the days that weigh."""
    from gis.presence import planning

    municipality, _street = town
    asked = []

    def calendar(of, days):
        asked.append((of, list(days)))
        return {day: (2.0 if day.weekday() == 4 else 1.0) for day in days}

    monkeypatch.setattr(planning, "calendar_weights", calendar)
    plan = plan_week(municipality, WEEK, now=MONDAY)
    ((of, days),) = asked
    assert of == municipality and days[0] == MONDAY.date() and len(days) == 8
    assert plan.summary["risk_days"] == {(MONDAY + timedelta(days=4)).date().isoformat(): 2.0}


def test_a_municipality_without_resources_or_reports_gets_an_empty_plan(town):
    municipality, _street = town
    PresenceResource.objects.filter(municipality=municipality).delete()
    plan = plan_week(municipality, "2026-W51", now=MONDAY)
    assert plan.summary["visits"] == 0 and not plan.visits.exists()


@pytest.mark.parametrize("week", ["2026-50", "2026-W54", "W50", "2025-W53", ""])
def test_a_bad_week_is_named(week):
    with pytest.raises(ValueError, match="week"):
        parse_week(week)


def test_a_week_is_its_monday():
    assert parse_week("2026-W53").isoformat() == "2026-12-28"
    assert parse_week("2027-W01").isoformat() == "2027-01-04"
