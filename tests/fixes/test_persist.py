"""The stored ranking on the demo: planted places, evidence, kept statuses, answered reports."""

from __future__ import annotations

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.utils import timezone

from gis.demo.places import demo_places
from gis.fixes import workflow
from gis.fixes.models import Fix
from gis.fixes.persist import (
    ANSWERED,
    default_params,
    full_relevance,
    load_inputs,
    recompute,
)
from gis.hotspots.models import AnalysisRun
from layers.models import StreetLamp, StreetSegment, Vegetation
from tests.fixes.conftest import make_user
from walks.models import ResidentPin

NEAR_M = 100.0


def _place(demo, key):
    places = demo_places(demo)
    return places.loc[places["key"] == key].iloc[0]


def _near(fixes, place, fix_type):
    """Ranked fixes of one type within NEAR_M of a planted place."""
    near = shapely.distance(fixes.geometry.values, place.geometry) < NEAR_M
    return fixes[near & (fixes["fix_type"] == fix_type)]


def test_a_run_is_stored_with_contiguous_ranks_and_the_risk_table(ranked, demo):
    run = ranked.run
    assert run.kind == AnalysisRun.Kind.PRIORITISE and run.municipality == demo
    stored = Fix.objects.filter(run=run).order_by("rank")
    ranks = list(stored.values_list("rank", flat=True))
    assert ranks == list(range(1, len(ranked.result.fixes) + 1))
    assert [r["covariate"] for r in run.summary["risk"]] == [
        "under_lit",
        "vegetation",
        "camera_coverage",
        "log_footfall",
    ]
    assert all(r["relative_risk"] > 0 for r in run.summary["risk"])
    assert run.params["timezone"] == settings.TIME_ZONE  # the installation's, as everywhere
    top = stored.first()
    row = ranked.result.fixes.iloc[0]
    assert (top.fix_type, top.segment_id or top.green_area_id) == (row.fix_type, row.place_id)
    assert abs(top.score - row.score) < 1e-9


def _type_rank(fixes, place, fix_type) -> int:
    """Best position of the place's fix among all fixes of that type (1 = first)."""
    of_type = fixes[fixes["fix_type"] == fix_type].reset_index(drop=True)
    near = shapely.distance(of_type.geometry.values, place.geometry) < NEAR_M
    return int(np.flatnonzero(near)[0]) + 1 if near.any() else 10**6


def test_planted_places_get_the_fixes_a_planner_expects(ranked, demo):
    fixes = ranked.result.fixes
    park = _near(fixes, _place(demo, "intensifying_park_path"), "clear_vegetation")
    assert set(park["department"]) == {"parks"} and park["rank"].min() <= 5
    graffiti = _near(fixes, _place(demo, "diminishing_graffiti"), "clean")
    assert set(graffiti["department"]) <= {"street", "parks"} and graffiti["rank"].min() <= 30
    gathering = _near(fixes, _place(demo, "persistent_gathering"), "refer_social")
    assert set(gathering["department"]) == {"social"} and gathering["rank"].min() <= 30
    assert _type_rank(fixes, _place(demo, "intensifying_park_path"), "clear_vegetation") == 1
    assert _type_rank(fixes, _place(demo, "diminishing_graffiti"), "clean") <= 3
    assert _type_rank(fixes, _place(demo, "persistent_gathering"), "refer_social") <= 3
    social = int((fixes["fix_type"] == "refer_social").sum())
    assert _type_rank(fixes, _place(demo, "moved_after_fix"), "refer_social") <= 0.1 * social
    corner = _near(fixes, _place(demo, "new_hidden_corner"), "redesign")
    assert len(corner) and set(corner["department"]) == {"street"}
    assert _type_rank(fixes, _place(demo, "new_hidden_corner"), "redesign") <= 10


def test_the_fixed_dark_path_is_not_proposed_again(ranked, demo):
    done = Fix.objects.get(municipality=demo, status=Fix.Status.DONE)
    assert done.rank is None and done.run is None  # kept as it was, out of the ranking
    fixes = ranked.result.fixes
    place = _place(demo, "fixed_dark_path")
    for fix_type in ("repair_lamps", "add_lighting"):
        lighting = _near(fixes, place, fix_type)
        assert lighting.empty or lighting["rank"].min() > 50, fix_type
    assert ranked.run.summary["answered"]["pins"] >= done.pins.count() > 0


def test_hidden_corner_broken_lamps_go_to_the_street_department(ranked, demo):
    # The OSM extract has no lamp near the planted corner. The street department's inventory
    # records two broken ones on the corner's path: the segment within NEAR_M of the planted
    # point that most of its hidden-place reports snapped to.
    place = _place(demo, "new_hidden_corner")
    evidence = ranked.result.evidence
    segments = StreetSegment.objects.filter(municipality=demo)
    near = {s.pk for s in segments if s.geom.distance(_geos(place.geometry)) < NEAR_M}
    candidates = evidence[evidence["segment_id"].isin(near)]
    corner_id = candidates.sort_values("demand_hidden_place").iloc[-1]["segment_id"]
    assert candidates["demand_hidden_place"].max() > 0
    segment = segments.get(pk=corner_id)
    lamps = [
        StreetLamp.objects.create(
            municipality=demo,
            status=StreetLamp.Status.BROKEN,
            geom=segment.geom.interpolate_normalized(f),
            source="test",
            source_id=f"corner-{f}",
        )
        for f in (0.25, 0.75)
    ]
    result = recompute(demo).result.fixes
    repair = result[(result["fix_type"] == "repair_lamps") & (result["place_id"] == segment.pk)]
    assert len(repair) == 1
    row = repair.iloc[0]
    assert row.department == "street"
    repairs = result[result["fix_type"] == "repair_lamps"]
    assert row["rank"] in set(repairs["rank"].nsmallest(3))  # among the first lamp repairs
    assert row["rank"] <= 0.05 * len(result)
    for lamp in lamps:
        assert str(lamp.pk) in row.explanation


