"""The demo's one done fix is the ranking's fix for the planted dark path, taken up and done."""

from __future__ import annotations

import numpy as np
import pytest

from gis.demo.dark_path import LIGHT_REACH_M
from gis.demo.generate import illuminance
from gis.demo.places import demo_places
from gis.fixes.models import Fix
from gis.fixes.persist import compute
from layers.models import LuxReading, StreetLamp


@pytest.fixture
def done_fix(demo) -> Fix:
    return Fix.objects.get(municipality=demo, status=Fix.Status.DONE)


def test_the_done_fix_is_the_dark_paths_and_answered_its_pins(done_fix, demo):
    place = demo_places(demo).set_index("key").loc["fixed_dark_path"]
    assert done_fix.segment_id == place["segment_id"]
    assert done_fix.fix_type == Fix.Type.REPAIR_LAMPS and done_fix.department == "street"
    assert done_fix.rank is None and done_fix.run is None  # out of today's ranking
    assert done_fix.pins.count() > 50
    assert set(done_fix.pins.values_list("status", flat=True)) == {"feedback_given"}
    assert set(done_fix.pins.values_list("public_answer", flat=True)) == {done_fix.answer}


def test_the_done_fix_is_what_the_ranking_proposed_the_day_it_was_taken_up(done_fix, demo):
    history = list(done_fix.history.order_by("changed_at"))
    assert [(h.from_status, h.to_status) for h in history] == [
        ("proposed", "planned"),
        ("planned", "done"),
    ]
    taken_up, done_at = history[0].changed_at, history[1].changed_at
    assert taken_up < done_at == done_fix.done_at
    # The ranking of that day, with the lamps broken as they were and without the fix.
    lamps = StreetLamp.objects.filter(municipality=demo, source="demo")
    lamps.update(status=StreetLamp.Status.BROKEN)
    Fix.objects.filter(pk=done_fix.pk).delete()
    fixes = compute(demo, as_of=taken_up)[0].fixes
    row = fixes[(fixes["place_id"] == done_fix.segment_id) & (fixes["fix_type"] == "repair_lamps")]
    assert len(row) == 1 and int(row.iloc[0]["rank"]) <= 10
    assert row.iloc[0]["score"] == pytest.approx(done_fix.score)
    assert row.iloc[0]["explanation"] == done_fix.explanation
    broken = next(r for r in done_fix.reasons if r["code"] == "broken_lamps")
    assert sorted(broken["lamp_ids"]) == sorted(lamps.values_list("pk", flat=True))


def test_the_lamps_were_repaired_when_the_fix_was_done(done_fix, demo):
    lamps = StreetLamp.objects.filter(municipality=demo, source="demo")
    assert lamps.count() >= 2
    assert set(lamps.values_list("status", "status_checked_at")) == {("working", done_fix.done_at)}
    assert all(done_fix.segment.geom.distance(lamp.geom) < 0.01 for lamp in lamps)


def test_the_repaired_lamps_light_the_readings_after_the_repair(done_fix, demo):
    lamps = StreetLamp.objects.filter(municipality=demo, source="demo")
    at = np.array([lamp.geom.coords for lamp in lamps])
    near = [
        reading
        for reading in LuxReading.objects.filter(municipality=demo)
        if min(reading.geom.distance(lamp.geom) for lamp in lamps) <= LIGHT_REACH_M
    ]
    after = [r for r in near if r.measured_at >= done_fix.done_at]
    before = [r for r in near if r.measured_at < done_fix.done_at]
    assert after and before
    for reading in after:
        assert reading.lux >= illuminance(np.array([reading.geom.coords]), at)[0] - 0.01
    # Before the repair the path was dark: nothing lit it but the ground glow of the survey.
    assert max(r.lux for r in before) < 1 < max(r.lux for r in after)
