"""Property fixes in the stored work list: a school with night incidents at it gets an alarm and
a repair fix owned by property management, ranked after the street and park fixes, named in
the exports and explained in Swedish on its page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.contrib.gis.measure import D
from django.http import QueryDict
from django.utils import timezone

from gis.dashboard.filters import parse_filters
from gis.dashboard.situation import build_situation
from gis.fixes.exports import CSV_COLUMNS
from gis.fixes.models import PROPERTY_FIX_TYPES, Fix
from gis.fixes.persist import recompute
from layers.models import Incident, Property
from tests.fixes.conftest import make_user

SIDE_M = 40.0
NIGHT_INCIDENTS = 3


@pytest.fixture
def school(demo) -> Property:
    """A 40 m square school (the demo's OSM-derived properties and its incidents within 100 m
    removed, in this test only) with three incidents of vandalism inside it at 01:30 on three
    recent nights."""
    Property.objects.filter(municipality=demo).delete()
    centre = demo.boundary.point_on_surface
    x, y = centre.x, centre.y
    square = Polygon.from_bbox((x, y, x + SIDE_M, y + SIDE_M))
    square.srid = demo.boundary.srid
    school = Property.objects.create(
        municipality=demo,
        source="register",
        source_id="S-1",
        name="Testskolan",
        kind=Property.Kind.SCHOOL,
        geom=MultiPolygon(square, srid=square.srid),
    )
    Incident.objects.filter(municipality=demo, geom__dwithin=(square, D(m=100))).delete()
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.now().astimezone(zone).replace(hour=1, minute=30, second=0, microsecond=0)
    for i in range(NIGHT_INCIDENTS):
        Incident.objects.create(
            municipality=demo,
            source="police",
            source_id=f"school-{i}",
            type="vandalism",
            reported_by="police",
            occurred_at=today - timedelta(days=3 + i),
            geom=Point(x + 10 + i, y + 20, srid=square.srid),
        )
    return school


@pytest.fixture
def stored(demo, school):
    """The demo ranked and stored with the school's incidents."""
    return recompute(demo)


def _reason(fix: Fix, code: str) -> dict:
    return next(r for r in fix.reasons if r["code"] == code)


def test_the_school_gets_an_alarm_and_a_repair_owned_by_property_management(stored, school):
    fixes = Fix.objects.filter(property=school)
    kinds = set(fixes.values_list("fix_type", flat=True))
    assert {"property_alarm", "property_repair"} <= kinds
    alarm = fixes.get(fix_type="property_alarm")
    assert alarm.department == "property" and alarm.rank is not None
    assert alarm.segment_id is None and alarm.green_area_id is None
    assert _reason(alarm, "night_incidents")["count"] == NIGHT_INCIDENTS
    assert _reason(alarm, "reports")["reports"] == NIGHT_INCIDENTS
    assert len(_reason(alarm, "reports")["incident_ids"]) == NIGHT_INCIDENTS
    assert _reason(alarm, "property")["name"] == "Testskolan"
    assert "3 incident(s) at night at Testskolan" in alarm.explanation
    assert alarm.geom.equals(school.geom)  # the place is the property's area
    assert stored.run.summary["by_type"]["property_alarm"] >= 1


def test_property_fixes_come_after_the_other_fixes_whose_ranks_stay(stored, demo):
    ranked = Fix.objects.filter(municipality=demo, rank__isnull=False).order_by("rank")
    ranks = list(ranked.values_list("rank", flat=True))
    assert ranks == list(range(1, len(ranks) + 1))
    kinds = [f in PROPERTY_FIX_TYPES for f in ranked.values_list("fix_type", flat=True)]
    first_property = kinds.index(True)
    assert not any(kinds[:first_property]) and all(kinds[first_property:])
    engine = stored.result.fixes
    others = engine[~engine["fix_type"].isin(PROPERTY_FIX_TYPES)]
    assert list(others["rank"]) == list(range(1, len(others) + 1))


def test_a_second_run_keeps_the_property_fix_and_its_status(stored, demo, school):
    alarm = Fix.objects.get(property=school, fix_type="property_alarm")
    Fix.objects.filter(pk=alarm.pk).update(status=Fix.Status.PLANNED)
    again = recompute(demo)
    assert again.created == 0
    kept = Fix.objects.get(property=school, fix_type="property_alarm")
    assert kept.pk == alarm.pk and kept.status == Fix.Status.PLANNED


def test_the_exports_name_the_property(client, stored, school):
    client.force_login(make_user("planner"))
    response = client.get("/fixes/export.csv", {"fix_type": "property_alarm"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    row = next(r for r in rows if r["place_id"] == str(school.pk))
    assert row["place_kind"] == "property" and row["place_name"] == "Testskolan"
    assert row["department"] == "property" and row["fix_type"] == "property_alarm"
    features = client.get("/fixes/export.geojson", {"fix_type": "property_alarm"}).json()
    props = next(
        f["properties"] for f in features["features"] if f["properties"]["place_id"] == school.pk
    )
    assert props["place_kind"] == "property" and props["fix_type_label"] == "Larm/skalskydd"


def test_the_fix_page_explains_it_in_swedish(client, stored, school):
    client.force_login(make_user("planner"))
    alarm = Fix.objects.get(property=school, fix_type="property_alarm")
    page = client.get(f"/fixes/{alarm.pk}/").content.decode()
    assert "Larm/skalskydd" in page and "Testskolan" in page
    assert "3 händelser på natten vid fastigheten (larm från 2)." in page
    assert "kostnadsklass 3" in page
    listed = client.get("/fixes/", {"fix_type": "property_repair"}).content.decode()
    assert "Reparera fastighet" in listed and "Testskolan" in listed


def test_a_done_property_fix_shows_why_it_has_no_follow_up(client, stored, school):
    client.force_login(make_user("planner"))
    alarm = Fix.objects.get(property=school, fix_type="property_alarm")
    Fix.objects.filter(pk=alarm.pk).update(status=Fix.Status.DONE, done_at=timezone.now())
    response = client.get(f"/fixes/{alarm.pk}/")
    assert response.status_code == 200
    assert "en fastighetsåtgärd har ingen ännu" in response.content.decode()


def test_the_situation_picture_lists_it_and_skips_its_follow_up(stored, school):
    alarm = Fix.objects.get(property=school, fix_type="property_alarm")
    Fix.objects.filter(pk=alarm.pk).update(status=Fix.Status.DONE, done_at=timezone.now())
    repair = Fix.objects.get(property=school, fix_type="property_repair")
    situation = build_situation(parse_filters(QueryDict(""), default_days=14))
    assert repair.pk in [f.pk for f in situation.top_fixes["property"]]
    assert alarm.pk not in [follow.fix.pk for follow in situation.completed]
