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

import geopandas as gpd

from layers.osm_features import WGS84, FeatureReader

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


def _feature(tags: dict, geometry) -> tuple[dict, object] | None:
    """A feature's property record, or None when it is not a property (or not an area)."""
    if geometry.geom_type not in _AREAS:
        return None
    kind = property_kind(tags)
    if kind is None:
        return None
    return {"name": str(tags.get("name") or "")[:200], "kind": kind}, geometry


READER = FeatureReader(FILTER, (*FILTER, "name"), _feature, empty)
#: The properties of a `pyrosm.OSM` extract.
read_pbf = READER.read_pbf
#: The properties of an .osm XML file (with osmnx).
read_xml = READER.read_xml
