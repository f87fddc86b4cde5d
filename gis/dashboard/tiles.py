"""Mapbox vector tiles made in PostGIS: ST_TileEnvelope, ST_AsMVTGeom and ST_AsMVT.

Each layer's rows are selected in the storage CRS (``TRYGG_SRID``) with an index-backed
bounding-box test against the tile envelope transformed from Web Mercator (EPSG:3857),
then transformed to 3857 and clipped to the tile. The report layer applies the dashboard's
filters in SQL (see :mod:`gis.dashboard.filters`); everything is parameterised.

Below ``POINTS_FROM_ZOOM`` the report layer aggregates point reports on a grid of
``CLUSTER_CELL`` tile units fixed to the world (so every cell belongs to exactly one tile),
after the filters: a cell with one report is that report's feature, a cell with more is one
cluster feature carrying ``count``, the per-source counts ``residents``, ``findings`` and
``incidents``, the most frequent ``category`` and the highest ``severity``, placed at the
mean position of its reports. Stretches and areas (walk findings) stay features of their own.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from gis.core.dbrouter import read_cursor
from gis.dashboard.filters import Filters, reports_sql
from layers.models import Camera, GreenArea, LuxReading, StreetLamp, StreetSegment, Vegetation

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
#: Web Mercator's world width in metres.
WORLD = 40075016.68557849
#: From this zoom on every report is its own feature; below it point reports are clustered.
POINTS_FROM_ZOOM = 16
#: Side of a cluster cell in tile units: 16 x 16 cells a tile, 32 px on a 512-px tile.
CLUSTER_CELL = 256
#: Layers the tile endpoint serves; "cameras" holds two MVT layers (cameras, viewsheds).
LAYERS = ("reports", "streets", "green", "lamps", "lux", "vegetation", "cameras")
CONTENT_TYPE = "application/vnd.mapbox-vector-tile"

_BOUNDS = (
    "WITH bounds AS (SELECT ST_TileEnvelope(%s, %s, %s) AS b3857, "
    "ST_Transform(ST_Expand(ST_TileEnvelope(%s, %s, %s), %s), %s) AS bsrid)"
)
# The envelope comes from a CTE, so the planner sees a parameter rather than a constant
# geometry: it then estimates few rows and plans neither parallel workers nor JIT compilation,
# each of which made report tiles several times slower when measured on the demo.
_ENVELOPE = "(SELECT bsrid FROM bounds)"


def _mvt_geom(column: str = "geom", *, srid_3857: bool = False) -> str:
    geom = column if srid_3857 else f"ST_Transform({column}, 3857)"
    return f"ST_AsMVTGeom({geom}, bounds.b3857, {EXTENT}, {BUFFER}, true)"


def _simple(table: str, name: str, columns: str, geom: str = "t.geom") -> str:
    """One MVT layer of a municipality's table: `columns` of rows inside the tile."""
    return (
        f"(SELECT coalesce(ST_AsMVT(q, '{name}', {EXTENT}, 'geom'), ''::bytea) FROM ("
        f"SELECT {columns}, {_mvt_geom(geom)} AS geom FROM {table} t, bounds "
        f"WHERE t.municipality_id = %s AND {geom} && {_ENVELOPE}) q WHERE q.geom IS NOT NULL)"
    )


_MVT_REPORTS = f"SELECT coalesce(ST_AsMVT(q, 'reports', {EXTENT}, 'geom'), ''::bytea) FROM "


def _report_features(rows: str, where: str = "", extra: str = "") -> str:
    """One feature per report of `rows` (from `reports_sql`), with `extra` columns."""
    return (
        'SELECT r.source, r.id, r.category, r.severity, r.tod AS "when", r.status, '
        f"r.votes{extra}, {_mvt_geom('r.geom')} AS geom FROM ({rows}) r, bounds {where}"
    )


def _report_points(rows: str) -> str:
    """The report layer with one feature per report."""
    return f"{_MVT_REPORTS}({_report_features(rows)}) q WHERE q.geom IS NOT NULL"


def _grid(z: int, x: int, y: int) -> tuple[str, list]:
    """A CTE `grid` of the cluster cells at zoom z: cell size (m) and the tile's cell range."""
    per_tile = EXTENT // CLUSTER_CELL
    sql = (
        ", grid AS (SELECT %s::float8 AS half, %s::float8 AS size, %s::bigint AS x0, "
        "%s::bigint AS x1, %s::bigint AS y0, %s::bigint AS y1)"
    )
    size = WORLD / 2**z / per_tile
    first_x, first_y = x * per_tile, y * per_tile
    return sql, [WORLD / 2, size, first_x, first_x + per_tile, first_y, first_y + per_tile]


