"""Mapbox vector tiles made in PostGIS: ST_TileEnvelope, ST_AsMVTGeom and ST_AsMVT.

Each layer's rows are selected in the storage CRS (``TRYGG_SRID``) with an index-backed
bounding-box test against the tile envelope transformed from Web Mercator (EPSG:3857),
then transformed to 3857 and clipped to the tile. The report layer applies the dashboard's
filters in SQL (see :mod:`gis.dashboard.filters`); everything is parameterised.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from gis.dashboard.filters import Filters, reports_sql
from layers.models import Camera, GreenArea, LuxReading, StreetLamp, StreetSegment, Vegetation

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
#: Layers the tile endpoint serves; "cameras" holds two MVT layers (cameras, viewsheds).
LAYERS = ("reports", "streets", "green", "lamps", "lux", "vegetation", "cameras")
CONTENT_TYPE = "application/vnd.mapbox-vector-tile"

_BOUNDS = (
    "WITH bounds AS (SELECT ST_TileEnvelope(%s, %s, %s) AS b3857, "
    "ST_Transform(ST_Expand(ST_TileEnvelope(%s, %s, %s), %s), %s) AS bsrid)"
)
_ENVELOPE = "(SELECT bsrid FROM bounds)"


def _mvt_geom(column: str = "geom") -> str:
    return f"ST_AsMVTGeom(ST_Transform({column}, 3857), bounds.b3857, {EXTENT}, {BUFFER}, true)"


def _simple(table: str, name: str, columns: str, geom: str = "t.geom") -> str:
    """One MVT layer of a municipality's table: `columns` of rows inside the tile."""
    return (
        f"(SELECT coalesce(ST_AsMVT(q, '{name}', {EXTENT}, 'geom'), ''::bytea) FROM ("
        f"SELECT {columns}, {_mvt_geom(geom)} AS geom FROM {table} t, bounds "
        f"WHERE t.municipality_id = %s AND {geom} && {_ENVELOPE}) q WHERE q.geom IS NOT NULL)"
    )


def check_tile(z: int, x: int, y: int) -> None:
    """Raise ValueError naming the coordinate when (z, x, y) is not a tile."""
    if not 0 <= z <= MAX_ZOOM:
        raise ValueError(f"z must be 0 to {MAX_ZOOM}, got {z}")
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value < 2**z:
            raise ValueError(f"{name} must be 0 to {2**z - 1} at zoom {z}, got {value}")


def tile_sql(layer: str, z: int, x: int, y: int, filters: Filters) -> tuple[str, list]:
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

    Returns
    -------
    sql, params
    """
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}, got {layer!r}")
    check_tile(z, x, y)
    margin = 40075016.68557849 / 2**z * BUFFER / EXTENT
    params: list = [z, x, y, z, x, y, margin, settings.TRYGG_SRID]
    m = filters.municipality_id
    if layer == "reports":
        rows, row_params = reports_sql(filters, envelope=_ENVELOPE)
        body = (
            f"SELECT coalesce(ST_AsMVT(q, 'reports', {EXTENT}, 'geom'), ''::bytea) FROM ("
            'SELECT r.source, r.id, r.category, r.severity, r.tod AS "when", r.status, '
            f"r.votes, {_mvt_geom('r.geom')} AS geom FROM ({rows}) r, bounds) q "
            "WHERE q.geom IS NOT NULL"
        )
        return f"{_BOUNDS} {body}", params + row_params
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
