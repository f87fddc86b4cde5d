"""A campaign's results as a GeoDataFrame (through the one ORM adapter, `gis.frames.frame`) and
its exports: GeoJSON (WGS 84), CSV (WGS 84 WKT, formula-safe) and GeoPackage (storage CRS).

Exports hold published features only unless a coordinator asks for all (with the moderation
status); never the contact e-mail, the address hash or the device token of an answer. The
helpers of the walks' exports (walks.export) shape the files the same way.
"""

from __future__ import annotations

import os
import tempfile

from django.db.models import Count, QuerySet

from gis.campaigns.models import Campaign, CampaignFeature
from gis.core.lazy import lazy_module
from gis.frames import frame
from walks.export import csv_of, geojson_of
from walks.models import Category

gpd = lazy_module("geopandas")
pd = lazy_module("pandas")

FORMATS = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}
COLUMNS = {
    "id": "id",
    "response_id": "response",
    "kind": "kind",
    "category__code": "category",
    "when": "when",
    "comment": "comment",
    "status": "status",
    "response__submitted_at": "submitted_at",
    "pin_id": "pin",
    "photo_count": "photos",
}


def features(campaign: Campaign, *, published_only: bool = True) -> QuerySet[CampaignFeature]:
    """The campaign's features, oldest answer first; published ones only unless asked."""
    queryset = CampaignFeature.objects.filter(response__campaign=campaign).order_by(
        "response__submitted_at", "id"
    )
    if published_only:
        queryset = queryset.filter(status=CampaignFeature.Moderation.PUBLISHED)
    return queryset


def features_frame(campaign: Campaign, *, published_only: bool = True) -> gpd.GeoDataFrame:
    """One row per feature in the storage CRS (TRYGG_SRID, metres): id, response, kind,
    category (code), category_name (active language), when, comment, status, submitted_at
    (ISO 8601), pin (the resident report made of it), photos (how many)."""
    queryset = features(campaign, published_only=published_only).annotate(
        photo_count=Count("photos")
    )
    result = frame(queryset, *COLUMNS, rename=COLUMNS)
    names = {c.code: c.name for c in Category.objects.all()}
    result["category"] = result["category"].fillna("")
    result.insert(4, "category_name", result["category"].map(lambda c: names.get(c, "")))
    result["submitted_at"] = result["submitted_at"].map(
        lambda t: t.isoformat() if not pd.isna(t) else None
    )
    result["pin"] = result["pin"].astype("Int64")
    result["photos"] = result["photos"].astype("int64")
    if published_only:
        result = result.drop(columns="status")
    return result


def answers_frame(campaign: Campaign) -> pd.DataFrame:
    """One row per response with its answers by question key (NaN where unanswered)."""
    keys = [q["key"] for q in campaign.questions]
    rows = [
        {key: (answers or {}).get(key) for key in keys}
        for answers in campaign.responses.order_by("submitted_at", "id").values_list(
            "answers", flat=True
        )
    ]
    return pd.DataFrame(rows, columns=keys)


def export_geojson(campaign: Campaign, *, published_only: bool = True) -> bytes:
    """The features as an RFC 7946 FeatureCollection (WGS 84)."""
    return geojson_of(features_frame(campaign, published_only=published_only))


def export_csv(campaign: Campaign, *, published_only: bool = True) -> bytes:
    """The features as CSV with lon/lat and WKT (WGS 84), formula-safe (walks.export.csv_of)."""
    return csv_of(features_frame(campaign, published_only=published_only))


def export_gpkg(campaign: Campaign, *, published_only: bool = True) -> bytes:
    """A GeoPackage in the storage CRS with one layer per kind: points, avoided_ways,
    avoided_places (a layer holds one geometry type), each present when it has rows."""
    result = features_frame(campaign, published_only=published_only)
    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    os.unlink(path)
    layers = {"point": "points", "avoided_way": "avoided_ways", "avoided_place": "avoided_places"}
    try:
        written = False
        for kind, layer in layers.items():
            part = result[result["kind"] == kind]
            if len(part) or (not written and kind == "avoided_place"):
                part.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
                written = True
        with open(path, "rb") as handle_in:
            return handle_in.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)


EXPORTERS = {"geojson": export_geojson, "csv": export_csv, "gpkg": export_gpkg}
