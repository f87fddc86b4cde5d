"""The basemap as Mapbox vector tiles made in PostGIS (ST_TileEnvelope, ST_AsMVTGeom, ST_AsMVT).

One tile holds several MVT layers, bottom to top: ``water``, ``landuse``, ``park``,
``building``, ``rail``, ``road`` (the stored street segments, ``class`` = OSM highway),
``road_label`` (segments merged per street name, for labels along the line) and
``place_label`` (named places and named parks at a point inside them, ``kind``).

Rows are selected in the storage CRS (``TRYGG_SRID``, metres) by an index-backed bounding-box
test against the tile envelope, simplified by half a pixel of the zoom (so tiles stay small
zoomed out), then transformed to Web Mercator (EPSG:3857) and clipped. The basemap is public
OpenStreetMap data of every loaded municipality; nothing here depends on a user.
"""

from __future__ import annotations

from django.conf import settings

from gis.core.dbrouter import read_cursor

EXTENT = 4096
BUFFER = 64
#: Web Mercator's world width in metres.
WORLD = 40075016.68557849
#: The zoom range the tiles are made for (the map overzooms the last one).
MIN_ZOOM = 10
MAX_ZOOM = 16
#: The lowest zoom each layer is in the tiles from.
LAYER_MIN_ZOOM = {
    "water": 0,
    "landuse": 10,
    "park": 10,
    "building": 13,
    "rail": 10,
    "road": 11,
    "road_label": 13,
    "place_label": 11,
}
#: Ways drawn and labelled only from MINOR_FROM_ZOOM on.
MINOR_WAYS = ("footway", "path", "cycleway", "steps", "pedestrian", "track", "service", "corridor")
MINOR_FROM_ZOOM = 14
#: Named parks get a label when their area is at least this many square pixels at the zoom.
PARK_LABEL_PX2 = 2000

_FEATURES = "layers_basemapfeature"
_SEGMENTS = "layers_streetsegment"


def _geom(column: str) -> str:
    """A geometry simplified by the tile's tolerance, in Web Mercator, clipped to the tile."""
    simplified = f"ST_SimplifyPreserveTopology({column}, %(tolerance)s)"
    return f"ST_AsMVTGeom(ST_Transform({simplified}, 3857), b.b3857, {EXTENT}, {BUFFER}, true)"


def _layer(name: str, select: str) -> str:
    return (
        f"(SELECT coalesce(ST_AsMVT(q, '{name}', {EXTENT}, 'geom'), ''::bytea) "
        f"FROM ({select}) q WHERE q.geom IS NOT NULL)"
    )


def _stored(layer: str, columns: str, where: str = "") -> str:
    return (
        f"SELECT {columns}, {_geom('t.geom')} AS geom FROM {_FEATURES} t, bounds b "
        f"WHERE t.layer = '{layer}' AND t.geom && b.bsrid {where}"
    )


def layer_sql(name: str) -> str:
    """The SELECT of one MVT layer's features (columns and a `geom` in tile coordinates); the
    query needs the `bounds` CTE of :func:`tile_sql` and its parameters."""
    area = "AND ST_Area(t.geom) >= %(min_area)s"
    if name in ("water", "landuse", "park", "building"):
        return _stored(name, "t.kind AS class, t.name", area if name != "water" else "")
    if name == "rail":  # merged per kind and tile, like the roads
        return (
            f"SELECT t.kind AS class, {_geom('ST_LineMerge(ST_Collect(t.geom))')} AS geom "
            f"FROM {_FEATURES} t, bounds b WHERE t.layer = 'rail' AND t.geom && b.bsrid "
            "GROUP BY t.kind, b.b3857"
        )
    minor = "(t.highway = ANY(%(minor)s))"
    if name == "road":
        # One multi-line per highway type and tile: far fewer features than segments.
        return (
            f"SELECT t.highway AS class, {minor} AS minor, "
            f"{_geom('ST_LineMerge(ST_Collect(t.geom))')} AS geom "
            f"FROM {_SEGMENTS} t, bounds b WHERE t.geom && b.bsrid "
            f"AND (%(with_minor)s OR NOT {minor}) GROUP BY t.highway, b.b3857"
        )
    if name == "road_label":
        # One line per street name and tile (merged from its segments), labelled along it.
        return (
            f"SELECT t.name, min(t.highway) AS class, bool_and({minor}) AS minor, "
            f"{_geom('ST_LineMerge(ST_Collect(t.geom))')} AS geom "
            f"FROM {_SEGMENTS} t, bounds b WHERE t.geom && b.bsrid AND t.name <> '' "
            f"AND (%(with_minor)s OR NOT {minor}) GROUP BY t.name, b.b3857"
        )
    if name == "place_label":
        point = f"ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(t.geom), 3857), b.b3857, {EXTENT}, 0)"
        return (
            f"SELECT t.name, t.kind AS class, {point} AS geom FROM {_FEATURES} t, bounds b "
            f"WHERE t.geom && b.bsrid AND t.name <> '' AND (t.layer = 'place' OR "
            f"(t.layer = 'park' AND ST_Area(t.geom) >= %(label_area)s))"
        )
    raise ValueError(f"no basemap layer {name!r}")


def layers_at(z: int) -> list[str]:
    """The MVT layers a tile of zoom `z` holds, bottom to top."""
    return [name for name, lowest in LAYER_MIN_ZOOM.items() if z >= lowest]


def tile_sql(z: int) -> str:
    """The query of a tile at zoom `z`: the bytes of its layers, concatenated."""
    bounds = (
        "WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS b3857, "
        "ST_Transform(ST_Expand(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(margin)s), "
        "%(srid)s) AS bsrid) "
    )
    parts = [_layer(name, layer_sql(name)) for name in layers_at(z)]
    return bounds + "SELECT " + " || ".join(parts or ["''::bytea"])


def parameters(z: int, x: int, y: int) -> dict:
    """The query parameters of tile z/x/y: the tile, the simplification tolerance and the
    smallest area drawn (both in metres of the storage CRS, about a pixel on a 512-px tile)."""
    pixel = WORLD / 2**z / 512
    return {
        "z": z,
        "x": x,
        "y": y,
        "margin": WORLD / 2**z * BUFFER / EXTENT,
        "srid": settings.TRYGG_SRID,
        "tolerance": pixel / 2,
        "min_area": pixel * pixel * 4,
        "label_area": pixel * pixel * PARK_LABEL_PX2,
        "minor": list(MINOR_WAYS),
        "with_minor": z >= MINOR_FROM_ZOOM,
    }


def render_tile(z: int, x: int, y: int) -> bytes:
    """The basemap tile z/x/y (bytes of a Mapbox vector tile; empty where nothing is)."""
    with read_cursor() as cursor:
        cursor.execute(tile_sql(z), parameters(z, x, y))
        (tile,) = cursor.fetchone()
    return bytes(tile or b"")


def data_bounds() -> tuple[float, float, float, float] | None:
    """The bounds of the loaded basemap in WGS 84 degrees (west, south, east, north), or None
    when nothing is loaded."""
    with read_cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
            f"ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, %s), 4326) AS e FROM "
            f"(SELECT geom FROM {_FEATURES} UNION ALL SELECT geom FROM {_SEGMENTS}) g) q",
            [settings.TRYGG_SRID],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return tuple(round(value, 6) for value in row)
