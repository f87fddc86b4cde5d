"""Snapping of reports to segments and green areas."""

import numpy as np
import pytest

from gis.priority.snapping import nearest_segment, segment_green_area, snap_features
from tests.priority._builders import box, frame, line, pt


@pytest.fixture
def segments():
    return frame(
        "segments",
        [
            {"geometry": line((0, 0), (100, 0))},
            {"geometry": line((100, 0), (200, 0))},
            {"geometry": line((0, 60), (200, 60))},
        ],
    )


def _features(geoms):
    return frame("lamps", [{"geometry": g} for g in geoms])  # any frame with id + geometry


def test_point_goes_to_nearest_segment_and_far_point_is_unassigned(segments):
    feats = _features([pt(50, 10), pt(150, 40), pt(50, 500)])
    result = snap_features(feats, segments, tolerance_m=25.0)
    got = result.assignment.set_index("feature_id")
    assert got.loc[1, "place_id"] == 1
    assert got.loc[1, "distance_m"] == pytest.approx(10.0)
    assert got.loc[2, "place_id"] == 3  # 20 m from segment 3, 40 m from segment 2
    assert got["share"].tolist() == [1.0, 1.0]
    assert result.unassigned["feature_id"].tolist() == [3]
    assert result.unassigned["reason"].tolist() == ["beyond_tolerance"]


def test_tie_between_two_segments_splits_the_report(segments):
    result = snap_features(_features([pt(100, 10)]), segments, tolerance_m=25.0)
    assert sorted(result.assignment["place_id"]) == [1, 2]
    assert result.assignment["share"].tolist() == [0.5, 0.5]


def test_missing_geometry_is_reported_not_dropped(segments):
    result = snap_features(_features([None, pt(10, 1)]), segments, tolerance_m=25.0)
    assert result.unassigned["feature_id"].tolist() == [1]
    assert result.unassigned["reason"].tolist() == ["missing_geometry"]


def test_line_shares_are_length_weighted(segments):
    # 80 m along segment 1 (x 20..100) and 50 m along segment 2 (x 100..150), 2 m off the path
    result = snap_features(_features([line((20, 2), (150, 2))]), segments, tolerance_m=25.0)
    shares = result.assignment.set_index("place_id")["share"]
    assert shares.loc[1] == pytest.approx(80 / 130)
    assert shares.loc[2] == pytest.approx(50 / 130)
    assert 3 not in shares.index


def test_area_shares_follow_segment_length_inside_and_name_the_park(segments):
    parks = frame("green_areas", [{"geometry": box(-50, -50, 300, 30)}])
    # covers 70 m of segment 1 (x 30..100) and 30 m of segment 2 (x 100..130)
    result = snap_features(_features([box(30, -10, 130, 10)]), segments, parks, tolerance_m=25.0)
    prim = result.assignment[result.assignment["role"] == "primary"].set_index("place_id")
    assert prim.loc[1, "share"] == pytest.approx(0.7)
    assert prim.loc[2, "share"] == pytest.approx(0.3)
    ctx = result.assignment[result.assignment["role"] == "context"]
    assert ctx["place_kind"].tolist() == ["green_area"]
    assert ctx["share"].tolist() == pytest.approx([1.0])


def test_area_without_paths_falls_back_to_green_areas_by_area():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    parks = frame(
        "green_areas",
        [
            {"geometry": box(0, 100, 100, 200)},
            {"geometry": box(100, 100, 200, 200)},
        ],
    )
    feats = _features([box(50, 150, 200, 180)])  # 50 m wide in park 1, 100 m in park 2
    result = snap_features(feats, segs, parks, tolerance_m=25.0)
    got = result.assignment.set_index("place_id")
    assert set(got["place_kind"]) == {"green_area"}
    assert got.loc[1, "share"] == pytest.approx(1 / 3)
    assert got.loc[2, "share"] == pytest.approx(2 / 3)
    assert len(result.unassigned) == 0


def test_point_in_park_beyond_tolerance_goes_to_the_park(segments):
    parks = frame("green_areas", [{"geometry": box(0, 200, 100, 300)}])
    result = snap_features(_features([pt(50, 250)]), segments, parks, tolerance_m=25.0)
    assert result.assignment[["place_kind", "place_id"]].values.tolist() == [["green_area", 1]]


def test_segment_green_area_by_majority_of_length(segments):
    parks = frame("green_areas", [{"geometry": box(-10, -10, 160, 10)}])
    got = segment_green_area(segments, parks, min_share=0.5)
    assert got.tolist() == [1, 1, None]  # segment 2 is 60 % inside


def test_nearest_segment_rejects_bad_distance(segments):
    with pytest.raises(ValueError, match="max_distance_m"):
        nearest_segment(segments.geometry, segments, max_distance_m=0)


def test_snap_rejects_bad_tolerance(segments):
    with pytest.raises(ValueError, match="tolerance_m"):
        snap_features(_features([pt(0, 0)]), segments, tolerance_m=-5)


def test_empty_inputs(segments):
    result = snap_features(_features([]), segments, tolerance_m=25.0)
    assert len(result.assignment) == 0 and len(result.unassigned) == 0
    empty_segments = frame("segments", [])
    result = snap_features(_features([pt(0, 0)]), empty_segments, tolerance_m=25.0)
    assert result.unassigned["reason"].tolist() == ["beyond_tolerance"]
    assert np.all(result.assignment["share"] >= 0)
