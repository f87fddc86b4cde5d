"""The basemap's features of an OpenStreetMap extract: buildings, water, land use, parks and
other green areas, railways and named places, classified into the basemap's layers.

Read from the same extract as the other layers (:mod:`layers.osm`), with pyrosm for .osm.pbf
and osmnx for .osm XML. The result is one GeoDataFrame in WGS 84 (EPSG:4326) with columns
``source_id`` ("way/123"), ``layer`` (one of LAYERS), ``kind`` (the OSM tag value, e.g.
"residential", "tram") and ``name``. Street names are not read here: the street labels come
from the stored street segments.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

WGS84 = "EPSG:4326"
#: The stored basemap layers (the tiles add `road` and `road_label` from the street segments).
LAYERS = ("water", "landuse", "park", "building", "rail", "place")

PARK = {
    "leisure": {"park", "garden", "playground", "nature_reserve", "dog_park", "common"},
    "landuse": {"grass", "recreation_ground", "village_green", "meadow", "forest", "cemetery"},
    "natural": {"wood", "grassland", "scrub", "heath"},
}
WATER = {
    "natural": {"water", "bay", "strait"},
    "waterway": {"riverbank", "dock", "canal"},
    "landuse": {"reservoir", "basin"},
}
RAIL = {"rail", "tram", "light_rail", "subway", "narrow_gauge", "monorail", "funicular"}
PLACE = {"suburb", "quarter", "neighbourhood", "square", "locality", "island", "islet"}
#: The OSM keys the basemap is read by: a feature with one of them is a candidate.
FILTER: dict[str, list[str] | bool] = {
    "building": True,
    "landuse": True,
    "leisure": sorted(PARK["leisure"]),
    "natural": sorted(PARK["natural"] | WATER["natural"]),
    "waterway": sorted(WATER["waterway"]),
    "railway": sorted(RAIL),
    "place": sorted(PLACE),
}
_KEYS = ("building", "landuse", "leisure", "natural", "waterway", "railway", "place", "name")
_AREAS = {"Polygon", "MultiPolygon"}
_LINES = {"LineString", "MultiLineString"}


def classify(tags: dict, geom_type: str) -> tuple[str, str] | None:
    """The (layer, kind) of a feature by its tags and geometry type, or None if not drawn."""
    if geom_type in _AREAS:
        for key, values in WATER.items():
            if tags.get(key) in values:
                return "water", tags[key]
        for key, values in PARK.items():
            if tags.get(key) in values:
                return "park", tags[key]
        building = tags.get("building")
        if building and building != "no":
            return "building", building
        if tags.get("landuse"):
            return "landuse", tags["landuse"]
    if geom_type in _LINES and tags.get("railway") in RAIL:
        return "rail", tags["railway"]
    if tags.get("place") in PLACE and tags.get("name"):
        return "place", tags["place"]
    return None


def empty() -> gpd.GeoDataFrame:
    """A basemap frame with no rows."""
    columns = {"source_id": [], "layer": [], "kind": [], "name": []}
    return gpd.GeoDataFrame(columns, geometry=[], crs=WGS84)


def _frame(records: list[dict], geometries: list) -> gpd.GeoDataFrame:
    if not records:
        return empty()
    return gpd.GeoDataFrame(pd.DataFrame.from_records(records), geometry=geometries, crs=WGS84)


def _classified(rows: list[tuple[str, dict, object]]) -> gpd.GeoDataFrame:
    """(source_id, tags, shapely geometry) rows, classified; the unclassified are dropped."""
    records, geometries, seen = [], [], set()
    for source_id, tags, geometry in rows:
        if geometry is None or geometry.is_empty or source_id in seen:
            continue
        found = classify(tags, geometry.geom_type)
        if found is None:
            continue
        seen.add(source_id)
        layer, kind = found
        if layer == "place" and geometry.geom_type != "Point":
            geometry = geometry.representative_point()  # a label's anchor inside the area
        name = str(tags.get("name") or "")[:200]
        records.append({"source_id": source_id, "layer": layer, "kind": kind[:32], "name": name})
        geometries.append(geometry)
    return _frame(records, geometries)


def _row_tags(row: dict) -> dict:
    tags = row.get("tags")
    if isinstance(tags, str):
        try:
            tags = json.loads(tags)
        except ValueError:
            tags = {}
    tags = dict(tags) if isinstance(tags, dict) else {}
    for key in _KEYS:
        if isinstance(row.get(key), str):
            tags.setdefault(key, row[key])
    return tags


def read_pbf(osm) -> gpd.GeoDataFrame:
    """The basemap features of a `pyrosm.OSM` extract."""
    frame = osm.get_data_by_custom_criteria(custom_filter=FILTER)
    if frame is None or len(frame) == 0:
        return empty()
    rows = [
        (f"{row['osm_type']}/{row['id']}", _row_tags(row), geometry)
        for row, geometry in zip(
            frame.drop(columns="geometry").to_dict("records"), frame.geometry, strict=True
        )
    ]
    return _classified(rows)


def read_xml(path: Path) -> gpd.GeoDataFrame:
    """The basemap features of an .osm XML file (with osmnx)."""
    import osmnx as ox

    try:
        found = ox.features_from_xml(path, tags=FILTER).reset_index()
    except Exception:  # osmnx raises when no feature matches
        return empty()
    rows = []
    for row, geometry in zip(
        found.drop(columns="geometry").to_dict("records"), found.geometry, strict=True
    ):
        tags = {k: v for k, v in row.items() if isinstance(v, str) and k not in {"element", "id"}}
        rows.append((f"{row['element']}/{row['id']}", tags, geometry))
    return _classified(rows)
