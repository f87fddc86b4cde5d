"""Small constructed inputs for the prioritisation tests (EPSG:3006, metres)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from gis.priority._schema import COLUMNS

CRS = "EPSG:3006"
AS_OF = pd.Timestamp("2024-11-01T12:00:00", tz="Europe/Stockholm")
X0, Y0 = 670_000.0, 6_580_000.0  # somewhere in Uppsala

_DEFAULTS = {
    "segments": {
        "osm_id": None,
        "u": None,
        "v": None,
        "highway": "footway",
        "lit": None,
        "length_m": float("nan"),
    },
    "green_areas": {"name": "park"},
    "pins": {
        "category": "lighting",
        "when": "night",
        "created_at": AS_OF,
        "votes": 0,
        "status": "open",
    },
    "findings": {"category": "lighting", "severity": 3, "when": "night", "created_at": AS_OF},
    "incidents": {
        "type": "other",
        "source": "police",
        "occurred_at": pd.Timestamp("2024-10-30T23:00:00", tz="Europe/Stockholm"),
    },
    "lux": {"lux": 10.0, "measured_at": AS_OF},
    "lamps": {"status": "working"},
    "vegetation": {"kind": "scrub", "height_m": float("nan"), "blocks_sightline": False},
    "cameras": {"direction_deg": float("nan"), "fov_deg": 90.0, "range_m": 30.0},
}


def pt(x: float, y: float) -> shapely.Point:
    """A point at local coordinates (metres from the origin X0, Y0)."""
    return shapely.Point(X0 + x, Y0 + y)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    """A line through local coordinates."""
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle in local coordinates."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def frame(kind: str, rows: list[dict]) -> gpd.GeoDataFrame:
    """An input frame of ``kind``; each row gives ``geometry`` and overrides of the defaults."""
    records = []
    for i, row in enumerate(rows, start=1):
        rec = {"id": i, **_DEFAULTS[kind], **row}
        records.append(rec)
    cols = ["id", *[c for c in COLUMNS[kind] if c != "id"]]
    if not records:
        data = {c: pd.Series([], dtype=object) for c in cols}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    df = pd.DataFrame(records)
    geometry = gpd.GeoSeries(df.pop("geometry").tolist(), crs=CRS)
    out = gpd.GeoDataFrame(df, geometry=geometry.values, crs=CRS)
    if kind == "segments":
        out["length_m"] = out["length_m"].fillna(out.geometry.length)
    return out[[*cols, "geometry"]]
