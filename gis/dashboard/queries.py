"""What the dashboard reads from the database: filtered counts, report points, the heat map and
hot spots (cached by filters and data version), and the small GeoJSON layers in WGS 84.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from gis.analysis import make_square_grid
from gis.core.dbrouter import read_cursor
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from gis.core.vocabulary import Department
from gis.dashboard import conf
from gis.dashboard.filters import Filters, reports_sql
from gis.dashboard.overlay import HeatOverlay, heat_overlay, hotspot_overlay
from gis.fixes.models import Fix
from layers.models import District, Incident, Property
from walks.models import ResidentPin, SafetyWalk, WalkFinding

np = lazy_module("numpy")
shapely = lazy_module("shapely")

CACHE_SECONDS = 3600


def _rows(sql: str, params: list) -> list[tuple]:
    with read_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def data_version(municipality_id: int) -> str:
    """A digest that changes whenever a report is added, changed or deleted.

    Row count and latest `updated_at` of the pins, findings and incidents of the municipality.
    """
    parts = []
    params = []
    for model in (ResidentPin, WalkFinding, Incident):
        parts.append(
            f"(SELECT count(*)::text || '/' || coalesce(max(updated_at)::text, '') "
            f"FROM {model._meta.db_table} WHERE municipality_id = %s)"
        )
        params.append(municipality_id)
    glue = " || '|' || "
    (text,) = _rows("SELECT " + glue.join(parts), params)[0]
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def counts(filters: Filters) -> dict:
    """Counts of the filtered reports: total and by source, category, time of day and status."""
    rows_sql, params = reports_sql(filters)
    sql = (
        "SELECT GROUPING(source, category, tod, status), source, category, tod, status, "
        f"count(*) FROM ({rows_sql}) r "
        "GROUP BY GROUPING SETS ((source), (category), (tod), (status), ())"
    )
    out: dict = {"total": 0, "source": {}, "category": {}, "when": {}, "status": {}}
    # GROUPING() sets one bit per column left out, first column highest (0b0111 = by source).
    by_mask = {0b0111: ("source", 1), 0b1011: ("category", 2), 0b1101: ("when", 3)}
    by_mask[0b1110] = ("status", 4)
    for row in _rows(sql, params):
        mask, n = row[0], row[5]
        if mask == 0b1111:
            out["total"] = n
        elif mask in by_mask:
            name, index = by_mask[mask]
            if row[index] is not None:
                out[name][row[index]] = n
    return out


def report_points(filters: Filters) -> tuple[np.ndarray, np.ndarray]:
    """x, y (metres, storage CRS) of every filtered report; lines and areas by a point on them."""
    rows_sql, params = reports_sql(filters)
    sql = (
        "SELECT ST_X(pt), ST_Y(pt) FROM "
        f"(SELECT ST_PointOnSurface(geom) AS pt FROM ({rows_sql}) r) q"
    )
    rows = _rows(sql, params)
    if not rows:
        return np.zeros(0), np.zeros(0)
    xy = np.asarray(rows, dtype=np.float64)
    return xy[:, 0], xy[:, 1]


@dataclass(frozen=True)
class Area:
    """A municipality's boundary (shapely, storage CRS) and its bounding box in metres."""

    boundary: shapely.Geometry
    extent: tuple[float, float, float, float]
    crs: str


def municipality_area(municipality_id: int) -> Area:
    """The boundary and extent of a municipality in the storage CRS."""
    municipality = Municipality.objects.only("boundary").get(pk=municipality_id)
    boundary = shapely.from_wkb(bytes(municipality.boundary.wkb))
    return Area(boundary, tuple(boundary.bounds), f"EPSG:{settings.TRYGG_SRID}")


def _cached(kind: str, filters: Filters, compute, *extra: object) -> tuple[object, str, bool]:
    version = data_version(filters.municipality_id)
    key = f"trygg:dashboard:{kind}:{filters.key()}:{version}:" + ":".join(map(str, extra))
    found = cache.get(key)
    if found is not None:
        return found, version, True
    value = compute()
    cache.set(key, value, CACHE_SECONDS)
    return value, version, False


@dataclass(frozen=True)
class Heat:
    """A heat map (None when no report passes the filters), its data version, cache hit."""

    overlay: HeatOverlay | None
    version: str
    cached: bool


def heatmap(filters: Filters) -> Heat:
    """The heat map of the filtered reports, recomputed only when filters or data change."""
    bandwidth = conf.number("TRYGG_HEATMAP_BANDWIDTH_M")

    def compute() -> tuple[HeatOverlay | None]:
        area = municipality_area(filters.municipality_id)
        x, y = report_points(filters)
        return (heat_overlay(x, y, crs=area.crs, extent=area.extent, bandwidth=bandwidth),)

    value, version, hit = _cached("heat", filters, compute, bandwidth)
    return Heat(value[0], version, hit)


def hotspot_grid(municipality_id: int):
    """The square grid of the live Gi* cells (their `cell` ids): the municipality's extent in
    cells of ``TRYGG_HOTSPOT_CELL_M``, as :func:`gis.dashboard.overlay.hotspot_overlay` makes it."""
    return make_square_grid(
        municipality_area(municipality_id).extent, conf.number("TRYGG_HOTSPOT_CELL_M")
    )


def hotspot_frame(filters: Filters):
    """Gi* cells (all of the study area) of the filtered reports, in the storage CRS."""
    area = municipality_area(filters.municipality_id)
    x, y = report_points(filters)
    return hotspot_overlay(
        x,
        y,
        crs=area.crs,
        extent=area.extent,
        cell_size=conf.number("TRYGG_HOTSPOT_CELL_M"),
        distance=conf.number("TRYGG_HOTSPOT_DISTANCE_M"),
        area=area.boundary,
    )


