"""Report weights, recency decay and per-place demand."""

import numpy as np
import pandas as pd
import pytest

from gis.priority.demand import decay_weight, demand_summary, place_links, report_items
from gis.priority.params import PriorityParams
from gis.priority.snapping import snap_features
from tests.priority._builders import AS_OF, frame, line, pt

DAY = pd.Timedelta(days=1)


def _items(pins=(), findings=(), incidents=(), params=None):
    return report_items(
        frame("pins", list(pins)),
        frame("findings", list(findings)),
        frame("incidents", list(incidents)),
        as_of=AS_OF,
        params=params or PriorityParams(),
    )


def test_half_life_halves_the_weight():
    w = decay_weight(np.array([0.0, 30.0, 60.0, 90.0]), 30.0)
    np.testing.assert_allclose(w, [1.0, 0.5, 0.25, 0.125])
    with pytest.raises(ValueError, match="half_life_days"):
        decay_weight(1.0, 0.0)


def test_pin_weight_from_age_votes_and_severity():
    params = PriorityParams(half_life_days=100.0, vote_weight=0.5)
    items, excluded = _items(
        pins=[
            {"geometry": pt(0, 0), "created_at": AS_OF - 100 * DAY},
            {"geometry": pt(0, 0), "votes": 3},
            {"geometry": pt(0, 0), "created_at": AS_OF - 200 * DAY, "votes": 1},
        ],
        findings=[{"geometry": pt(0, 0), "severity": 5}],
        params=params,
    )
    w = items.set_index("item_key")["weight"]
    assert w["pin:1"] == pytest.approx(0.5)
    assert w["pin:2"] == pytest.approx(2.0)  # 1 + 0.5 * log2(4)
    assert w["pin:3"] == pytest.approx(0.25 * 1.5)
    assert w["finding:1"] == pytest.approx(5 / 3)
    assert len(excluded) == 0


def test_incident_source_weight_and_period_from_local_hour():
    tz = "Europe/Stockholm"
    items, _ = _items(
        incidents=[
            {
                "geometry": pt(0, 0),
                "source": "guard",
                "occurred_at": pd.Timestamp("2024-10-31T12:00", tz=tz),
            },
            {
                "geometry": pt(0, 0),
                "source": "police",
                "occurred_at": pd.Timestamp("2024-10-31T18:30", tz=tz),
            },
            {
                "geometry": pt(0, 0),
                "source": "police",
                "type": "illegal_driving",
                "occurred_at": pd.Timestamp("2024-10-31T06:00", tz="UTC"),
            },  # 07:00 local
        ],
        params=PriorityParams(half_life_days=1e9),
    )
    assert items["period"].tolist() == ["day", "night", "day"]
    assert items["weight"].tolist() == pytest.approx([0.8, 1.0, 1.0], rel=1e-6)
    assert items["category"].tolist() == ["other", "other", "traffic"]


def test_excluded_and_future_reports_are_listed_with_reason():
    _, excluded = _items(
        pins=[
            {"geometry": pt(0, 0), "status": "rejected"},
            {"geometry": pt(0, 0), "created_at": AS_OF + DAY},
            {"geometry": pt(0, 0)},
        ]
    )
    assert excluded["source_id"].tolist() == [1, 2]
    assert excluded["reason"].tolist() == ["excluded_status", "after_as_of"]


def test_naive_dates_and_bad_severity_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        _items(pins=[{"geometry": pt(0, 0), "created_at": pd.Timestamp("2024-01-01")}])
    with pytest.raises(ValueError, match=r"findings.severity"):
        _items(findings=[{"geometry": pt(0, 0), "severity": 9}])
    with pytest.raises(ValueError, match="as_of"):
        report_items(
            frame("pins", []),
            frame("findings", []),
            frame("incidents", []),
            as_of=pd.Timestamp("2024-01-01"),
            params=PriorityParams(),
        )


def test_demand_summary_splits_day_and_night_per_segment():
    segs = frame(
        "segments", [{"geometry": line((0, 0), (100, 0))}, {"geometry": line((0, 100), (100, 100))}]
    )
    items, _ = _items(
        pins=[
            {"geometry": pt(10, 1), "when": "day", "category": "litter"},
            {"geometry": pt(20, 1), "when": "evening"},
            {"geometry": pt(30, 1), "when": "night", "votes": 1},
        ]
    )
    feats = frame("lamps", [{"geometry": g} for g in items.geometry])
    feats["id"] = items["item_key"].to_numpy()
    links = place_links(items, snap_features(feats, segs, tolerance_m=25.0).assignment)
    summary = demand_summary(links, segs["id"], "segment")
    assert summary.loc[1, "demand_day"] == pytest.approx(1.0)
    assert summary.loc[1, "demand_night"] == pytest.approx(2.5)
    assert summary.loc[1, "night_reports"] == pytest.approx(2.0)
    assert summary.loc[1, "demand_litter"] == pytest.approx(1.0)
    assert summary.loc[2].sum() == 0.0
    with pytest.raises(ValueError, match="place_kind"):
        demand_summary(links, segs["id"], "park")
