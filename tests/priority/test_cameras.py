"""Camera viewsheds and coverage."""

import math

import numpy as np
import pytest
import shapely

from gis.priority.cameras import camera_coverage, viewsheds
from tests.priority._builders import frame, line, pt


def _shed(**row):
    cams = frame("cameras", [{"geometry": pt(0, 0), **row}])
    return viewsheds(cams).iloc[0]


def test_sector_contains_points_inside_only():
    shed = _shed(direction_deg=90.0, fov_deg=90.0, range_m=50.0)  # looking east
    inside = [pt(30, 0), pt(30, 25), pt(30, -25), pt(48, 0)]
    outside = [pt(0, 30), pt(-30, 0), pt(20, 30), pt(60, 0), pt(0, -30)]
    assert all(shapely.contains(shed, p) for p in inside)
    assert not any(shapely.contains(shed, p) for p in outside)
    assert shed.area == pytest.approx(math.pi * 50**2 / 4, rel=0.01)


def test_sector_across_north():
    shed = _shed(direction_deg=350.0, fov_deg=40.0, range_m=20.0)
    assert shapely.contains(shed, pt(2, 15))  # bearing ~8 deg
    assert shapely.contains(shed, pt(-8, 15))  # bearing ~332 deg
    assert not shapely.contains(shed, pt(10, 10))  # bearing 45 deg


@pytest.mark.parametrize(
    "row",
    [
        {"direction_deg": float("nan"), "fov_deg": float("nan")},
        {"direction_deg": 0.0, "fov_deg": 360.0},
    ],
)
def test_full_circle(row):
    shed = _shed(range_m=30.0, **row)
    for p in (pt(0, 25), pt(25, 0), pt(0, -25), pt(-25, 0)):
        assert shapely.contains(shed, p)
    assert not shapely.contains(shed, pt(0, 31))
    assert shed.area == pytest.approx(math.pi * 900, rel=0.01)


def test_coverage_share_counts_overlap_once():
    segs = frame(
        "segments",
        [
            {"geometry": line((0, 0), (100, 0))},
            {"geometry": line((0, 500), (100, 500))},
        ],
    )
    cams = frame(
        "cameras",
        [
            {"geometry": pt(0, 0), "range_m": 30.0},
            {"geometry": pt(10, 0), "range_m": 30.0},
        ],
    )
    share = camera_coverage(segs, cams)
    assert share.tolist() == pytest.approx([0.4, 0.0], abs=1e-6)


def test_bad_cameras_and_parameters():
    with pytest.raises(ValueError, match="range_m"):
        _shed(range_m=0.0)
    with pytest.raises(ValueError, match="fov_deg"):
        _shed(direction_deg=10.0, fov_deg=0.0)
    with pytest.raises(ValueError, match="quad_segs"):
        viewsheds(frame("cameras", [{"geometry": pt(0, 0)}]), quad_segs=0)


def test_no_cameras():
    segs = frame("segments", [{"geometry": line((0, 0), (100, 0))}])
    assert np.array_equal(camera_coverage(segs, frame("cameras", [])).to_numpy(), [0.0])
