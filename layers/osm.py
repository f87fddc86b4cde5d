"""Read an OpenStreetMap extract (.osm.pbf with pyrosm, .osm XML with osmnx) into the layers Trygg
stores: the walkable street network as osmnx builds it (simplified, undirected, intersection to
intersection), street lamps, trees and scrub, parks, surveillance cameras and the buildings
that stand for municipal properties (:mod:`layers.osm_properties`); what places
are named after (:mod:`layers.placenames`): named squares and addresses; and the basemap's
buildings, water, land use, green areas, railways and places (:mod:`layers.basemap_osm`).

Everything returned is a GeoDataFrame in WGS 84 (EPSG:4326) with a `source_id` such as
"way/123" or "node/45" that stays stable between extracts, so a re-import updates in place.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd

from layers import basemap_osm, osm_properties

WGS84 = "EPSG:4326"
# Highway types a pedestrian can use (osmnx's "walk" network, roughly).
WALKABLE = {
    "footway",
    "path",
    "pedestrian",
    "steps",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "cycleway",
    "track",
    "corridor",
    "bridleway",
    "road",
    "platform",
}
EDGE_COLUMNS = ["osmid", "highway", "lit", "name", "length", "geometry"]


class OsmReadError(ValueError):
    """The file is not a readable OSM extract."""


@dataclass
class OsmLayers:
    """The layers read from one extract, each a GeoDataFrame in EPSG:4326.

    `squares` (``name``) and `addresses` (``street``, ``housenumber``) are not stored: the
    importer names places after them.
    """

    segments: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    vegetation: gpd.GeoDataFrame
    green_areas: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    squares: gpd.GeoDataFrame = field(default_factory=lambda: _empty("name"))
    addresses: gpd.GeoDataFrame = field(default_factory=lambda: _empty("street", "housenumber"))
    basemap: gpd.GeoDataFrame = field(default_factory=basemap_osm.empty)
    properties: gpd.GeoDataFrame = field(default_factory=osm_properties.empty)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.__dataclass_fields__}


def read_osm(path: str | Path) -> OsmLayers:
    """Read `path` (.osm.pbf or .osm/.xml); raises OsmReadError with one line on bad input."""
    path = Path(path)
    if not path.is_file():
        raise OsmReadError(f"no such file: {path}")
    suffixes = "".join(path.suffixes).lower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyrosm and osmnx warn about pandas internals
        try:
            if suffixes.endswith(".pbf"):
                return _read_pbf(path)
            if suffixes.endswith((".osm", ".xml")):
                return _read_xml(path)
        except OsmReadError:
            raise
        except Exception as error:
            raise OsmReadError(f"cannot read {path.name} as OpenStreetMap data: {error}") from error
    raise OsmReadError(f"unsupported file type {path.suffix!r}: expected .osm.pbf or .osm")


# --- the street network ----------------------------------------------------------------------
def build_walk_network(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify raw way pieces into intersection-to-intersection undirected edges with osmnx.

    `nodes` has `osmid`, `x`, `y` (degrees); `edges` has `u`, `v` and the EDGE_COLUMNS.
    Returns one row per undirected edge with `u`, `v`, `key`, `source_id` and the columns.
    """
    edges = edges[edges["highway"].isin(WALKABLE)].copy()
    if edges.empty:
        raise OsmReadError("the extract has no walkable streets")
    forward = edges[["u", "v", *EDGE_COLUMNS]]
    backward = forward.assign(u=forward["v"], v=forward["u"])
    backward["geometry"] = backward.geometry.reverse()
    both = gpd.GeoDataFrame(pd.concat([forward, backward], ignore_index=True), crs=WGS84)
    both["key"] = both.groupby(["u", "v"]).cumcount()
    both = both.set_index(["u", "v", "key"])
    used = np.unique(np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]))
    node_frame = nodes.drop_duplicates("osmid").set_index("osmid").loc[used, ["x", "y", "geometry"]]
    graph = ox.graph_from_gdfs(gpd.GeoDataFrame(node_frame, crs=WGS84), both)
    graph = ox.simplify_graph(graph, edge_attr_aggs={"length": sum})
    graph = ox.convert.to_undirected(graph)
    result = ox.graph_to_gdfs(graph, nodes=False).reset_index()
    for column in EDGE_COLUMNS:  # osmnx leaves out an attribute no edge has (e.g. no `lit`)
        if column not in result:
            result[column] = None
    for column in ("osmid", "highway", "name"):
        result[column] = result[column].map(_first)
    result["lit"] = result["lit"].map(_merged_lit)
    result["osm_id"] = pd.to_numeric(result["osmid"], errors="coerce").astype("Int64")
    result["length_m"] = result["length"].astype(float)
    result["source_id"] = [
        f"edge/{u}-{v}-{k}" for u, v, k in zip(result.u, result.v, result.key, strict=True)
    ]
    columns = ["source_id", "u", "v", "key", "osm_id", "highway", "lit", "name", "length_m"]
    return gpd.GeoDataFrame(result[columns], geometry=result.geometry.values, crs=WGS84)


