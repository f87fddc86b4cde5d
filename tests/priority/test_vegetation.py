"""Vegetation within the sightline buffer and sightline flags."""

import pytest

from gis.priority.vegetation import blocks_sightline, vegetation_evidence
from tests.priority._builders import box, frame, line, pt


def test_sightline_buffer_and_flags():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    veg = frame(
        "vegetation",
        [
            {"geometry": pt(50, 2.9), "kind": "scrub", "height_m": 1.5},  # 1 near, flagged
            {"geometry": pt(50, 3.1), "kind": "hedge", "height_m": 1.5},  # 2 outside 3 m
            {"geometry": pt(20, 1), "kind": "tree", "height_m": 10.0},  # 3 near, crown high
            {"geometry": pt(70, -2), "kind": "tree", "blocks_sightline": True},  # 4 flagged
            {"geometry": pt(80, 1), "kind": "scrub", "height_m": 3.0},  # 5 taller than eye level
            {"geometry": pt(90, 1), "kind": "scrub"},  # 6 unknown height
            {
                "geometry": box(30, 2, 40, 10),
                "kind": "hedge",
                "height_m": 0.7,
            },  # 7 polygon, flagged
        ],
    )
    ev = vegetation_evidence(segs, veg, buffer_m=3.0)
    assert ev["veg_near"].tolist() == [6]
    assert ev["veg_flagged"].tolist() == [3]
    assert sorted(ev["veg_flagged_ids"].iloc[0]) == [1, 4, 7]


def test_height_range_is_inclusive():
    veg = frame(
        "vegetation",
        [{"geometry": pt(0, 0), "kind": "scrub", "height_m": h} for h in (0.69, 0.7, 2.5, 2.51)],
    )
    assert blocks_sightline(veg, shrub_height_m=(0.7, 2.5)).tolist() == [False, True, True, False]


def test_bad_parameters():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    with pytest.raises(ValueError, match="buffer_m"):
        vegetation_evidence(segs, frame("vegetation", []), buffer_m=0)
    with pytest.raises(ValueError, match="shrub_height_m"):
        blocks_sightline(frame("vegetation", []), shrub_height_m=(2.5, 0.7))


def test_empty_vegetation():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    ev = vegetation_evidence(segs, frame("vegetation", []))
    assert ev["veg_near"].tolist() == [0] and ev["veg_flagged_ids"].tolist() == [[]]
