"""Exports of a walk's findings: GeoJSON (WGS 84), CSV (WGS 84 WKT) and GeoPackage (storage CRS).

Exports hold what the walk noted and who noted it by role, never participants' names or
device tokens. GeoJSON and GeoPackage carry text as typed values (JSON strings, SQLite TEXT),
which no reader evaluates; the CSV neutralises formula-like text (:mod:`gis.core.csvsafe`).
"""

from __future__ import annotations

import os
import tempfile

from django.conf import settings

from gis.core import csvsafe
from gis.core.lazy import lazy_module
from walks.models import SafetyWalk, WalkAudit, WalkFinding

gpd = lazy_module("geopandas")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

FINDING_COLUMNS = [
    "id",
    "client_uuid",
    "category",
    "category_name",
    "severity",
    "when",
    "author_role",
    "note",
    "observed_at",
    "gps_accuracy_m",
    "photos",
]


def findings_frame(walk: SafetyWalk) -> gpd.GeoDataFrame:
    """The walk's findings in the storage CRS (TRYGG_SRID, metres), oldest first."""
    rows = []
    geometries = []
    queryset = (
        WalkFinding.objects.filter(walk=walk)
        .select_related("category")
        .prefetch_related("photos")
        .order_by("observed_at", "id")
    )
    for finding in queryset:
        rows.append(
            {
                "id": finding.pk,
                "client_uuid": str(finding.client_uuid),
                "category": finding.category.code,
                "category_name": finding.category.name,
                "severity": finding.severity,
                "when": finding.when,
                "author_role": finding.author_role,
                "note": finding.note,
                "observed_at": finding.observed_at,
                "gps_accuracy_m": finding.gps_accuracy_m,
                "photos": len(finding.photos.all()),
            }
        )
        geometries.append(bytes(finding.geom.wkb))
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    frame["gps_accuracy_m"] = frame["gps_accuracy_m"].astype("float64")
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries.from_wkb(geometries), crs=settings.TRYGG_SRID
    )


def audits_frame(walk: SafetyWalk) -> gpd.GeoDataFrame:
    """The walk's audits (nine parameters 0–3 and their total) in the storage CRS."""
    columns = ["id", "stop_name", "observed_at", *WalkAudit.PARAMETERS, "total", "note"]
    rows, geometries = [], []
    for audit in WalkAudit.objects.filter(walk=walk).order_by("observed_at", "id"):
        row = {name: getattr(audit, name) for name in columns if name != "total"}
        row["id"] = audit.pk
        row["total"] = audit.total()
        rows.append(row)
        geometries.append(bytes(audit.geom.wkb))
    frame = pd.DataFrame(rows, columns=columns)
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries.from_wkb(geometries), crs=settings.TRYGG_SRID
    )


def _iso(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["observed_at"] = frame["observed_at"].map(
        lambda t: t.isoformat() if not pd.isna(t) else None
    )
    return frame


def geojson_of(frame: gpd.GeoDataFrame) -> bytes:
    """A GeoDataFrame (any CRS) as an RFC 7946 FeatureCollection in WGS 84, UTF-8."""
    return frame.to_crs(4326).to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def csv_of(frame: gpd.GeoDataFrame) -> bytes:
    """A GeoDataFrame (any CRS) as CSV: attributes, a representative point's lon/lat and WKT
    (WGS 84). Text cells go through :mod:`gis.core.csvsafe` (text that begins like a formula is
    neutralised); numeric columns keep their numbers."""
    frame = frame.to_crs(4326)
    points = frame.geometry.representative_point()
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["lon"] = points.x.round(7)
    table["lat"] = points.y.round(7)
    table["wkt"] = shapely.to_wkt(frame.geometry.values, rounding_precision=7)
    return csvsafe.safe_frame(table).to_csv(index=False).encode("utf-8")


def export_geojson(walk: SafetyWalk) -> bytes:
    """The findings as an RFC 7946 FeatureCollection (WGS 84)."""
    return geojson_of(_iso(findings_frame(walk)))


def export_csv(walk: SafetyWalk) -> bytes:
    """The findings as CSV: attributes, a representative point's lon/lat and WKT (WGS 84)."""
    return csv_of(_iso(findings_frame(walk)))


def export_gpkg(walk: SafetyWalk) -> bytes:
    """A GeoPackage in the storage CRS with the layers findings, audits and route."""
    findings = _iso(findings_frame(walk))
    audits = _iso(audits_frame(walk))
    route = gpd.GeoDataFrame(
        {"title": [walk.title], "starts_at": [walk.starts_at.isoformat()]},
        geometry=gpd.GeoSeries.from_wkb([bytes(walk.route.wkb)] if walk.route else [None]),
        crs=settings.TRYGG_SRID,
    )
    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    os.unlink(path)
    try:
        findings.to_file(path, layer="findings", driver="GPKG", engine="pyogrio")
        audits.to_file(path, layer="audits", driver="GPKG", engine="pyogrio")
        if walk.route is not None:
            route.to_file(path, layer="route", driver="GPKG", engine="pyogrio")
        with open(path, "rb") as handle_in:
            return handle_in.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)
