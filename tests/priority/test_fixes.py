"""Fix generation, routing, scoring, ranking and explanations."""

import json

import pandas as pd
import pytest

from gis.priority.fixes import build_fixes
from gis.priority.params import PriorityParams
from gis.priority.pipeline import prioritise
from gis.priority.risk import RISK_COLUMNS
from tests.priority._builders import AS_OF, box, frame, line, pt


def _star_with_dead_end():
    """A busy spine (segments 1-4) and a quiet dead-end spur (segment 5) off its end."""
    rows = [{"geometry": line((i * 100, 0), ((i + 1) * 100, 0))} for i in range(4)]
    rows += [{"geometry": line((400, 0), (400, 100)), "lit": "yes"}]
    rows += [{"geometry": line((i * 100, 0), (i * 100, -100))} for i in range(4)]  # side streets
    return frame("segments", rows)


def _fix(result, fix_type, place_id, place_kind="segment"):
    f = result.fixes
    sel = f[
        (f["fix_type"] == fix_type) & (f["place_id"] == place_id) & (f["place_kind"] == place_kind)
    ]
    assert len(sel) == 1, f"expected one {fix_type} on {place_kind} {place_id}"
    return sel.iloc[0]


def test_dark_busy_path_outranks_lit_quiet_one():
    segs = _star_with_dead_end()
    segs.loc[segs["id"] == 2, "lit"] = "no"
    pins = frame(
        "pins",
        [{"geometry": pt(150, 3), "when": "evening"} for _ in range(5)]
        + [{"geometry": pt(403, 60), "when": "evening"}],
    )
    lux = frame("lux", [{"geometry": pt(401, 50), "lux": 2.0}])  # below P4 average: under-lit
    result = prioritise(segs, pins=pins, lux=lux, as_of=AS_OF)
    busy, quiet = _fix(result, "add_lighting", 2), _fix(result, "add_lighting", 5)
    assert busy["rank"] < quiet["rank"]
    assert busy["score"] > quiet["score"] > 0
    ev = result.evidence.set_index("segment_id")
    assert ev.loc[2, "footfall"] > ev.loc[5, "footfall"]
    assert ev.loc[2, "lighting_verdict"] == "dark" and ev.loc[5, "lighting_verdict"] == "under_lit"
    assert result.fixes["rank"].tolist() == list(range(1, len(result.fixes) + 1))


def test_vegetation_causes_go_to_parks_and_clean_in_parks_too():
    segs = frame(
        "segments",
        [
            {"geometry": line((0, 0), (100, 0))},  # in the park
            {"geometry": line((100, 0), (200, 300))},  # a street outside
        ],
    )
    parks = frame("green_areas", [{"geometry": box(-20, -20, 100, 20), "name": "Ekparken"}])
    veg = frame("vegetation", [{"geometry": pt(50, 2), "kind": "scrub", "height_m": 1.6}])
    pins = frame(
        "pins",
        [
            {"geometry": pt(50, 5), "category": "vegetation", "when": "evening"},
            {"geometry": pt(60, 5), "category": "graffiti", "when": "day"},
            {"geometry": pt(150, 150), "category": "vegetation", "when": "day"},
            {"geometry": pt(152, 150), "category": "litter", "when": "day"},
        ],
    )
    result = prioritise(segs, green_areas=parks, vegetation=veg, pins=pins, as_of=AS_OF)
    in_park = _fix(result, "clear_vegetation", 1)
    assert in_park["department"] == "parks"
    assert _fix(result, "clear_vegetation", 2)["department"] == "parks"
    assert _fix(result, "clean", 1)["department"] == "parks"
    assert _fix(result, "clean", 2)["department"] == "street"
    codes = {r["code"]: r for r in in_park["reasons"]}
    assert codes["vegetation"]["vegetation_ids"] == [1]
    assert codes["in_green_area"] == {
        "code": "in_green_area",
        "green_area_id": 1,
        "name": "Ekparken",
    }
    assert set(result.fixes["department"]) <= {
        "street",
        "parks",
        "property",
        "housing",
        "police",
        "social",
    }


