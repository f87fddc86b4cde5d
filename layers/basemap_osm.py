"""The basemap's features of an OpenStreetMap extract: buildings, water, land use, parks and
other green areas, railways and named places, classified into the basemap's layers.

Read from the same extract as the other layers (:mod:`layers.osm`), with pyrosm for .osm.pbf
and osmnx for .osm XML. The result is one GeoDataFrame in WGS 84 (EPSG:4326) with columns
``source_id`` ("way/123"), ``layer`` (one of LAYERS), ``kind`` (the OSM tag value, e.g.
"residential", "tram") and ``name``. Street names are not read here: the street labels come
from the stored street segments.
"""

from __future__ import annotations

import geopandas as gpd

from layers.osm_features import WGS84, FeatureReader

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


def _feature(tags: dict, geometry) -> tuple[dict, object] | None:
    """A feature's basemap record and the geometry drawn (a place's label anchor inside its
    area), or None if it is not drawn."""
    found = classify(tags, geometry.geom_type)
    if found is None:
        return None
    layer, kind = found
    if layer == "place" and geometry.geom_type != "Point":
        geometry = geometry.representative_point()  # a label's anchor inside the area
    name = str(tags.get("name") or "")[:200]
    return {"layer": layer, "kind": kind[:32], "name": name}, geometry


READER = FeatureReader(FILTER, _KEYS, _feature, empty)
#: The basemap features of a `pyrosm.OSM` extract.
read_pbf = READER.read_pbf
#: The basemap features of an .osm XML file (with osmnx).
read_xml = READER.read_xml