def _report_clusters(rows: str, shapes: str | None) -> str:
    """The report layer with the point reports of `rows` aggregated per grid cell.

    A point belongs to the world-fixed cell (cx, cy) its Web Mercator position falls in,
    counted from the world's north-west corner; the tile keeps the cells inside it, so each
    report is counted in exactly one tile. The lines and polygons of `shapes` (walk findings'
    rows, or None) are added one feature each.
    """
    # Transform once (OFFSET 0 keeps the planner from repeating it in every expression). Lines
    # and polygons get no cell here; the cells outside the tile (its buffer) are dropped last.
    located = (
        "SELECT r.source, r.id, r.category, r.severity, r.tod, r.status, r.votes, "
        "CASE WHEN r.point THEN ST_X(r.g) END AS px, CASE WHEN r.point THEN ST_Y(r.g) END AS py "
        "FROM (SELECT r.*, ST_Transform(r.geom, 3857) AS g, GeometryType(r.geom) = 'POINT' AS "
        f"point FROM ({rows}) r OFFSET 0) r"
    )
    cells = (
        "SELECT l.*, floor((l.px + grid.half) / grid.size)::bigint AS cx, "
        f"floor((grid.half - l.py) / grid.size)::bigint AS cy FROM ({located}) l, grid"
    )
    # Per cell and category first, then one row per cell: the totals over its categories and
    # its most frequent category (ties: the first code).
    by_category = (
        "SELECT c.cx, c.cy, c.category, count(*) AS n, sum(c.px) AS sx, sum(c.py) AS sy, "
        "max(c.severity) AS severity, count(*) FILTER (WHERE c.source = 'resident') AS residents, "
        "count(*) FILTER (WHERE c.source = 'walk') AS findings, "
        "count(*) FILTER (WHERE c.source = 'incident') AS incidents, min(c.source) AS source, "
        "min(c.id) AS id, min(c.tod) AS tod, min(c.status) AS status, max(c.votes) AS votes "
        f"FROM ({cells}) c GROUP BY 1, 2, 3"
    )
    groups = (
        "SELECT DISTINCT ON (b.cx, b.cy) b.cx, b.cy, (sum(b.n) OVER w)::int AS n, "
        "sum(b.sx) OVER w / sum(b.n) OVER w AS mx, sum(b.sy) OVER w / sum(b.n) OVER w AS my, "
        "b.category, max(b.severity) OVER w AS severity, "
        "(sum(b.residents) OVER w)::int AS residents, (sum(b.findings) OVER w)::int AS findings, "
        "(sum(b.incidents) OVER w)::int AS incidents, b.source, b.id, b.tod, b.status, b.votes "
        f"FROM ({by_category}) b WINDOW w AS (PARTITION BY b.cx, b.cy) "
        "ORDER BY b.cx, b.cy, b.n DESC, b.category"
    )
    # A cell of one report is that report; a cell of more is a cluster with its counts.
    clusters = (
        "SELECT CASE WHEN k.n = 1 THEN k.source END AS source, "
        "CASE WHEN k.n = 1 THEN k.id END AS id, k.category, k.severity, CASE WHEN k.n = 1 THEN "
        'k.tod END AS "when", CASE WHEN k.n = 1 THEN k.status END AS status, '
        "CASE WHEN k.n = 1 THEN k.votes END AS votes, CASE WHEN k.n > 1 THEN k.n END AS count, "
        "CASE WHEN k.n > 1 THEN k.residents END AS residents, "
        "CASE WHEN k.n > 1 THEN k.findings END AS findings, "
        "CASE WHEN k.n > 1 THEN k.incidents END AS incidents, "
        f"{_mvt_geom('ST_SetSRID(ST_MakePoint(k.mx, k.my), 3857)', srid_3857=True)} AS geom "
        f"FROM ({groups}) k, bounds, grid "
        "WHERE k.cx >= grid.x0 AND k.cx < grid.x1 AND k.cy >= grid.y0 AND k.cy < grid.y1"
    )
    if shapes is not None:
        extra = ", NULL::int, NULL::int, NULL::int, NULL::int"
        where = "WHERE GeometryType(r.geom) <> 'POINT'"
        clusters += f" UNION ALL {_report_features(shapes, where, extra)}"
    return f"{_MVT_REPORTS}({clusters}) q WHERE q.geom IS NOT NULL"