def test_explanations_name_their_evidence_ids():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    pins = frame("pins", [{"geometry": pt(30, 2)}, {"geometry": pt(60, 2)}])
    findings = frame("findings", [{"geometry": line((10, 1), (90, 1)), "severity": 4}])
    lux = frame("lux", [{"geometry": pt(20, 1), "lux": 0.2}, {"geometry": pt(70, 1), "lux": 0.4}])
    lamps = frame("lamps", [{"geometry": pt(x, 3), "status": "broken"} for x in (30, 70)])
    result = prioritise(segs, pins=pins, findings=findings, lux=lux, lamps=lamps, as_of=AS_OF)
    repair = _fix(result, "repair_lamps", 1)
    reasons = {r["code"]: r for r in repair["reasons"]}
    assert reasons["reports"]["pin_ids"] == [1, 2]
    assert reasons["reports"]["finding_ids"] == [1]
    assert reasons["lighting"]["reading_ids"] == [1, 2]
    assert reasons["broken_lamps"]["lamp_ids"] == [1, 2]
    text = repair["explanation"]
    assert "pins 1, 2" in text and "findings 1" in text and "readings 1, 2" in text
    assert "lamps 1, 2" in text
    json.dumps(result.fixes["reasons"].tolist())  # structured reasons are plain JSON
    # the broken lamps explain the darkness (no gap once repaired): no add_lighting
    assert "add_lighting" not in set(result.fixes["fix_type"])


def test_referrals_and_redesign_are_generated_and_routed():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    pins = frame(
        "pins",
        [
            {"geometry": pt(10, 1), "category": "traffic"},
            {"geometry": pt(20, 1), "category": "gathering"},
            {"geometry": pt(30, 1), "category": "hidden_place"},
        ],
    )
    incidents = frame(
        "incidents", [{"geometry": pt(40, 1), "source": "housing_company", "type": "fire"}]
    )
    result = prioritise(segs, pins=pins, incidents=incidents, as_of=AS_OF)
    routed = dict(zip(result.fixes["fix_type"], result.fixes["department"], strict=True))
    assert routed == {
        "refer_police": "police",
        "refer_social": "social",
        "redesign": "street",
        "refer_housing": "housing",
    }
    reasons = {r["code"]: r for r in _fix(result, "refer_housing", 1)["reasons"]}
    assert reasons["reports"]["incident_ids"] == [1]


def test_repair_lamps_listed_without_reports_and_scores_follow_the_formula():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    lamps = frame("lamps", [{"geometry": pt(50, 3), "status": "broken"}])
    result = prioritise(segs, lamps=lamps, as_of=AS_OF)
    fix = _fix(result, "repair_lamps", 1)
    assert fix["score"] == 0.0 and fix["cost_class"] == 1
    params = PriorityParams(footfall_floor=0.5)
    pins = frame("pins", [{"geometry": pt(50, 1), "votes": 1}])
    segs.loc[0, "lit"] = "no"
    result = prioritise(segs, pins=pins, as_of=AS_OF, params=params)
    fix = _fix(result, "add_lighting", 1)
    # demand 1.5 (one vote) * footfall factor 1.0 (the only edge) * rr 1 / cost 3
    assert fix["score"] == pytest.approx(1.5 * 1.0 / 3)


def test_significant_relative_risk_scales_the_score():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0)), "lit": "no"}])
    pins = frame("pins", [{"geometry": pt(50, 1)}])
    result = prioritise(segs, pins=pins, as_of=AS_OF)
    params = result.params

    def rerun(rr, p):
        risk = pd.DataFrame(
            [
                {
                    "covariate": "under_lit",
                    "coef": 0.0,
                    "relative_risk": rr,
                    "ci_low": 0.0,
                    "ci_high": 0.0,
                    "p_value": p,
                    "model": "poisson",
                    "n": 1,
                    "note": "",
                }
            ],
            columns=list(RISK_COLUMNS),
        )
        fixes = build_fixes(
            result.evidence,
            result.green_evidence,
            result.links,
            risk,
            segment_geometry=segs.geometry,
            green_geometry=frame("green_areas", []).geometry,
            params=params,
        )
        return fixes.set_index("fix_type").loc["add_lighting", "score"]

    base = rerun(1.0, 0.5)
    assert rerun(2.0, 0.001) == pytest.approx(2 * base)
    assert rerun(2.0, 0.3) == pytest.approx(base)  # not significant: ignored
    assert rerun(10.0, 0.001) == pytest.approx(params.rr_bounds[1] * base)
