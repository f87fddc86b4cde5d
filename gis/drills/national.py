"""Synthetic municipalities for the national-volume bench and the query-plan test.

Each municipality is a square of ``SIDE_M`` metres in the storage CRS (``TRYGG_SRID``) laid on a
grid of municipalities, with a street network (``gis.drills.streets``), street lamps, resident
pins, incidents, safety walks with their findings and ranked fixes on its segments. Everything is
seeded by (seed, municipality number), so municipality 0 is the same whatever N is.

The rows are written with PostgreSQL's COPY (psycopg 3 ``cursor.copy``) on Django's connection,
so a test's transaction holds them and rolls them back. Only the municipality and its walks go
through the ORM (a handful of rows each).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from gis.drills import streets

#: Side of a municipality's square (metres) and the gap between squares.
SIDE_M = 4_000.0
GAP_M = 1_000.0
#: Municipality codes of the generator start with this (never a real code: those are digits).
CODE_PREFIX = "nat-"
#: The national grid's first square starts here (lon, lat; central Sweden), in the storage CRS.
ORIGIN_LONLAT = (15.0, 59.0)
#: The tables the generator fills, biggest first.
BIG_TABLES = (
    "walks_residentpin",
    "layers_incident",
    "walks_walkfinding",
    "layers_streetsegment",
    "layers_streetlamp",
    "trygg_fix",
)
AS_OF = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAYS = 730


@dataclass(frozen=True)
class Sizes:
    """Rows per municipality, derived from its number of pins."""

    pins: int

    @property
    def incidents(self) -> int:
        return max(10, self.pins * 3 // 10)

    @property
    def segments(self) -> int:
        return max(50, self.pins // 10)

    @property
    def lamps(self) -> int:
        return max(20, self.pins // 10)

    @property
    def walks(self) -> int:
        return max(2, min(40, self.pins // 1000))

    @property
    def findings(self) -> int:
        return max(10, self.pins // 20)

    @property
    def fixes(self) -> int:
        return max(10, min(300, self.segments // 10))


def code(number: int) -> str:
    """The code of generated municipality `number` (0, 1, ...)."""
    return f"{CODE_PREFIX}{number:03d}"


def _origin(srid: int) -> tuple[float, float]:
    from pyproj import Transformer

    to_srid = Transformer.from_crs("EPSG:4326", f"EPSG:{srid}", always_xy=True)
    return to_srid.transform(*ORIGIN_LONLAT)


def square(number: int, srid: int) -> tuple[float, float, float, float]:
    """xmin, ymin, xmax, ymax of municipality `number` (20 squares a row)."""
    x0, y0 = _origin(srid)
    row, col = divmod(number, 20)
    xmin = x0 + col * (SIDE_M + GAP_M)
    ymin = y0 + row * (SIDE_M + GAP_M)
    return xmin, ymin, xmin + SIDE_M, ymin + SIDE_M


def centre_tiles(municipality, half_m: float, zooms) -> list[tuple[int, int, int]]:
    """(z, x, y) of the XYZ tiles over the square of +-`half_m` metres around the centre of
    `municipality` at each of `zooms`."""
    from pyproj import Transformer

    xmin, ymin, xmax, ymax = municipality.boundary.extent
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    to_wgs84 = Transformer.from_crs(municipality.boundary.srid, 4326, always_xy=True)
    west, south = to_wgs84.transform(cx - half_m, cy - half_m)
    east, north = to_wgs84.transform(cx + half_m, cy + half_m)
    keys = []
    for z in zooms:
        n = 2**z

        def tile(lon: float, lat: float, n: int = n) -> tuple[int, int]:
            y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
            return int((lon + 180) / 360 * n), int(y)

        (x0, y0), (x1, y1) = tile(west, north), tile(east, south)
        keys += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return keys


# ---- COPY ------------------------------------------------------------------------------------


def _text(values) -> np.ndarray:
    return np.asarray(values).astype(str)


def copy_rows(cursor, model, columns: dict[str, object], n: int) -> None:
    """COPY `n` rows into `model`'s table.

    `columns` maps a column name to a sequence of n values or one constant; every other
    concrete column must be nullable (left NULL) or have a constant default (filled in), so a
    new required column makes this fail with its name rather than write a wrong row.
    """
    names, data = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in columns:
            continue
        if field.column in columns:
            value = columns[field.column]
        elif field.null:
            continue
        elif field.has_default() and not callable(field.default):
            value = field.default
        else:
            raise ValueError(
                f"{model._meta.db_table}.{field.column}: no value for a NOT NULL column"
            )
        names.append(field.column)
        if isinstance(value, str | int | float | bool):
            value = "t" if value is True else "f" if value is False else value
            data.append(np.full(n, str(value), dtype=object))
        else:
            data.append(_text(value).astype(object))
    lines = ["\t".join(row) for row in zip(*data, strict=True)]
    body = "\n".join(lines) + "\n" if lines else ""
    columns_sql = ", ".join(f'"{name}"' for name in names)
    sql = f"COPY {model._meta.db_table} ({columns_sql}) FROM STDIN"
    raw = getattr(cursor, "cursor", cursor)  # Django's wrapper holds psycopg's cursor
    with raw.copy(sql) as copy:
        buffer = io.StringIO(body)
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def _ewkb(geoms, srid: int) -> np.ndarray:
    import shapely

    geoms = shapely.set_srid(np.asarray(geoms), srid)
    return shapely.to_wkb(geoms, hex=True, include_srid=True)


def _times(rng, n: int, days: int = DAYS) -> np.ndarray:
    seconds = rng.uniform(0, days * 86400, n)
    stamps = np.datetime64(AS_OF.replace(tzinfo=None), "s") - seconds.astype("timedelta64[s]")
    return np.char.add(stamps.astype(str), "+00")


def _hex(rng, n: int, digits: int) -> np.ndarray:
    words = rng.integers(0, 2**63, size=(n, (digits + 15) // 16), dtype=np.int64)
    out = np.full(n, "", dtype=object)
    for column in range(words.shape[1]):
        out = out + np.char.zfill(np.char.mod("%x", words[:, column]), 16).astype(object)
    return np.array([s[:digits] for s in out], dtype=object)


def _uuids(rng, n: int) -> np.ndarray:
    h = _hex(rng, n, 32)
    return np.array([f"{s[:8]}-{s[8:12]}-4{s[13:16]}-a{s[17:20]}-{s[20:]}" for s in h])


# ---- one municipality ------------------------------------------------------------------------


def build(number: int, pins: int, seed: int = 20261207) -> dict[str, int]:
    """Create generated municipality `number` with `pins` resident pins and the rest of its data
    (see :class:`Sizes`); returns the rows written per table."""
    import shapely
    from django.conf import settings
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection

    from gis.core.models import Municipality
    from gis.core.vocabulary import Department, ParticipantRole, WhenUnsafe
    from gis.fixes.models import Fix
    from layers.models import Incident, StreetLamp, StreetSegment
    from walks.models import Category, ResidentPin, SafetyWalk, WalkFinding

    srid = settings.TRYGG_SRID
    rng = np.random.default_rng([seed, number])
    size = Sizes(pins)
    xmin, ymin, xmax, ymax = square(number, srid)
    boundary = MultiPolygon(Polygon.from_bbox((xmin, ymin, xmax, ymax)), srid=srid)
    municipality = Municipality.objects.create(
        name=f"Generated {number:03d}", code=code(number), boundary=boundary
    )
    m = municipality.pk
    now = AS_OF.isoformat()
    common = {"municipality_id": m, "created_at": now, "updated_at": now}
    categories = np.array(list(Category.objects.values_list("id", flat=True)))
    whens = np.array([w.value for w in WhenUnsafe])
    inset = (xmin + 20, ymin + 20, xmax - 20, ymax - 20)
    written = {}

    with connection.cursor() as cursor:
        # The street network: a grid from the square's south-west corner.
        xy, u, v = streets.grid(size.segments, rng)
        # Scaled into the square (blocks of about 100 m, smaller in a municipality of many).
        span = (xy.max(axis=0) - xy.min(axis=0)).max()
        scale = min(1.0, (SIDE_M - 40) / span)
        xy = (xy - xy.min(axis=0)) * scale + np.array([xmin + 20, ymin + 20])
        lines = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
        n = len(lines)
        copy_rows(
            cursor,
            StreetSegment,
            {
                **common,
                "source": "osm",
                "osm_id": np.arange(n) + number * 10_000_000,
                "u": u,
                "v": v,
                "highway": rng.choice(["residential", "footway", "cycleway", "service"], n),
                "lit": rng.choice(["yes", "no", "limited", ""], n),
                "length_m": np.round(shapely.length(lines), 2),
                "geom": _ewkb(lines, srid),
            },
            n,
        )
        written["segments"] = n

        def along(count: int, offset: float):
            chosen = lines[rng.integers(0, n, count)]
            points = shapely.line_interpolate_point(chosen, rng.random(count), normalized=True)
            c = shapely.get_coordinates(points) + rng.uniform(-offset, offset, (count, 2))
            return shapely.points(np.clip(c, inset[:2], inset[2:]))

        k = size.lamps
        copy_rows(
            cursor,
            StreetLamp,
            {
                **common,
                "source": "inventory",
                "status": rng.choice(["working", "broken", "unknown"], k, p=[0.9, 0.05, 0.05]),
                "geom": _ewkb(along(k, 8), srid),
            },
            k,
        )
        written["lamps"] = k

        # Resident pins: half around 20 places, half along the streets.
        k = size.pins
        half = k // 2
        centres = rng.uniform(inset[:2], inset[2:], (20, 2))
        near = centres[rng.integers(0, 20, half)] + rng.normal(0, 60, (half, 2))
        clustered = shapely.points(np.clip(near, inset[:2], inset[2:]))
        points = np.concatenate([clustered, along(k - half, 15)])
        statuses = [s.value for s in ResidentPin.Status]
        copy_rows(
            cursor,
            ResidentPin,
            {
                **common,
                "category_id": rng.choice(categories, k),
                "when": rng.choice(whens, k),
                "description": "generated",
                "geom": _ewkb(points, srid),
                "status": rng.choice(statuses, k),
                "reported_at": _times(rng, k),
                "tracking_token": _hex(rng, k, 32),
                "client_uuid": _uuids(rng, k),
                "vote_count": rng.poisson(0.5, k),
            },
            k,
        )
        written["pins"] = k

        k = size.incidents
        copy_rows(
            cursor,
            Incident,
            {
                **common,
                "source": "police",
                "type": rng.choice([t.value for t in Incident.Type], k),
                "reported_by": rng.choice([s.value for s in Incident.Source], k),
                "occurred_at": _times(rng, k),
                "geom": _ewkb(along(k, 20), srid),
                "severity": rng.integers(1, 6, k),
            },
            k,
        )
        written["incidents"] = k

        walks = SafetyWalk.objects.bulk_create(
            SafetyWalk(
                municipality=municipality,
                title=f"Walk {i + 1}",
                starts_at=AS_OF,
                status=SafetyWalk.Status.CLOSED,
            )
            for i in range(size.walks)
        )
        k = size.findings
        copy_rows(
            cursor,
            WalkFinding,
            {
                **common,
                "walk_id": rng.choice([w.pk for w in walks], k),
                "author_role": rng.choice([r.value for r in ParticipantRole], k),
                "category_id": rng.choice(categories, k),
                "severity": rng.integers(1, 6, k),
                "when": rng.choice(whens, k),
                "geom": _ewkb(along(k, 5), srid),
                "observed_at": _times(rng, k),
                "client_uuid": _uuids(rng, k),
            },
            k,
        )
        written["walks"] = len(walks)
        written["findings"] = k

        # Ranked fixes, one per segment of the first `fixes` segments.
        k = size.fixes
        cursor.execute(
            f"SELECT id FROM {StreetSegment._meta.db_table} WHERE municipality_id = %s "
            "ORDER BY id LIMIT %s",
            [m, k],
        )
        # COPY keeps the order of the rows: the first ids are the first lines.
        segment_ids = np.array([row[0] for row in cursor.fetchall()])
        k = len(segment_ids)
        copy_rows(
            cursor,
            Fix,
            {
                "municipality_id": m,
                "fix_type": "add_lighting",
                "department": Department.STREET.value,
                "cost_class": rng.integers(1, 4, k),
                "score": np.round(np.sort(rng.random(k))[::-1], 6),
                "rank": np.arange(1, k + 1),
                "segment_id": segment_ids,
                "reasons": "[]",
                "geom": _ewkb(lines[:k], srid),
            },
            k,
        )
        written["fixes"] = k
    return written


def analyze(vacuum: bool = False) -> None:
    """Refresh the planner's statistics of the tables the generator writes; with `vacuum`,
    VACUUM them too (the visibility map set, as autovacuum would leave them at rest)."""
    from django.db import connection

    from gis.fixes.models import Fix
    from layers.models import Incident, StreetLamp, StreetSegment
    from walks.models import ResidentPin, SafetyWalk, WalkFinding

    command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    models = (StreetSegment, StreetLamp, ResidentPin, Incident, SafetyWalk, WalkFinding, Fix)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {model._meta.db_table}")
        cursor.execute(f"{command} layers_municipality")
