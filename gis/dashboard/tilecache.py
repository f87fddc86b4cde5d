"""Report tiles cached by the version of the municipality's reports.

A report tile (``ST_AsMVT`` over the filtered reports, :mod:`gis.dashboard.tiles`) costs 20 to
300 ms of database time on a municipality of 100,000 pins; the same tile is asked for again and
again by everyone looking at the same area. It is kept in the ``tiles`` cache (files under
``var/cache/tiles`` by default, shared by the server's workers; ``TRYGG_TILE_CACHE_SECONDS``
sets how long, 0 turns it off) under the tile, the filters and the municipality's *map version*:
the newest row of :class:`gis.dashboard.models.MapChange`, which the database's triggers replace
on every statement that adds, changes or deletes a pin, finding or incident of the municipality.
A change therefore makes every cached tile of that municipality, and of no other, unreachable at
once; nothing needs to be purged. The version is read before the tile, so a tile is never older
than its key. The time limit bounds what the version cannot see: a changed category, district
boundary or partner (the joins and filters of the report query), and the rare write that commits
after a later one it raced with.

Only the report layer is cached: the other layers are single-table selections that cost little.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches

from gis.core.dbrouter import read_cursor
from gis.dashboard.filters import Filters
from gis.dashboard.models import MapChange
from gis.dashboard.tiles import render_tile

logger = logging.getLogger(__name__)

#: The cache alias (settings.CACHES) of the report tiles.
CACHE = "tiles"
#: The one layer cached.
CACHED_LAYER = "reports"

_TABLE = MapChange._meta.db_table
# The table's oid changes when the database is made anew (a reset demo), whose ids start over.
_VERSION_SQL = (
    f"SELECT %s::regclass::oid::bigint, "
    f"(SELECT max(id) FROM {_TABLE} WHERE municipality_id = %s), "
    f"(SELECT max(id) FROM {_TABLE} WHERE municipality_id IS NULL)"
)


def map_version(municipality_id: int) -> str:
    """The version of a municipality's reports: changes with every write to them (one query)."""
    with read_cursor() as cursor:
        cursor.execute(_VERSION_SQL, [_TABLE, municipality_id])
        table, own, everyone = cursor.fetchone()
    return f"{table}.{own or 0}.{everyone or 0}"


def enabled() -> bool:
    """Whether report tiles are cached (``TRYGG_TILE_CACHE_SECONDS`` above 0)."""
    return settings.TRYGG_TILE_CACHE_SECONDS > 0


def tile_key(layer: str, z: int, x: int, y: int, filters: Filters, version: str) -> str:
    """The cache key of a tile: layer, coordinates, filters (municipality included), version."""
    return f"trygg:tile:{layer}:{z}:{x}:{y}:{filters.municipality_id}:{filters.key()}:{version}"


def cached_tile(layer: str, z: int, x: int, y: int, filters: Filters) -> bytes:
    """The MVT tile of `layer` at (z, x, y): from the cache when the report layer's tile of
    these filters was made at the current map version, else rendered (and kept)."""
    if layer != CACHED_LAYER or not enabled():
        return render_tile(layer, z, x, y, filters)
    key = tile_key(layer, z, x, y, filters, map_version(filters.municipality_id))
    try:
        cache = caches[CACHE]  # a file cache makes its directory here
        tile = cache.get(key)
    except OSError as error:  # an unusable cache directory costs the cache, never the tile
        logger.warning("tile cache unreadable: %s", error)
        cache = tile = None
    if tile is None:
        tile = render_tile(layer, z, x, y, filters)
        try:
            if cache is not None:
                cache.set(key, tile, settings.TRYGG_TILE_CACHE_SECONDS)
        except OSError as error:
            logger.warning("tile cache unwritable: %s", error)
    return tile
