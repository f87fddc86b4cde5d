"""The work-list files (gis.fixes.exports): spreadsheet-safe CSV and RFC 7946 GeoJSON in WGS 84."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.conf import settings
from django.contrib.gis.geos import LineString, Point
from django.db.models import Count
from pyproj import Transformer

from gis.fixes import exports
from gis.fixes.models import Fix
from tests.fixes.conftest import new_fix

# Two places in Helsinki (lon, lat in WGS 84 degrees): latitude > longitude there, so a swapped
# axis order cannot pass unnoticed.
KAMPPI = (24.9316, 60.1690)
RAILWAY_SQUARE = (24.9433, 60.1712)


def _to_storage(lon: float, lat: float) -> tuple[float, float]:
    """WGS 84 degrees -> the storage CRS (metres), by pyproj, independently of the module."""
    transformer = Transformer.from_crs(4326, settings.TRYGG_SRID, always_xy=True)
    return transformer.transform(lon, lat)


def _exported(*pks: int) -> list[Fix]:
    """The fixes as the work list hands them to the exports (annotated, ordered by id)."""
    return list(
        Fix.objects.filter(pk__in=pks)
        .select_related("segment", "green_area")
        .annotate(pin_count=Count("pins"))
        .order_by("pk")
    )


def _url(fix: Fix) -> str:
    return f"https://trygg.example/fixes/{fix.pk}/"


@pytest.fixture
def point_at_kamppi():
    point = Point(*_to_storage(*KAMPPI), srid=settings.TRYGG_SRID)
    assert abs(point.x - KAMPPI[0]) > 1000  # really metres, not degrees
    return point


def test_csv_neutralises_text_that_begins_like_a_formula(demo, point_at_kamppi):
    hostile = {
        "explanation": '=HYPERLINK("http://evil.example", "click")',
        "segment_name": '+SUM(A1:A9), "quoted"',
    }
    fix = new_fix(demo, geom=point_at_kamppi, explanation=hostile["explanation"], score=-3.5)
    fix.segment.name = hostile["segment_name"]
    fix.segment.house_numbers = ""
    fix.segment.save()
    calm = new_fix(demo, geom=point_at_kamppi, fix_type=Fix.Type.CLEAN, explanation="Plain text.")

    out = io.StringIO()
    exports.write_csv(out, _exported(fix.pk, calm.pk), url_of=_url)
    rows = list(csv.reader(io.StringIO(out.getvalue())))

    assert tuple(rows[0]) == exports.CSV_COLUMNS
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["explanation"] == "'" + hostile["explanation"]
    assert first["place_name"] == "'" + hostile["segment_name"]  # commas and quotes round-trip
    assert first["score"] == "-3.5"  # a number Trygg computed stays a number
    assert first["id"] == str(fix.pk) and first["url"] == _url(fix)
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["explanation"] == "Plain text." and second["fix_type"] == "clean"
    # The raw text quotes the cell that holds commas and quotes, as RFC 4180 wants.
    assert '"\'+SUM(A1:A9), ""quoted"""' in out.getvalue()


def test_csv_gives_a_wgs84_point_on_the_place_lon_then_lat(demo, point_at_kamppi):
    fix = new_fix(demo, geom=point_at_kamppi, rank=7)
    out = io.StringIO()
    exports.write_csv(out, _exported(fix.pk), url_of=_url)
    row = dict(zip(*csv.reader(io.StringIO(out.getvalue())), strict=True))
    assert float(row["longitude"]) == pytest.approx(KAMPPI[0], abs=2e-6)
    assert float(row["latitude"]) == pytest.approx(KAMPPI[1], abs=2e-6)
    assert row["rank"] == "7" and row["pins"] == "0" and row["place_kind"] == "segment"


def test_geojson_is_rfc7946_in_wgs84_with_lon_lat_axis_order(demo):
    line = LineString(_to_storage(*KAMPPI), _to_storage(*RAILWAY_SQUARE), srid=settings.TRYGG_SRID)
    fix = new_fix(demo, geom=line, explanation="Ljus åt gången")

    data = json.loads(exports.geojson_text(_exported(fix.pk), url_of=_url))

    assert data["type"] == "FeatureCollection" and "crs" not in data
    (feature,) = data["features"]
    assert feature["type"] == "Feature" and feature["id"] == fix.pk
    assert feature["geometry"]["type"] == "LineString"
    (lon0, lat0), (lon1, lat1) = feature["geometry"]["coordinates"]
    assert (lon0, lat0) == pytest.approx(KAMPPI, abs=1e-7)
    assert (lon1, lat1) == pytest.approx(RAILWAY_SQUARE, abs=1e-7)
    properties = feature["properties"]
    assert properties["explanation"] == "Ljus åt gången" and properties["url"] == _url(fix)
    assert properties["place_id"] == fix.segment_id and properties["pins"] == 0


def test_geojson_text_keeps_non_ascii_letters(demo, point_at_kamppi):
    fix = new_fix(demo, geom=point_at_kamppi, explanation="Töölö")
    assert '"Töölö"' in exports.geojson_text(_exported(fix.pk), url_of=_url)


def test_csv_filename_names_the_municipality(demo):
    assert exports.csv_filename(demo) == f"fixes-{demo.code}.csv"
    assert exports.csv_filename(None) == "fixes-none.csv"
