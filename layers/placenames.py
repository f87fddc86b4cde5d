"""The stored parts of place names, computed in PostGIS when layers are imported.

Two fields a name is made from (:mod:`layers.naming` chooses the words when it is shown):

- ``near_name`` of a street segment or green area without a name of its own: the name of the
  nearest named street segment, square or park within :data:`NEAR_M` metres. A segment is
  measured from its midpoint, so a footway that runs through a park is named after the park
  even where it ends on a street; a green area from its outline.
- ``house_numbers`` of a named street segment: the range of the house numbers of the
  addresses on its street ("12–20"), each address counted on the one segment of its street
  nearest to it, within :data:`ADDRESS_M` metres.

Distances are metres of the storage CRS (``settings.TRYGG_SRID``: SWEREF 99 TM or another
metric CRS). Squares and addresses are not stored: the importer passes them from the extract
(:func:`fill`); the migration that added the fields fills ``near_name`` from the named streets
and parks already in the database, and a later ``trygg load-osm`` adds squares and addresses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import shapely
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from gis.core.dbrouter import read_cursor

#: How far a named place may lie from a place it names (metres).
NEAR_M = 100.0
#: How far an address may lie from the street segment it is counted on (metres).
ADDRESS_M = 40.0
# The tables, named here rather than through the models so the migration that added the
# fields can fill them with this module.
_SEGMENTS = "layers_streetsegment"
_GREEN = "layers_greenarea"
_LEADING_NUMBER = re.compile(r"\s*(\d{1,9})(?!\d)")
#: The highest house number counted (a tagging error beyond it is passed over).
MAX_HOUSE_NUMBER = 99_999


@dataclass(frozen=True)
class SegmentParts:
    """The stored parts of a street segment's name (see :func:`layers.naming.segment_name`)."""

    name: str
    house_numbers: str
    near_name: str
    highway: str


def fill(
    municipality_id: int,
    *,
    squares: gpd.GeoDataFrame | None = None,
    addresses: gpd.GeoDataFrame | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> dict[str, int]:
    """Set ``near_name`` and ``house_numbers`` of the municipality's segments and green areas.

    Parameters
    ----------
    municipality_id : int
    squares : GeoDataFrame, optional
        Named squares (column ``name``), in any CRS.
    addresses : GeoDataFrame, optional
        Addresses (columns ``street`` and ``housenumber``), in any CRS. Without them every
        segment's house numbers are cleared.
    using : str
        The database alias (a migration passes its own).

    Returns
    -------
    dict
        How many segments and green areas have a named place nearby, and how many segments
        have house numbers, after the fill.
    """
    names, shapes = _named(squares)
    streets, numbers, points = _addresses(addresses)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # Fresh statistics after a bulk import, so the planner searches by the spatial indexes;
        # thousands of index look-ups of a fraction of a millisecond gain nothing from JIT.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"ANALYZE {_SEGMENTS}, {_GREEN}")
        cursor.execute("DROP TABLE IF EXISTS pg_temp.trygg_squares")
        cursor.execute(
            "CREATE TEMP TABLE trygg_squares AS SELECT name, ST_SetSRID(ST_GeomFromWKB(wkb), %s) "
            "AS geom FROM unnest(%s::text[], %s::bytea[]) AS s(name, wkb)",
            [settings.TRYGG_SRID, names, shapes],
        )
        cursor.execute("ANALYZE pg_temp.trygg_squares")
        params = {"m": municipality_id, "near": NEAR_M}
        for table, anchor in (
            (_SEGMENTS, "ST_LineInterpolatePoint(t.geom, 0.5)"),
            (_GREEN, "t.geom"),
        ):
            cursor.execute(
                f"UPDATE {table} t SET near_name = CASE WHEN t.name <> '' THEN '' "
                f"ELSE coalesce({_nearest_name(anchor)}, '') END WHERE t.municipality_id = %(m)s",
                params,
            )
        cursor.execute("DROP TABLE pg_temp.trygg_squares")
        cursor.execute(
            _HOUSE_NUMBERS,
            {
                "m": municipality_id,
                "streets": streets,
                "numbers": numbers,
                "points": points,
                "srid": settings.TRYGG_SRID,
                "within": ADDRESS_M,
            },
        )
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {_SEGMENTS} WHERE municipality_id = %(m)s "
            "AND near_name <> ''), "
            f"(SELECT count(*) FROM {_GREEN} WHERE municipality_id = %(m)s AND near_name <> ''), "
            f"(SELECT count(*) FROM {_SEGMENTS} WHERE municipality_id = %(m)s "
            "AND house_numbers <> '')",
            params,
        )
        segments, green, numbered = cursor.fetchone()
    return {
        "segments_named_nearby": segments,
        "green_areas_named_nearby": green,
        "segments_with_house_numbers": numbered,
    }


def _nearest_name(anchor: str) -> str:
    """SQL: the name of the nearest named street segment, green area or square (the temporary
    table ``trygg_squares``) within ``%(near)s`` metres of `anchor`, each table searched by its
    spatial index; ties (a corner where two streets meet) go to the name first in order, so the
    result depends neither on plans nor on the rows' order on disk."""
    parts = [
        f"(SELECT name, geom <-> {anchor} AS d FROM {table} WHERE {where}name <> '' "
        f"AND ST_DWithin(geom, {anchor}, %(near)s) ORDER BY geom <-> {anchor}, name LIMIT 1)"
        for table, where in (
            (_SEGMENTS, "municipality_id = %(m)s AND "),
            (_GREEN, "municipality_id = %(m)s AND "),
            ("trygg_squares", ""),
        )
    ]
    return f"(SELECT c.name FROM ({' UNION ALL '.join(parts)}) c ORDER BY c.d, c.name LIMIT 1)"


