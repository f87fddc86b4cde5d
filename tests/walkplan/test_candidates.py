"""Candidate stops of a walk (gis.walkplan.candidates) on the real PostGIS: which reports,
findings, hot spots and fixes are proposed, how they weigh, what residents' text shows (published
text only, never contact data), and near ones merged into one stop."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.utils import timezone

from gis.fixes.models import Fix
from gis.hotspots.models import AnalysisRun, HotspotCell
from gis.walkplan import candidates as source
from walks.models import Category, PinContact, ResidentPin, SafetyWalk, WalkFinding

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def here(district):
    """A point inside the district and a 120 m square around it (metric)."""
    centre = district.geom.point_on_surface
    area = Polygon.from_bbox((centre.x - 60, centre.y - 60, centre.x + 60, centre.y + 60))
    area.srid = centre.srid
    return centre, area


def at(centre, dx: float, dy: float = 0.0) -> Point:
    return Point(centre.x + dx, centre.y + dy, srid=centre.srid)


def pin(demo, point, **extra) -> ResidentPin:
    values = {
        "municipality": demo,
        "category": Category.objects.get(code="lighting"),
        "when": "evening",
        "description": "Mörkt vid gångtunneln",
        "geom": point,
        "reported_at": NOW - dt.timedelta(days=10),
    }
    return ResidentPin.objects.create(**{**values, **extra})


def keys(found) -> set[tuple[str, int]]:
    result = set()
    for stop in found:
        result.add((stop["kind"], stop["ref_id"]))
        result.update(stop["merged"])
    return result


def by_ref(found, kind, ref):
    for stop in found:
        if (stop["kind"], stop["ref_id"]) == (kind, ref) or (kind, ref) in stop["merged"]:
            return stop
    return None


def test_unresolved_reports_are_proposed_and_resolved_ones_not(demo, here):
    centre, area = here
    open_pin = pin(demo, at(centre, -40))
    fixed = pin(demo, at(centre, 0), status=ResidentPin.Status.FIXED)
    closed = pin(demo, at(centre, 10), status=ResidentPin.Status.CLOSED_NO_ACTION)
    duplicate = pin(demo, at(centre, 20), duplicate_of=open_pin)
    outside = pin(demo, at(centre, 500))
    found = source.pin_candidates(demo, area, "evening", now=NOW)
    refs = {c["ref_id"] for c in found}
    assert open_pin.pk in refs
    assert not refs & {fixed.pk, closed.pk, duplicate.pk, outside.pk}


def test_published_text_only_and_never_contact_data(demo, here):
    centre, area = here
    shown = pin(demo, at(centre, -40), description="Buskarna skymmer allt")
    hidden = pin(demo, at(centre, 40), description="Privat berättelse", published=False)
    PinContact.objects.create(pin=shown, name="Rut", email="rut@example.org", phone="0701234567")
    found = source.pin_candidates(demo, area, "evening", now=NOW)
    mine = {c["ref_id"]: c for c in found}
    assert mine[shown.pk]["comments"] == ["Buskarna skymmer allt"]
    assert mine[hidden.pk]["comments"] == [] and mine[hidden.pk]["photos"] == []
    text = repr(found)
    assert "rut@example.org" not in text and "0701234567" not in text and "Rut" not in text
    assert "Privat berättelse" not in text


def test_votes_recency_and_the_time_of_day_weigh(demo, here):
    centre, area = here
    base = pin(demo, at(centre, -50))
    voted = pin(demo, at(centre, -25), vote_count=4)
    old = pin(demo, at(centre, 0), reported_at=NOW - dt.timedelta(days=400))
    night = pin(demo, at(centre, 25), when="night")
    value = {c["ref_id"]: c["value"] for c in source.pin_candidates(demo, area, "evening", now=NOW)}
    assert value[voted.pk] == pytest.approx(3 * value[base.pk])
    assert value[old.pk] < value[base.pk] / 3
    assert value[night.pk] == pytest.approx(source.OTHER_TIME * value[base.pk])
    at_night = {
        c["ref_id"]: c["value"] for c in source.pin_candidates(demo, area, "night", now=NOW)
    }
    assert at_night[night.pk] > at_night[base.pk]


def test_the_reason_reads_in_swedish(demo, here):
    from django.utils import translation

    centre, area = here
    mine = pin(demo, at(centre, 0), vote_count=7)
    with translation.override("sv"):
        found = {c["ref_id"]: c for c in source.pin_candidates(demo, area, "evening", now=NOW)}
    why = found[mine.pk]["why"]
    assert why.startswith("Invånarrapport: ") and "7 stöd" in why and "kvällstid" in why
    assert "för 10 dagar sedan" in why
    assert found[mine.pk]["look_at"]


def _walk(demo, status):
    return SafetyWalk.objects.create(
        municipality=demo, title=f"Vandring {status}", starts_at=NOW, status=status
    )


def _finding(demo, walk, point, **extra):
    values = {
        "municipality": demo,
        "walk": walk,
        "author_role": "resident",
        "category": Category.objects.get(code="vegetation"),
        "severity": 4,
        "when": "evening",
        "geom": point,
        "observed_at": NOW - dt.timedelta(days=30),
    }
    return WalkFinding.objects.create(**{**values, **extra})


def _fix(demo, point, **extra):
    values = {
        "municipality": demo,
        "fix_type": Fix.Type.CLEAR_VEGETATION,
        "department": "parks",
        "cost_class": 1,
        "score": 1.0,
        "status": Fix.Status.DONE,
        "done_at": NOW - dt.timedelta(days=20),
        "geom": point,
    }
    return Fix.objects.create(**{**values, **extra})


def test_open_findings_of_earlier_walks(demo, here):
    centre, area = here
    closed = _walk(demo, SafetyWalk.Status.CLOSED)
    running = _walk(demo, SafetyWalk.Status.ACTIVE)
    still_open = _finding(demo, closed, at(centre, -50))
    dealt_with = _finding(demo, closed, at(centre, 50))
    _fix(demo, at(centre, 55), status=Fix.Status.VERIFIED)
    current = _finding(demo, running, at(centre, 0))
    refs = {c["ref_id"] for c in source.finding_candidates(demo, area, "evening", now=NOW)}
    assert still_open.pk in refs
    assert dealt_with.pk not in refs and current.pk not in refs


def test_recently_done_fixes_are_looked_at(demo, here):
    centre, area = here
    recent = _fix(demo, at(centre, 0))
    long_ago = _fix(demo, at(centre, 20), done_at=NOW - dt.timedelta(days=400))
    proposed = _fix(demo, at(centre, 40), status=Fix.Status.PROPOSED, done_at=None)
    found = source.fix_candidates(demo, area, "evening", now=NOW)
    refs = {c["ref_id"] for c in found}
    assert refs == {recent.pk} or (recent.pk in refs and not refs & {long_ago.pk, proposed.pk})
    assert found[0]["value"] == source.FIX_VALUE


def test_hot_spots_of_the_latest_run_of_that_time(demo, here):
    centre, area = here
    cell = Polygon.from_bbox((centre.x - 25, centre.y - 25, centre.x + 25, centre.y + 25))
    cell.srid = centre.srid
    evening = AnalysisRun.objects.create(
        municipality=demo, kind="gistar", params={"selection": {"when": ["evening"]}}
    )
    hot = HotspotCell.objects.create(
        run=evening, cell_id=1, category="hot spot 99%", z=3, geom=cell
    )
    HotspotCell.objects.create(run=evening, cell_id=2, category="not significant", z=0, geom=cell)
    found = source.hotspot_candidates(demo, area, "evening")
    assert [c["ref_id"] for c in found] == [hot.pk]
    assert found[0]["value"] == source.HOTSPOT_VALUES["hot spot 99%"]
    assert source.hotspot_run(demo, "day") != evening


def test_near_candidates_merge_into_one_stop(demo, here):
    centre, area = here
    first = pin(demo, at(centre, 0), vote_count=2)
    near = pin(demo, at(centre, 10))
    far = pin(demo, at(centre, 55, 55))
    found = source.candidates(demo, area, "evening", now=NOW, sources=[source.pin_candidates])
    merged = by_ref(found, "pin", first.pk)
    assert ("pin", near.pk) in merged["merged"] and merged["ref_id"] == first.pk
    single = {
        c["ref_id"]: c["value"] for c in source.pin_candidates(demo, area, "evening", now=NOW)
    }
    assert merged["value"] >= single[first.pk] + single[near.pk] - 1e-9
    assert by_ref(found, "pin", far.pk) is not merged
    assert "more report" in merged["why"] or "till" in merged["why"]
    assert {("pin", first.pk), ("pin", near.pk), ("pin", far.pk)} <= keys(found)


def test_another_source_plugs_in(demo, here):
    centre, area = here

    def campaign_answers(municipality, area, time_of_day):
        return [
            {
                "kind": "campaign",
                "ref_id": 7,
                "geom": at(centre, 0),
                "value": 2.0,
                "why": "Digital trygghetsvandring: 5 svar",
                "look_at": "Belysningen",
                "comments": ["Mörkt"],
                "photos": [],
            }
        ]

    found = source.candidates(demo, area, "evening", now=NOW, sources=[campaign_answers])
    by_path = source.candidates(
        demo, area, "evening", now=NOW, sources=["gis.walkplan.candidates.fix_candidates"]
    )
    assert by_path == source.candidates(
        demo, area, "evening", now=NOW, sources=[source.fix_candidates]
    )
    assert [(c["kind"], c["ref_id"], c["value"]) for c in found] == [("campaign", 7, 2.0)]
    assert found[0]["comments"] == ["Mörkt"] and found[0]["title"] == ""


def test_every_default_source_runs(demo, district):
    found = source.candidates(demo, district.geom, "evening", now=timezone.now())
    assert found and {c["kind"] for c in found} >= {"pin"}
    for stop in found:
        assert stop["value"] > 0 and stop["why"] and stop["geom"].geom_type == "Point"
