"""Property fixes: repair, lighting of the surroundings and alarm for the municipality's own
buildings, owned by the property's department, with reasons naming the counts."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from gis.priority.properties import PropertyFixParams, property_fixes
from tests.priority._builders import AS_OF, CRS, box, frame, pt

NIGHT = pd.Timestamp("2024-10-30T23:00:00", tz="Europe/Stockholm")
NOON = pd.Timestamp("2024-10-30T12:00:00", tz="Europe/Stockholm")


def properties() -> gpd.GeoDataFrame:
    """A school (40 m square at the origin) and a library 200 m east, each with a department."""
    return gpd.GeoDataFrame(
        {
            "id": [7, 8],
            "name": ["Västra skolan", "Biblioteket"],
            "kind": ["school", "library"],
            "department": ["property", "social"],
        },
        geometry=[box(0, 0, 40, 40), box(200, 0, 240, 40)],
        crs=CRS,
    )


def by_type(fixes: gpd.GeoDataFrame) -> dict[str, dict]:
    return {row["fix_type"]: row for row in fixes.to_dict("records")}


def test_damage_at_night_with_no_lamps_gives_repair_lighting_and_alarm():
    incidents = frame(
        "incidents",
        [
            {"geometry": pt(50, 20), "type": "vandalism", "occurred_at": NIGHT},  # 10 m east
            {"geometry": pt(20, 20), "type": "glass", "occurred_at": NIGHT},  # on it
            {"geometry": pt(80, 20), "type": "vandalism", "occurred_at": NIGHT},  # 40 m: not
        ],
    )
    fixes = property_fixes(properties(), incidents=incidents, as_of=AS_OF)
    found = by_type(fixes)
    assert set(found) == {"property_repair", "property_lighting", "property_alarm"}
    assert set(fixes["place_kind"]) == {"property"} and set(fixes["place_id"]) == {7}
    assert set(fixes["department"]) == {"property"}
    repair = found["property_repair"]
    reports = next(r for r in repair["reasons"] if r["code"] == "reports")
    assert reports["reports"] == 2 and reports["incident_ids"] == [1, 2]
    assert "2 report(s) of damage at Västra skolan" in repair["explanation"]
    lamps = next(r for r in found["property_lighting"]["reasons"] if r["code"] == "lamps_around")
    assert lamps["working"] == 0
    alarm = next(r for r in found["property_alarm"]["reasons"] if r["code"] == "night_incidents")
    assert alarm["count"] == 2
    assert list(fixes["rank"]) == [1, 2, 3]
    assert fixes["score"].is_monotonic_decreasing


def test_lamps_around_and_daytime_reports_propose_only_the_repair():
    incidents = frame(
        "incidents", [{"geometry": pt(220, 20), "type": "graffiti", "occurred_at": NOON}]
    )
    lamps = frame("lamps", [{"geometry": pt(210, 45)}, {"geometry": pt(230, 45)}])
    fixes = property_fixes(properties(), incidents=incidents, lamps=lamps, as_of=AS_OF)
    assert list(fixes["fix_type"]) == ["property_repair"]
    assert list(fixes["department"]) == ["social"]  # the library's own department


def test_night_pins_and_few_lamps_ask_for_lighting_not_an_alarm():
    pins = frame("pins", [{"geometry": pt(20, 45), "category": "hidden_place"}])
    lamps = frame("lamps", [{"geometry": pt(20, 50)}, {"geometry": pt(30, 50), "status": "broken"}])
    fixes = property_fixes(properties(), pins=pins, lamps=lamps, as_of=AS_OF)
    [lighting] = fixes.to_dict("records")
    assert lighting["fix_type"] == "property_lighting"
    lamps_reason = next(r for r in lighting["reasons"] if r["code"] == "lamps_around")
    assert (lamps_reason["working"], lamps_reason["broken"]) == (1, 1)


def test_no_reports_no_fixes_and_settings_are_checked():
    assert len(property_fixes(properties(), as_of=AS_OF)) == 0
    with pytest.raises(ValueError, match="min_lamps"):
        PropertyFixParams(min_lamps=0)
    with pytest.raises(ValueError, match="properties lacks"):
        property_fixes(properties().drop(columns="department"), as_of=AS_OF)