# Each address counts on the nearest segment of its street within %(within)s metres; a segment's
# house numbers are the range of those it got ("12–20", or "7" for one), else empty.
_HOUSE_NUMBERS = f"""
WITH address AS (
    SELECT a.street, a.number, ST_SetSRID(ST_GeomFromWKB(a.wkb), %(srid)s) AS geom
    FROM unnest(%(streets)s::text[], %(numbers)s::int[], %(points)s::bytea[])
        AS a(street, number, wkb)
), ranges AS MATERIALIZED (
    SELECT nearest.id, CASE WHEN min(address.number) = max(address.number)
        THEN min(address.number)::text
        ELSE min(address.number)::text || '–' || max(address.number)::text END AS numbers
    FROM address CROSS JOIN LATERAL (
        SELECT id FROM {_SEGMENTS}
        WHERE municipality_id = %(m)s AND name = address.street
            AND ST_DWithin(geom, address.geom, %(within)s)
        ORDER BY geom <-> address.geom, id LIMIT 1
    ) nearest
    GROUP BY nearest.id
)
UPDATE {_SEGMENTS} s SET house_numbers = coalesce(r.numbers, '')
FROM {_SEGMENTS} s2 LEFT JOIN ranges r ON r.id = s2.id
WHERE s.id = s2.id AND s.municipality_id = %(m)s
    AND s.house_numbers IS DISTINCT FROM coalesce(r.numbers, '')
"""


def nearest_named_segments(
    municipality_id: int, points: Sequence[tuple[float, float]], *, srid: int | None = None
) -> list[SegmentParts | None]:
    """For each point, the parts of the name of the nearest street segment that has a name or
    a named place nearby, within :data:`NEAR_M` metres (None where there is none).

    `points` are (x, y) in `srid` (default the storage CRS, ``settings.TRYGG_SRID``).
    """
    if not points:
        return []
    storage = settings.TRYGG_SRID
    xs = [float(x) for x, _y in points]
    ys = [float(y) for _x, y in points]
    point = "ST_Transform(ST_SetSRID(ST_MakePoint(p.x, p.y), %(srid)s), %(storage)s)"
    with read_cursor() as cursor:
        cursor.execute(
            "SELECT s.name, s.house_numbers, s.near_name, s.highway "
            "FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) WITH ORDINALITY AS p(x, y, i) "
            f"LEFT JOIN LATERAL (SELECT name, house_numbers, near_name, highway FROM {_SEGMENTS} "
            "WHERE municipality_id = %(m)s AND (name <> '' OR near_name <> '') "
            f"AND ST_DWithin(geom, {point}, %(near)s) ORDER BY geom <-> {point}, id LIMIT 1"
            ") s ON true ORDER BY p.i",
            {
                "xs": xs,
                "ys": ys,
                "srid": storage if srid is None else srid,
                "storage": storage,
                "m": municipality_id,
                "near": NEAR_M,
            },
        )
        rows = cursor.fetchall()
    return [SegmentParts(*row) if row[0] is not None else None for row in rows]


def house_number(value: object) -> int | None:
    """The number an address's `addr:housenumber` begins with ("12 B" → 12), else None (also
    for a number no street has, above :data:`MAX_HOUSE_NUMBER`)."""
    found = _LEADING_NUMBER.match(value) if isinstance(value, str) else None
    number = int(found.group(1)) if found else None
    return number if number is not None and number <= MAX_HOUSE_NUMBER else None


def _named(frame: gpd.GeoDataFrame | None) -> tuple[list[str], list[bytes]]:
    """Names and WKB shapes in the storage CRS of the rows of `frame` that have a ``name``."""
    frame = _having_text(frame, "name")
    if frame is None:
        return [], []
    shapes = frame.to_crs(settings.TRYGG_SRID).geometry
    return [v.strip()[:200] for v in frame["name"]], [bytes(shapely.to_wkb(g)) for g in shapes]


def _addresses(frame: gpd.GeoDataFrame | None) -> tuple[list[str], list[int], list[bytes]]:
    """Street, house number and a WKB point (storage CRS) of each address of `frame` that has
    a street and a house number beginning with a number."""
    frame = _having_text(frame, "street")
    if frame is None:
        return [], [], []
    numbers = frame["housenumber"].map(house_number)
    frame, numbers = frame[numbers.notna()], numbers[numbers.notna()]
    points = frame.to_crs(settings.TRYGG_SRID).geometry.representative_point()
    return (
        [v.strip() for v in frame["street"]],
        [int(n) for n in numbers],
        [bytes(shapely.to_wkb(p)) for p in points],
    )


def _having_text(frame: gpd.GeoDataFrame | None, column: str) -> gpd.GeoDataFrame | None:
    """The rows of `frame` with a shape and a non-blank text in `column` (None for none)."""
    if frame is None or len(frame) == 0 or column not in frame:
        return None
    kept = frame[frame[column].map(lambda v: isinstance(v, str) and v.strip() != "")]
    kept = kept[kept.geometry.notna() & ~kept.geometry.is_empty]
    return kept if len(kept) else None