def _present(value) -> list:
    """The non-empty values of an attribute that osmnx may have merged into a list."""
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, str | int) or pd.notna(item)]


def _first(value):
    """The smallest of merged values, so the choice does not depend on hash order."""
    values = _present(value)
    return min(values, key=str) if values else None


def _merged_lit(value) -> str | None:
    """One `lit` value for an edge merged from ways: lit and unlit parts make "limited"."""
    values = set(_present(value))
    if not values:
        return None
    if len(values) == 1:
        return values.pop()
    return "limited" if "no" in values else "yes"


# --- readers ---------------------------------------------------------------------------------
def _read_pbf(path: Path) -> OsmLayers:
    import pyrosm

    osm = pyrosm.OSM(str(path))
    nodes, edges = osm.get_network(network_type="walking", nodes=True)
    if edges is None or len(edges) == 0:
        raise OsmReadError(f"{path.name} has no walkable streets")
    nodes = nodes.rename(columns={"id": "osmid", "lon": "x", "lat": "y"})
    edges = edges.rename(columns={"id": "osmid"})
    for column in EDGE_COLUMNS:
        if column not in edges:
            edges[column] = None
    segments = build_walk_network(nodes, edges)

    def features(column: str, values: list[str] | bool, **kwargs) -> gpd.GeoDataFrame:
        frame = osm.get_data_by_custom_criteria(custom_filter={column: values}, **kwargs)
        if frame is None or len(frame) == 0:
            return gpd.GeoDataFrame({"source_id": [], "tags": []}, geometry=[], crs=WGS84)
        frame = frame.set_crs(WGS84, allow_override=True)
        frame["source_id"] = frame["osm_type"].astype(str) + "/" + frame["id"].astype(str)
        frame["tags"] = [_tags(row) for row in frame.to_dict("records")]
        return frame

    lamps = features("highway", ["street_lamp"], keep_ways=False, keep_relations=False)
    vegetation = features("natural", ["tree", "scrub", "tree_row"])
    hedges = features("barrier", ["hedge"])
    parks = features("leisure", ["park"])
    cameras = features("man_made", ["surveillance"], keep_ways=False, keep_relations=False)
    squares = pd.concat([features("place", ["square"]), features("highway", ["pedestrian"])])
    addresses = features("addr:housenumber", True)
    layers = _assemble(
        segments, lamps, pd.concat([vegetation, hedges]), parks, cameras, squares, addresses
    )
    layers.basemap = basemap_osm.read_pbf(osm)
    layers.properties = osm_properties.read_pbf(osm)
    return layers