def _geos(shape):
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=settings.TRYGG_SRID)


def test_explanations_name_evidence_that_exists_on_the_place(ranked):
    params = default_params(ranked.run.municipality)
    for fix in Fix.objects.filter(run=ranked.run, rank__lte=10):
        reports = next(r for r in fix.reasons if r["code"] == "reports")
        assert reports["pin_ids"] or reports["finding_ids"] or reports["incident_ids"]
        shown = (reports["pin_ids"] + reports["finding_ids"] + reports["incident_ids"])[:3]
        assert all(str(i) in fix.explanation for i in shown)
        pins = ResidentPin.objects.filter(pk__in=reports["pin_ids"])
        assert pins.count() == len(reports["pin_ids"])
        tolerance = params.snap_tolerance_m + 1e-6
        assert all(pin.geom.distance(fix.geom) <= tolerance for pin in pins)
        linked = set(fix.pins.values_list("category__code", flat=True))
        assert linked <= full_relevance(params, fix.fix_type)


def test_a_recompute_keeps_status_and_history_and_drops_only_untouched_stale_fixes(ranked, demo):
    planner = make_user("planner")
    top = Fix.objects.get(run=ranked.run, rank=1)
    workflow.change_status(top, Fix.Status.PLANNED, user=planner, note="next week")
    free = StreetSegment.objects.filter(municipality=demo).exclude(
        pk__in=Fix.objects.filter(fix_type=Fix.Type.REFER_POLICE).values("segment_id")
    )
    stale, taken_up = (
        Fix.objects.create(
            municipality=demo,
            fix_type=Fix.Type.REFER_POLICE,
            department="police",
            cost_class=1,
            score=0.5,
            rank=9999,
            segment=segment,
            geom=segment.geom,
        )
        for segment in free.order_by("pk")[:2]
    )
    workflow.change_status(taken_up, Fix.Status.PLANNED, user=planner)
    again = recompute(demo)
    top.refresh_from_db()
    assert top.status == Fix.Status.PLANNED and top.run == again.run and top.rank is not None
    assert list(top.history.values_list("to_status", "changed_by")) == [("planned", planner.pk)]
    assert not Fix.objects.filter(pk=stale.pk).exists()
    taken_up.refresh_from_db()
    assert (taken_up.status, taken_up.rank, taken_up.score) == ("planned", None, 0.5)
    assert again.removed == 1 and again.kept == 2  # taken_up and the demo's done lamp repair
    assert again.created + again.updated == len(again.result.fixes)
    assert Fix.objects.filter(municipality=demo, run=again.run).count() == len(again.result.fixes)


def test_done_fix_answers_its_pins_and_the_next_run_stops_counting_them(ranked, demo):
    street = make_user("street_department")
    fix = (
        Fix.objects.filter(run=ranked.run, department="street", pins__isnull=False)
        .order_by("rank")
        .first()
    )
    pins = list(fix.pins.values_list("pk", flat=True))
    for status in (Fix.Status.PLANNED, Fix.Status.SCHEDULED):
        workflow.change_status(fix, status, user=street, scheduled_for=timezone.localdate())
    workflow.change_status(fix, Fix.Status.DONE, user=street, answer="Lagat, tack!")
    again = recompute(demo)
    fix.refresh_from_db()
    assert fix.status == Fix.Status.DONE and set(fix.pins.values_list("pk", flat=True)) == set(pins)
    unassigned = again.result.unassigned
    answered = set(unassigned.loc[unassigned["source"] == "pin", "source_id"])
    assert set(pins) <= answered
    new = again.result.fixes
    same = new[(new["fix_type"] == fix.fix_type) & (new["place_id"] == fix.segment_id)]
    for reasons in same["reasons"]:
        reports = next((r for r in reasons if r["code"] == "reports"), {"pin_ids": []})
        assert not set(pins) & set(reports["pin_ids"])
    assert (fix.rank is None) == same.empty
    assert ANSWERED not in ResidentPin.objects.values_list("status", flat=True)


def test_inputs_fit_the_engine_schema(demo):
    inputs = load_inputs(demo, as_of=timezone.now(), params=default_params(demo))
    assert Vegetation.objects.filter(municipality=demo, geom__isvalid=True).count() == len(
        inputs.vegetation
    )
    assert set(inputs.vegetation.geom_type) <= {"Point", "Polygon", "MultiPolygon"}
    assert inputs.vegetation.crs.to_epsg() == settings.TRYGG_SRID
    done = Fix.objects.get(municipality=demo, status=Fix.Status.DONE)
    linked = set(done.pins.values_list("pk", flat=True))
    answered = inputs.pins.loc[inputs.pins["status"] == ANSWERED, "id"]
    assert linked and linked <= set(answered)
    assert inputs.answered["pins"] == len(answered)
