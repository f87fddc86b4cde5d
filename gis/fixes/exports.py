"""The work list of fixes as files: CSV for spreadsheets and GeoJSON for GIS tools.

Both are written in WGS 84 (EPSG:4326, degrees): the CSV gives one representative point of each
place as ``longitude``/``latitude`` (6 decimals, about 0.1 m); the GeoJSON is an RFC 7946
FeatureCollection with the whole place, coordinates in (lon, lat) order and no ``crs`` member.
A place is given twice: ``place_name`` as people name it, in the active language
(:func:`gis.fixes.explain.place_label`, e.g. "Gångväg vid Töölönlahden puisto"), and
``place_kind`` with ``place_id``, the record it is. The CSV goes through
:mod:`gis.core.csvsafe`: text that begins like a formula is neutralised, while numbers are
written as numbers, so negative ones stay readable.

The functions take the fixes already filtered and ranked, each annotated with ``pin_count``
(see :func:`gis.fixes.views.filtered`), and a function that gives each fix's absolute URL, so
this module knows nothing of requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.conf import settings

from gis.core import csvsafe
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from gis.fixes import explain
from gis.fixes.models import Fix

gpd = lazy_module("geopandas")
shapely = lazy_module("shapely")

#: The CSV header, in column order.
CSV_COLUMNS = (
    "rank",
    "id",
    "fix_type",
    "department",
    "status",
    "score",
    "cost_class",
    "place_kind",
    "place_id",
    "place_name",
    "longitude",
    "latitude",
    "pins",
    "scheduled_for",
    "done_at",
    "explanation",
    "url",
)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
GEOJSON_CONTENT_TYPE = "application/geo+json"
#: Decimals of the WGS 84 coordinates in the CSV (1e-6 degrees is about 0.1 m).
COORDINATE_DECIMALS = 6
SCORE_DECIMALS = 4

UrlOf = Callable[[Fix], str]


def csv_filename(municipality: Municipality | None) -> str:
    """The download name of the CSV, e.g. ``fixes-0180.csv`` (``fixes-none.csv`` without one)."""
    code = municipality.code if municipality else "none"
    return f"fixes-{code}.csv"


def write_csv(stream, fixes: Iterable[Fix], *, url_of: UrlOf) -> None:
    """Write the header and one row per fix (in the given order) to the text `stream`.

    Parameters
    ----------
    stream : file-like
        Anything with ``write(str)`` (an ``HttpResponse``, a ``StringIO``).
    fixes : iterable of Fix
        Annotated with ``pin_count``; ``segment``, ``green_area`` and ``property`` preferably
        selected.
    url_of : callable
        The absolute URL of a fix's page.
    """
    fixes = list(fixes)
    points = to_wgs84([_shape(fix) for fix in fixes], representative=True)
    writer = csvsafe.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for fix, point in zip(fixes, points, strict=True):
        writer.writerow(
            [
                explain.rank(fix) or "",
                fix.pk,
                fix.fix_type,
                fix.department,
                fix.status,
                round(fix.score, SCORE_DECIMALS),
                fix.cost_class,
                explain.place_kind(fix),
                explain.place_id(fix),
                explain.place_label(fix),
                round(point.x, COORDINATE_DECIMALS),
                round(point.y, COORDINATE_DECIMALS),
                fix.pin_count,
                fix.scheduled_for.isoformat() if fix.scheduled_for else "",
                fix.done_at.isoformat() if fix.done_at else "",
                fix.explanation,
                url_of(fix),
            ]
        )


def feature_collection(fixes: Iterable[Fix], *, url_of: UrlOf) -> dict:
    """The fixes as an RFC 7946 FeatureCollection (WGS 84, lon/lat, full precision).

    Each Feature's ``id`` is the fix's id; its properties are the CSV's columns without the
    coordinates and dates, plus ``fix_type_label`` in the active language.
    """
    fixes = list(fixes)
    geoms = to_wgs84([_shape(fix) for fix in fixes])
    features = [
        {
            "type": "Feature",
            "id": fix.pk,
            "geometry": shapely.geometry.mapping(geom),
            "properties": {
                "rank": explain.rank(fix),
                "fix_type": fix.fix_type,
                "fix_type_label": str(fix.get_fix_type_display()),
                "department": fix.department,
                "status": fix.status,
                "score": round(fix.score, SCORE_DECIMALS),
                "cost_class": fix.cost_class,
                "place_kind": explain.place_kind(fix),
                "place_id": explain.place_id(fix),
                "place_name": explain.place_label(fix),
                "pins": fix.pin_count,
                "explanation": fix.explanation,
                "url": url_of(fix),
            },
        }
        for fix, geom in zip(fixes, geoms, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def geojson_text(fixes: Iterable[Fix], *, url_of: UrlOf) -> str:
    """:func:`feature_collection` as JSON text (UTF-8 characters kept, not escaped)."""
    return json.dumps(feature_collection(fixes, url_of=url_of), ensure_ascii=False)


def to_wgs84(geoms: list, *, representative: bool = False) -> list:
    """Shapes in the storage CRS (``settings.TRYGG_SRID``, metres) as WGS 84 shapes.

    Parameters
    ----------
    geoms : list of shapely geometries
        In the storage CRS.
    representative : bool
        Give a point guaranteed to lie on each shape instead of the shape.

    Returns
    -------
    list of shapely geometries
        In EPSG:4326 with x = longitude, y = latitude (degrees), the RFC 7946 axis order.
    """
    series = gpd.GeoSeries(geoms, crs=settings.TRYGG_SRID)
    if representative:
        series = series.representative_point()
    return list(series.to_crs(4326).values)


def _shape(fix: Fix):
    return shapely.from_wkb(bytes(fix.geom.wkb))