def _read_xml(path: Path) -> OsmLayers:
    ox.settings.useful_tags_way = sorted({*ox.settings.useful_tags_way, "lit", "highway", "name"})
    graph = ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)
    nodes, edges = ox.graph_to_gdfs(graph)
    nodes = nodes.reset_index()
    edges = edges.reset_index()
    edges = edges[edges["u"] < edges["v"]] if len(edges) else edges
    for column in EDGE_COLUMNS:
        if column not in edges:
            edges[column] = None
    segments = build_walk_network(nodes, edges)
    tags = {
        "highway": ["street_lamp", "pedestrian"],
        "natural": ["tree", "scrub", "tree_row"],
        "barrier": "hedge",
        "leisure": "park",
        "man_made": "surveillance",
        "place": "square",
        "addr:housenumber": True,
    }
    try:
        found = ox.features_from_xml(path, tags=tags).reset_index()
    except Exception:
        found = gpd.GeoDataFrame({"element": [], "id": []}, geometry=[], crs=WGS84)
    found["source_id"] = found["element"].astype(str) + "/" + found["id"].astype(str)
    found["tags"] = [
        {k: v for k, v in row.items() if isinstance(v, str) and k not in {"element", "source_id"}}
        for row in found.drop(columns="geometry").to_dict("records")
    ]

    def having(key: str, values: set[str]) -> gpd.GeoDataFrame:
        if key not in found:
            return found.iloc[0:0]
        return found[found[key].isin(values)]

    layers = _assemble(
        segments,
        having("highway", {"street_lamp"}),
        pd.concat([having("natural", {"tree", "scrub", "tree_row"}), having("barrier", {"hedge"})]),
        having("leisure", {"park"}),
        having("man_made", {"surveillance"}),
        pd.concat([having("place", {"square"}), having("highway", {"pedestrian"})]),
        found[found["addr:housenumber"].notna()] if "addr:housenumber" in found else found[0:0],
    )
    layers.basemap = basemap_osm.read_xml(path)
    layers.properties = osm_properties.read_xml(path)
    return layers


def _tags(row: dict) -> dict:
    tags = row.get("tags")
    if isinstance(tags, str):
        tags = json.loads(tags)
    elif not isinstance(tags, dict):
        tags = {}
    for key in (
        "natural",
        "barrier",
        "leisure",
        "highway",
        "man_made",
        "name",
        "height",
        "operator",
        "place",
        "addr:street",
        "addr:housenumber",
    ):
        if isinstance(row.get(key), str):
            tags.setdefault(key, row[key])
    return tags


def _assemble(segments, lamps, vegetation, parks, cameras, squares, addresses) -> OsmLayers:
    def frame(rows: gpd.GeoDataFrame, **columns) -> gpd.GeoDataFrame:
        data = {"source_id": list(rows["source_id"])}
        for name, getter in columns.items():
            data[name] = [getter(tags) for tags in rows["tags"]]
        return gpd.GeoDataFrame(data, geometry=list(rows.geometry), crs=WGS84)

    vegetation = vegetation[vegetation.geometry.notna()]
    vegetation = vegetation[~vegetation["source_id"].duplicated()]
    # A square is a place=square or a pedestrian area; pedestrian ways are in the network.
    squares = squares[squares.geometry.notna() & ~squares["source_id"].duplicated()]
    squares = squares[
        squares.geom_type.isin(["Polygon", "MultiPolygon"])
        | squares["tags"].map(lambda tags: tags.get("place") == "square")
    ]
    return OsmLayers(
        segments=segments,
        lamps=frame(lamps[lamps.geom_type == "Point"]),
        vegetation=frame(
            vegetation,
            kind=_vegetation_kind,
            height_m=lambda tags: _number(tags.get("height")),
        ),
        green_areas=frame(
            parks[parks.geom_type.isin(["Polygon", "MultiPolygon"])],
            name=lambda tags: tags.get("name", ""),
        ),
        cameras=frame(
            cameras[cameras.geom_type == "Point"],
            direction_deg=_camera_direction,
            operator=lambda tags: tags.get("operator", ""),
        ),
        squares=frame(squares, name=lambda tags: tags.get("name", "")),
        addresses=frame(
            addresses[addresses.geometry.notna()],
            street=lambda tags: tags.get("addr:street", ""),
            housenumber=lambda tags: tags.get("addr:housenumber", ""),
        ),
    )


def _empty(*columns: str) -> gpd.GeoDataFrame:
    """A layer with no rows: `source_id` and `columns`, in WGS 84."""
    return gpd.GeoDataFrame({name: [] for name in ("source_id", *columns)}, geometry=[], crs=WGS84)


def _vegetation_kind(tags: dict) -> str:
    if tags.get("barrier") == "hedge":
        return "hedge"
    return "scrub" if tags.get("natural") == "scrub" else "tree"


def _camera_direction(tags: dict) -> float | None:
    """Degrees from north, or None for a dome/revolving camera or an untagged direction."""
    if tags.get("revolving") == "yes" or tags.get("camera:type") in {"dome", "panning"}:
        return None
    return _number(tags.get("camera:direction") or tags.get("direction"))


def _number(value) -> float | None:
    try:
        number = float(str(value).split()[0].rstrip("m"))
    except (TypeError, ValueError, IndexError):
        return None
    return number if np.isfinite(number) else None
