"""Municipal properties derived from an OpenStreetMap extract, for the demo and for a
municipality without its property register at hand: buildings and grounds tagged as schools,
preschools, libraries, youth and community centres, sports halls, town halls and the like.

OSM does not say who owns a building, so this is an approximation: the property register
(``trygg import properties``) is the real source. Read with pyrosm for .osm.pbf and osmnx for
.osm XML, like the other layers (:mod:`layers.osm`). The result is a GeoDataFrame in WGS 84
(EPSG:4326) with ``source_id`` ("way/123"), ``name`` and ``kind`` (a
:class:`layers.models.Property.Kind` value); only areas (polygons) are kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

WGS84 = "EPSG:4326"

#: OSM tag → property kind, tried in this order (the first that matches decides).
KINDS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "amenity",
        {
            "school": "school",
            "college": "school",
            "kindergarten": "preschool",
            "childcare": "preschool",
            "library": "library",
            "community_centre": "youth_centre",
            "youth_centre": "youth_centre",
            "arts_centre": "culture",
            "theatre": "culture",
            "townhall": "office",
            "social_facility": "care",
            "nursing_home": "care",
        },
    ),
    ("leisure", {"sports_hall": "sports_hall", "sports_centre": "sports_hall"}),
    (
        "building",
        {
            "school": "school",
            "kindergarten": "preschool",
            "sports_hall": "sports_hall",
            "library": "library",
            "civic": "office",
            "public": "office",
        },
    ),
)
#: The OSM keys and values the extract is read by.
FILTER: dict[str, list[str]] = {key: sorted(values) for key, values in KINDS}
_AREAS = {"Polygon", "MultiPolygon"}


def property_kind(tags: dict) -> str | None:
    """The property kind of a feature by its OSM tags, or None when it is not one."""
    for key, values in KINDS:
        kind = values.get(tags.get(key, ""))
        if kind:
            return kind
    return None


def empty() -> gpd.GeoDataFrame:
    """A properties frame with no rows."""
    return gpd.GeoDataFrame({"source_id": [], "name": [], "kind": []}, geometry=[], crs=WGS84)


def _classified(rows: list[tuple[str, dict, object]]) -> gpd.GeoDataFrame:
    """(source_id, tags, shapely geometry) rows as properties; points and the rest dropped."""
    records, geometries, seen = [], [], set()
    for source_id, tags, geometry in rows:
        if geometry is None or geometry.is_empty or geometry.geom_type not in _AREAS:
            continue
        kind = property_kind(tags)
        if kind is None or source_id in seen:
            continue
        seen.add(source_id)
        records.append(
            {"source_id": source_id, "name": str(tags.get("name") or "")[:200], "kind": kind}
        )
        geometries.append(geometry)
    if not records:
        return empty()
    return gpd.GeoDataFrame(pd.DataFrame.from_records(records), geometry=geometries, crs=WGS84)


def _row_tags(row: dict) -> dict:
    tags = row.get("tags")
    if isinstance(tags, str):
        try:
            tags = json.loads(tags)
        except ValueError:
            tags = {}
    tags = dict(tags) if isinstance(tags, dict) else {}
    for key in (*FILTER, "name"):
        if isinstance(row.get(key), str):
            tags.setdefault(key, row[key])
    return tags


def read_pbf(osm) -> gpd.GeoDataFrame:
    """The properties of a `pyrosm.OSM` extract."""
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
    """The properties of an .osm XML file (with osmnx)."""
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
