"""Before/after comparison of a place around an intervention date."""

import pandas as pd
import pytest

from gis.priority.followup import METRICS, before_after
from tests.priority._builders import AS_OF, box, frame, line, pt

DATE = pd.Timestamp("2024-06-01", tz="Europe/Stockholm")
DAY = pd.Timedelta(days=1)


def _segments():
    return frame(
        "segments", [{"geometry": line((0, 0), (100, 0))}, {"geometry": line((0, 100), (100, 100))}]
    )


def test_reports_lux_and_audits_over_matching_windows():
    pins = frame(
        "pins",
        [
            {"geometry": pt(10, 1), "created_at": DATE - 10 * DAY},
            {"geometry": pt(20, 1), "created_at": DATE - 50 * DAY, "when": "day"},
            {"geometry": pt(30, 1), "created_at": DATE - 200 * DAY},  # outside the window
            {"geometry": pt(40, 1), "created_at": DATE + 20 * DAY},
            {"geometry": pt(40, 99), "created_at": DATE + 20 * DAY},  # other segment
        ],
    )
    lux = frame(
        "lux",
        [
            {"geometry": pt(50, 1), "lux": 1.0, "measured_at": DATE - 5 * DAY},
            {"geometry": pt(60, 1), "lux": 3.0, "measured_at": DATE - 6 * DAY},
            {"geometry": pt(50, 1), "lux": 8.0, "measured_at": DATE + 5 * DAY},
        ],
    )
    audits = pd.DataFrame(
        {
            "place_id": [1, 1, 2],
            "score": [2.0, 4.0, 5.0],
            "audited_at": [DATE - 30 * DAY, DATE + 30 * DAY, DATE + 30 * DAY],
        }
    )
    out = before_after(
        1,
        DATE,
        segments=_segments(),
        pins=pins,
        lux=lux,
        audits=audits,
        window_days=90,
        as_of=AS_OF,
    )
    assert list(out.index) == list(METRICS)
    months = 90 / (365.25 / 12)
    assert out.loc["reports_per_month", "before"] == pytest.approx(2 / months)
    assert out.loc["reports_per_month", "after"] == pytest.approx(1 / months)
    assert out.loc["night_reports_per_month", "before"] == pytest.approx(1 / months)
    assert out.loc["mean_lux", ["before", "after"]].tolist() == [2.0, 8.0]
    assert out.loc["mean_lux", "change"] == 6.0
    assert out.loc["mean_audit_score", ["before", "after", "n_before"]].tolist() == [2.0, 4.0, 1]


def test_after_window_is_shortened_to_as_of_and_before_matches():
    pins = frame("pins", [{"geometry": pt(10, 1), "created_at": DATE - 40 * DAY}])
    out = before_after(
        1, DATE, segments=_segments(), pins=pins, window_days=365, as_of=DATE + 30 * DAY
    )
    assert out.attrs["window_days"] == pytest.approx(30.0)
    assert out.loc["reports_per_month", "n_before"] == 0  # 40 days back is outside 30


def test_green_area_place():
    parks = frame("green_areas", [{"geometry": box(0, 300, 100, 400)}])
    lux = frame("lux", [{"geometry": pt(50, 350), "lux": 4.0, "measured_at": DATE + DAY}])
    out = before_after(
        1,
        DATE,
        segments=_segments(),
        green_areas=parks,
        lux=lux,
        place_kind="green_area",
        window_days=30,
        as_of=AS_OF,
    )
    assert out.loc["mean_lux", "after"] == 4.0
    assert pd.isna(out.loc["mean_lux", "before"])


def test_bad_parameters():
    segs = _segments()
    with pytest.raises(ValueError, match="window_days"):
        before_after(1, DATE, segments=segs, window_days=0)
    with pytest.raises(ValueError, match="place_id"):
        before_after(99, DATE, segments=segs)
    with pytest.raises(ValueError, match="as_of"):
        before_after(1, DATE, segments=segs, as_of=DATE - DAY)
    with pytest.raises(ValueError, match="place_kind"):
        before_after(1, DATE, segments=segs, place_kind="park")