def _feature(geometry: dict, properties: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(features: list[dict], **extra) -> dict:
    return {"type": "FeatureCollection", "features": features, **extra}


def hotspots(filters: Filters) -> tuple[dict, bool]:
    """Significant Gi* cells of the filtered reports as GeoJSON (WGS 84); and a cache hit."""

    def compute() -> dict:
        frame = hotspot_frame(filters)
        significant = frame[frame["gi_bin"] != 0].to_crs(4326)
        features = [
            _feature(
                shapely.geometry.mapping(row.geometry),
                {
                    "cell": int(row.cell_id),
                    "count": int(row.value),
                    "z": round(float(row.z), 3),
                    "p": float(f"{row.p:.3g}"),
                    "gi_bin": int(row.gi_bin),
                },
            )
            for row in significant.itertuples()
        ]
        return _collection(
            features,
            cell_size_m=conf.number("TRYGG_HOTSPOT_CELL_M"),
            distance_m=conf.number("TRYGG_HOTSPOT_DISTANCE_M"),
            source="live",
        )

    value, _, hit = _cached("hot", filters, compute)
    return value, hit


def districts(municipality_id: int) -> dict:
    """The municipality's districts as GeoJSON (WGS 84)."""
    rows = _rows(
        f"SELECT id, name, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) "
        f"FROM {District._meta.db_table} WHERE municipality_id = %s ORDER BY name",
        [municipality_id],
    )
    return _collection([_feature(json.loads(g), {"id": pk, "name": name}) for pk, name, g in rows])


def properties(municipality_id: int) -> dict:
    """The municipality's properties as GeoJSON (WGS 84): name, kind and department (codes and
    words in the active language) and the resident pins and incidents routed to each."""
    kinds, departments = dict(Property.Kind.choices), dict(Department.choices)
    table = Property._meta.db_table
    rows = _rows(
        f"SELECT p.id, p.name, p.kind, p.department, "
        f"(SELECT count(*) FROM {ResidentPin._meta.db_table} r WHERE r.property_id = p.id), "
        f"(SELECT count(*) FROM {Incident._meta.db_table} i WHERE i.property_id = p.id), "
        f"ST_AsGeoJSON(ST_Transform(p.geom, 4326), 6) "
        f"FROM {table} p WHERE p.municipality_id = %s ORDER BY p.name, p.id",
        [municipality_id],
    )
    features = []
    for pk, name, kind, department, pins, incidents, geometry in rows:
        values = {
            "id": pk,
            "name": name or str(kinds.get(kind, kind)),
            "kind": kind,
            "kind_label": str(kinds.get(kind, kind)),
            "department": department,
            "department_label": str(departments.get(department, department)),
            "pins": pins,
            "incidents": incidents,
        }
        features.append(_feature(json.loads(geometry), values))
    return _collection(features)


def routes(filters: Filters) -> dict:
    """Safety-walk routes in the period and district of `filters`, as GeoJSON (WGS 84)."""
    where, params = ["w.municipality_id = %s", "w.route IS NOT NULL"], [filters.municipality_id]
    if filters.start is not None:
        where.append("w.starts_at >= %s")
        params.append(filters.start)
    if filters.end is not None:
        where.append("w.starts_at < %s")
        params.append(filters.end)
    if filters.district_id is not None:
        where.append(
            f"ST_Intersects(w.route, (SELECT geom FROM {District._meta.db_table} WHERE id = %s))"
        )
        params.append(filters.district_id)
    rows = _rows(
        "SELECT w.id, w.title, to_char(w.starts_at, 'YYYY-MM-DD'), w.time_of_day, w.status, "
        "(SELECT count(*) FROM " + WalkFinding._meta.db_table + " f WHERE f.walk_id = w.id), "
        f"ST_AsGeoJSON(ST_Transform(w.route, 4326), 6) FROM {SafetyWalk._meta.db_table} w "
        f"WHERE {' AND '.join(where)} ORDER BY w.starts_at",
        params,
    )
    keys = ("id", "title", "date", "time_of_day", "status", "findings")
    return _collection(
        [_feature(json.loads(r[-1]), dict(zip(keys, r[:-1], strict=True))) for r in rows]
    )


def fixes(
    municipality_id: int,
    *,
    department: str | None = None,
    status: str | None = None,
    district_id: int | None = None,
) -> list[Fix]:
    """The ranked fixes of a municipality, best first, optionally for one department/status."""
    queryset = (
        Fix.objects.filter(municipality_id=municipality_id)
        .select_related("segment", "green_area")
        .order_by("rank", "pk")
    )
    if department:
        queryset = queryset.filter(department=department)
    if status:
        queryset = queryset.filter(status=status)
    if district_id is not None:
        queryset = queryset.filter(geom__intersects=District.objects.get(pk=district_id).geom)
    return list(queryset)


def data_range(municipality_id: int) -> tuple:
    """Earliest and latest report time of the municipality (None, None without reports)."""
    (first, last) = _rows(
        "SELECT min(at), max(at) FROM ("
        f"SELECT reported_at AS at FROM {ResidentPin._meta.db_table} WHERE municipality_id = %s "
        f"UNION ALL SELECT observed_at FROM {WalkFinding._meta.db_table} "
        "WHERE municipality_id = %s "
        f"UNION ALL SELECT occurred_at FROM {Incident._meta.db_table} WHERE municipality_id = %s"
        ") r",
        [municipality_id] * 3,
    )[0]
    return first, last
