"""EN 13201 verdicts, lamp gaps and lighting evidence."""

import numpy as np
import pytest

from gis.priority.lighting import EN13201_P, lamp_gaps, lighting_class, lighting_evidence
from gis.priority.params import PriorityParams
from tests.priority._builders import frame, line, pt

CLASS_PARAMS = PriorityParams(highway_class={f"h{c}": c for c in EN13201_P})


def test_en13201_table_matches_the_standard():
    assert EN13201_P == {
        "P1": (15.0, 3.0),
        "P2": (10.0, 2.0),
        "P3": (7.5, 1.5),
        "P4": (5.0, 1.0),
        "P5": (3.0, 0.6),
        "P6": (2.0, 0.4),
    }


def test_lighting_class_mapping_and_default():
    import pandas as pd

    got = lighting_class(pd.Series(["footway", "pedestrian", "track", "motorway", None]))
    assert got.tolist() == ["P4", "P2", "P6", "P4", "P4"]
    with pytest.raises(ValueError, match="default"):
        lighting_class(pd.Series(["footway"]), default="P9")


def test_lamp_gaps_known_positions():
    segs = frame(
        "segments",
        [
            {"geometry": line((0, 0), (100, 0))},
            {"geometry": line((0, 200), (70, 200))},
        ],
    )
    lamps = frame(
        "lamps",
        [
            {"geometry": pt(10, 5)},
            {"geometry": pt(40, -5)},
            {"geometry": pt(90, 5)},
            {"geometry": pt(60, 25)},  # 25 m off: outside the 20 m buffer
            {"geometry": pt(70, 3), "status": "broken"},  # not working: ignored
        ],
    )
    gaps = lamp_gaps(segs, lamps, buffer_m=20.0)
    assert gaps.tolist() == pytest.approx([50.0, 70.0])
    with_broken = lamp_gaps(segs, lamps, buffer_m=20.0, statuses=("working", "broken"))
    assert with_broken.tolist() == pytest.approx([30.0, 70.0])


def test_lamp_gaps_counts_the_ends():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    lamps = frame("lamps", [{"geometry": pt(45, 1)}, {"geometry": pt(55, 1)}])
    assert lamp_gaps(segs, lamps).tolist() == pytest.approx([45.0])


def _verdict_for(cls, readings):
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0)), "highway": f"h{cls}"}])
    lux = frame("lux", [{"geometry": pt(10 + 10 * i, 1), "lux": v} for i, v in enumerate(readings)])
    ev = lighting_evidence(segs, lux, frame("lamps", []), params=CLASS_PARAMS).frame
    return ev["lighting_verdict"].iloc[0], ev["lighting_reasons"].iloc[0]


@pytest.mark.parametrize("cls", list(EN13201_P))
def test_en13201_boundaries(cls):
    avg, mn = EN13201_P[cls]
    # exactly at the requirements: ok
    assert _verdict_for(cls, [avg, avg])[0] == "ok"
    assert _verdict_for(cls, [mn, 2 * avg - mn])[0] == "ok"  # mean == avg, min == class min
    # mean just below the average
    verdict, reasons = _verdict_for(cls, [avg * 0.99, avg * 0.99])
    assert verdict == "under_lit" and reasons == ["mean_below_average"]
    # one reading just below the minimum, mean fine
    verdict, reasons = _verdict_for(cls, [mn * 0.99, 3 * avg])
    assert verdict == "under_lit" and reasons == ["reading_below_minimum"]
    # mean below the minimum: dark
    verdict, reasons = _verdict_for(cls, [mn * 0.5, mn * 0.9])
    assert verdict == "dark" and "mean_below_minimum" in reasons


def test_verdict_without_readings():
    segs = frame(
        "segments",
        [
            {"geometry": line((0, 0), (100, 0)), "lit": "no"},
            {"geometry": line((0, 100), (100, 100)), "lit": "yes"},
            {"geometry": line((0, 200), (100, 200)), "lit": "yes"},
            {"geometry": line((0, 300), (100, 300)), "lit": "limited"},
            {"geometry": line((0, 400), (30, 400))},
        ],
    )
    rows = [{"geometry": pt(x, 101)} for x in (10, 45, 80)]
    rows += [{"geometry": pt(x, 201)} for x in (20, 50, 80)]
    rows += [{"geometry": pt(50, 201), "status": "broken"}]  # id 7, nearest to segment 3
    rows += [{"geometry": pt(x, 301)} for x in (10, 40, 70, 95)]
    rows += [{"geometry": pt(x, 401)} for x in (5, 25)]
    lamps = frame("lamps", rows)
    ev = lighting_evidence(segs, frame("lux", []), lamps).frame
    assert ev["lighting_verdict"].tolist() == ["dark", "ok", "under_lit", "under_lit", "ok"]
    assert ev["lighting_reasons"].iloc[0] == ["no_working_lamps", "osm_lit_no"]
    assert ev["lamp_gap_m"].iloc[1] == pytest.approx(35.0)
    assert ev["lamps_broken"].tolist() == [0, 0, 1, 0, 0]
    assert ev["broken_lamp_ids"].iloc[2] == [7]
    assert "osm_lit_limited" in ev["lighting_reasons"].iloc[3]


def test_without_inventory_or_readings_unknown_or_osm():
    segs = frame(
        "segments",
        [
            {"geometry": line((0, 0), (100, 0))},
            {"geometry": line((0, 100), (100, 100)), "lit": "24/7"},
        ],
    )
    ev = lighting_evidence(segs, frame("lux", []), frame("lamps", [])).frame
    assert ev["lighting_verdict"].tolist() == ["unknown", "ok"]
    assert ev["lighting_reasons"].iloc[0] == ["no_data"]
    assert np.isnan(ev["lamp_gap_m"]).all()


def test_readings_beyond_tolerance_are_unassigned():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    lux = frame("lux", [{"geometry": pt(50, 2), "lux": 3.0}, {"geometry": pt(50, 80)}])
    result = lighting_evidence(segs, lux, frame("lamps", []))
    assert result.frame["lux_ids"].iloc[0] == [1]
    assert result.unassigned["feature_id"].tolist() == [2]