def _reports_body(z: int, x: int, y: int, filters: Filters, clustered: bool) -> tuple[str, list]:
    """The report layer's SQL after the `bounds` CTE."""
    rows, row_params = reports_sql(filters, envelope=_ENVELOPE)
    if not clustered:
        return f" {_report_points(rows)}", row_params
    grid, grid_params = _grid(z, x, y)
    # Only walk findings can be lines or areas (pins and incidents are points).
    shapes, shape_params = None, []
    if "walk" in filters.active_sources():
        walk_only = replace(filters, sources=("walk",))
        shapes, shape_params = reports_sql(walk_only, envelope=_ENVELOPE)
    return f"{grid} {_report_clusters(rows, shapes)}", grid_params + row_params + shape_params


def check_tile(z: int, x: int, y: int) -> None:
    """Raise ValueError naming the coordinate when (z, x, y) is not a tile."""
    if not 0 <= z <= MAX_ZOOM:
        raise ValueError(f"z must be 0 to {MAX_ZOOM}, got {z}")
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value < 2**z:
            raise ValueError(f"{name} must be 0 to {2**z - 1} at zoom {z}, got {value}")


def tile_sql(
    layer: str, z: int, x: int, y: int, filters: Filters, *, clustered: bool | None = None
) -> tuple[str, list]:
    """SQL and parameters returning one bytea: the MVT tile of `layer` at (z, x, y).

    Parameters
    ----------
    layer : str
        One of ``LAYERS``.
    z, x, y : int
        Tile coordinates (XYZ scheme, Web Mercator).
    filters : Filters
        The dashboard filters; the report layer applies them all, every layer its
        municipality.
    clustered : bool, optional
        Whether the report layer aggregates points per grid cell; default below
        ``POINTS_FROM_ZOOM`` (the benchmark compares both).

    Returns
    -------
    sql, params
    """
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}, got {layer!r}")
    check_tile(z, x, y)
    margin = WORLD / 2**z * BUFFER / EXTENT
    params: list = [z, x, y, z, x, y, margin, settings.TRYGG_SRID]
    m = filters.municipality_id
    if layer == "reports":
        if clustered is None:
            clustered = z < POINTS_FROM_ZOOM
        sql, body_params = _reports_body(z, x, y, filters, clustered)
        return f"{_BOUNDS}{sql}", params + body_params
    if layer == "streets":
        body = _simple(
            StreetSegment._meta.db_table,
            "streets",
            "t.id, t.name, t.highway, t.lit, CASE WHEN t.lit IN ('yes', '24/7') THEN 'lit' "
            "WHEN t.lit IN ('no', 'limited') THEN 'unlit' ELSE 'unknown' END AS lighting",
        )
        return f"{_BOUNDS} SELECT {body}", [*params, m]
    if layer == "green":
        body = _simple(GreenArea._meta.db_table, "green", "t.id, t.name")
        return f"{_BOUNDS} SELECT {body}", [*params, m]
    if layer == "lamps":
        body = _simple(StreetLamp._meta.db_table, "lamps", "t.id, t.status")
        return f"{_BOUNDS} SELECT {body}", [*params, m]
    if layer == "lux":
        body = _simple(
            LuxReading._meta.db_table,
            "lux",
            "t.id, t.lux, to_char(t.measured_at, 'YYYY-MM-DD') AS measured",
        )
        return f"{_BOUNDS} SELECT {body}", [*params, m]
    if layer == "vegetation":
        body = _simple(Vegetation._meta.db_table, "vegetation", "t.id, t.kind, t.blocks_sightline")
        return f"{_BOUNDS} SELECT {body}", [*params, m]
    table = Camera._meta.db_table
    cameras = _simple(table, "cameras", "t.id, t.permit_status")
    viewsheds = _simple(table, "viewsheds", "t.id", geom="t.viewshed")
    return f"{_BOUNDS} SELECT {viewsheds} || {cameras}", [*params, m, m]


def render_tile(layer: str, z: int, x: int, y: int, filters: Filters) -> bytes:
    """The MVT tile of `layer` at (z, x, y) as bytes (empty when nothing is there)."""
    sql, params = tile_sql(layer, z, x, y, filters)
    with read_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
