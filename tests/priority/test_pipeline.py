"""The whole pipeline: empty inputs, validation and the unassigned report."""

import dataclasses

import geopandas as gpd
import pandas as pd
import pytest

from gis.priority.fixes import FIX_COLUMNS
from gis.priority.params import PriorityParams
from gis.priority.pipeline import PriorityResult, prioritise
from tests.priority._builders import AS_OF, box, frame, line, pt

KINDS = ("green_areas", "pins", "findings", "incidents", "lux", "lamps", "vegetation", "cameras")


def _segments():
    return frame(
        "segments", [{"geometry": line((0, 0), (100, 0))}, {"geometry": line((100, 0), (200, 0))}]
    )


def test_everything_empty_works():
    empty = {k: frame(k, []) for k in KINDS}
    result = prioritise(frame("segments", []), as_of=AS_OF, **empty)
    assert isinstance(result, PriorityResult)
    assert list(result.fixes.columns) == [*FIX_COLUMNS, "geometry"]
    assert len(result.fixes) == 0 and len(result.evidence) == 0
    assert len(result.unassigned) == 0
    assert result.risk["note"].str.startswith("dropped").all()


def test_segments_only_and_none_inputs():
    result = prioritise(_segments(), as_of=AS_OF)
    assert len(result.evidence) == 2 and len(result.fixes) == 0
    assert result.evidence["lighting_verdict"].tolist() == ["unknown", "unknown"]


def test_unassigned_lists_every_uncounted_input():
    pins = frame(
        "pins",
        [
            {"geometry": pt(50, 1)},
            {"geometry": pt(50, 500)},  # far away
            {"geometry": pt(50, 1), "status": "duplicate"},
            {"geometry": None},
        ],
    )
    lux = frame("lux", [{"geometry": pt(50, 1)}, {"geometry": pt(900, 900)}])
    incidents = frame(
        "incidents", [{"geometry": pt(60, 1), "occurred_at": AS_OF + pd.Timedelta(days=3)}]
    )
    result = prioritise(_segments(), pins=pins, lux=lux, incidents=incidents, as_of=AS_OF)
    got = sorted(
        zip(
            result.unassigned["source"],
            result.unassigned["source_id"],
            result.unassigned["reason"],
            strict=True,
        )
    )
    assert got == [
        ("incident", 1, "after_as_of"),
        ("lux", 2, "beyond_tolerance"),
        ("pin", 2, "beyond_tolerance"),
        ("pin", 3, "excluded_status"),
        ("pin", 4, "missing_geometry"),
    ]
    assert isinstance(result.unassigned, gpd.GeoDataFrame)
    assert result.unassigned.crs == _segments().crs


def test_green_area_fixes_from_reports_off_the_paths():
    parks = frame("green_areas", [{"geometry": box(0, 100, 200, 300), "name": "Stadsparken"}])
    findings = frame("findings", [{"geometry": box(50, 200, 80, 230), "category": "litter"}])
    result = prioritise(_segments(), green_areas=parks, findings=findings, as_of=AS_OF)
    fix = result.fixes.iloc[0]
    assert (fix["fix_type"], fix["place_kind"], fix["place_id"], fix["department"]) == (
        "clean",
        "green_area",
        1,
        "parks",
    )
    assert "Stadsparken" in fix["explanation"]


def test_input_validation_names_the_problem():
    segs = _segments()
    with pytest.raises(ValueError, match="as_of"):
        prioritise(segs, as_of=pd.Timestamp("2024-01-01"))
    with pytest.raises(ValueError, match=r"segments.crs"):
        prioritise(segs.to_crs(4326), as_of=AS_OF)
    with pytest.raises(ValueError, match=r"pins.crs"):
        prioritise(
            segs,
            pins=frame("pins", [{"geometry": pt(0, 0)}]).set_crs(3067, allow_override=True),
            as_of=AS_OF,
        )
    with pytest.raises(ValueError, match=r"pins is missing columns \['votes'\]"):
        prioritise(
            segs, pins=frame("pins", [{"geometry": pt(0, 0)}]).drop(columns="votes"), as_of=AS_OF
        )
    with pytest.raises(ValueError, match=r"pins.category"):
        prioritise(
            segs, pins=frame("pins", [{"geometry": pt(0, 0), "category": "ufo"}]), as_of=AS_OF
        )
    with pytest.raises(ValueError, match=r"lamps.geometry"):
        prioritise(segs, lamps=frame("lamps", [{"geometry": line((0, 0), (1, 1))}]), as_of=AS_OF)
    with pytest.raises(ValueError, match="params"):
        prioritise(segs, as_of=AS_OF, params={"snap_tolerance_m": 5})
    with pytest.raises(ValueError, match=r"segments.id"):
        prioritise(pd.concat([segs, segs]).pipe(gpd.GeoDataFrame), as_of=AS_OF)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("snap_tolerance_m", 0.0),
        ("half_life_days", -5.0),
        ("lamp_buffer_m", float("nan")),
        ("max_lamp_gap_m", float("inf")),
        ("vote_weight", -1.0),
        ("footfall_k", 0),
        ("footfall_floor", 1.5),
        ("risk_alpha", 0.0),
        ("shrub_height_m", (2.5, 0.7)),
        ("rr_bounds", (2.0, 3.0)),
        ("default_class", "P9"),
        ("timezone", "Mars/Olympus"),
        ("camera_quad_segs", 0),
    ],
)
def test_bad_params_raise_value_error_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=name):
        PriorityParams(**{name: value})


def test_bad_mapping_params():
    base = PriorityParams()
    with pytest.raises(ValueError, match="cost_classes"):
        dataclasses.replace(base, cost_classes={**base.cost_classes, "clean": 0})
    with pytest.raises(ValueError, match="relevance"):
        dataclasses.replace(base, relevance={"clean": {"ufo": (1.0, 1.0)}})
    with pytest.raises(ValueError, match="highway_class"):
        dataclasses.replace(base, highway_class={"footway": "Q1"})
    with pytest.raises(ValueError, match="source_weights"):
        dataclasses.replace(base, source_weights={"resident": 1.0})
