"""The pure parts of `trygg import` (layers.imports), without a database: reading files,
recognising Swedish columns and values, dates and numbers, and the traps."""

from __future__ import annotations

import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pyproj
import pytest
import shapely

from layers.imports import ImportFileError
from layers.imports import columns as cols
from layers.imports.reading import file_kind, open_table
from layers.imports.traps import Locator

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_windows_1252_csv_with_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "lux.csv"
    path.write_bytes(
        "Tid;Latitud;Longitud;Lux;Mätare\n2026-12-01 21.30;59,33;18,06;12,5;Åsa\n".encode("cp1252")
    )
    table = open_table(path)
    assert (table.encoding, table.delimiter, table.decimal_comma) == ("cp1252", ";", True)
    assert table.columns == ["Tid", "Latitud", "Longitud", "Lux", "Mätare"]
    (chunk,) = list(table.chunks())
    assert chunk == [
        {
            "Tid": "2026-12-01 21.30",
            "Latitud": "59,33",
            "Longitud": "18,06",
            "Lux": "12,5",
            "Mätare": "Åsa",
        }
    ]


def test_utf8_bom_and_tabs(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_bytes("\ufeffid\tlon\tlat\n1\t18.1\t59.3\n".encode())
    table = open_table(path)
    assert (table.encoding, table.delimiter, table.columns) == (
        "utf-8-sig",
        "\t",
        ["id", "lon", "lat"],
    )


def test_chunks_are_bounded_and_numbered_in_order(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("id,lux\n" + "".join(f"{i},1\n" for i in range(12)), encoding="utf-8")
    sizes = [len(chunk) for chunk in open_table(path).chunks(5)]
    assert sizes == [5, 5, 2]


def test_a_file_that_is_not_what_its_name_says(tmp_path):
    path = tmp_path / "lampor.csv"
    path.write_bytes(b"SQLite format 3\x00" + bytes(200))
    with pytest.raises(ImportFileError, match="named as a CSV text file but is a GeoPackage"):
        file_kind(path)
    fake = tmp_path / "lampor.gpkg"
    fake.write_text("id;lux\n1;2\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="named as a GeoPackage but is a CSV"):
        open_table(fake)


def test_a_zip_bomb_is_refused_unread(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.shp", bytes(50_000_000))
    with pytest.raises(ImportFileError, match="zip bomb"):
        open_table(path)


def test_swedish_and_english_columns_are_recognised():
    found = cols.recognise(
        ["ObjektID", "Status", "Besiktad", "Latitud", "Longitud", "Övrigt"],
        "lamps",
        ["status", "status_checked_at"],
    )
    assert found == {
        "status": "Status",
        "status_checked_at": "Besiktad",
        "source_id": "ObjektID",
        "lon": "Longitud",
        "lat": "Latitud",
    }
    incidents = cols.recognise(
        ["Händelse", "Från", "Till", "X", "Y"], "incidents", ["type", "occurred_at", "occurred_to"]
    )
    assert incidents == {
        "type": "Händelse",
        "occurred_at": "Från",
        "occurred_to": "Till",
        "x": "X",
        "y": "Y",
    }


@pytest.mark.parametrize(
    ("text", "number"),
    [("12,5", 12.5), ("1 234,5", 1234.5), ("1\u00a0234,5", 1234.5), ("-3.25", -3.25), (7, 7.0)],
)
def test_numbers_with_decimal_commas(text, number):
    assert cols.parse_number(text) == number


def test_not_a_number():
    with pytest.raises(ValueError, match="not a number"):
        cols.parse_number("tolv")


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-05 22:30",
        "2026-12-05 22.30",
        "2026-12-05T22:30:00",
        "5.12.2026 22.30",
        "2026-12-05 kl. 22:30",
        "05/12/2026 22:30",
        "2026-12-05T21:30:00Z",
    ],
)
def test_swedish_and_iso_moments_in_the_local_zone(text):
    assert cols.parse_moment(text, STOCKHOLM) == datetime(2026, 12, 5, 22, 30, tzinfo=STOCKHOLM)


def test_a_span_end_given_as_a_time_is_the_next_morning():
    start = cols.parse_moment("2026-12-05 22:00", STOCKHOLM)
    end = cols.parse_moment("06:00", STOCKHOLM, after=start)
    assert end == datetime(2026, 12, 6, 6, 0, tzinfo=STOCKHOLM)
    assert cols.parse_moment("23:30", STOCKHOLM, after=start).day == 5
    with pytest.raises(ValueError):
        cols.parse_moment("igår", STOCKHOLM)
    with pytest.raises(ValueError):
        cols.parse_moment("2026-13-01", STOCKHOLM)


def test_values_map_to_categories():
    choices = {"working": "Working", "broken": "Broken", "unknown": "Unknown"}
    assert cols.map_choice("Trasig", "status", choices, {}) == "broken"
    assert cols.map_choice("BROKEN", "status", choices, {}) == "broken"
    assert cols.map_choice("Släckt", "status", choices, {}) == "broken"
    overrides = cols.parse_value_maps(["status:Röd=broken"])["status"]
    assert cols.map_choice("röd", "status", choices, overrides) == "broken"
    with pytest.raises(ValueError, match="not one of working, broken, unknown"):
        cols.map_choice("Blå", "status", choices, {})
    with pytest.raises(ImportFileError, match="--values takes"):
        cols.parse_value_maps(["status=broken"])


def _locator(columns, crs="EPSG:4326"):
    return Locator(crs=pyproj.CRS.from_user_input(crs), storage_srid=3006, columns=columns)


# A square of about 3 km around Stockholm's Sergels torg, in EPSG:3006.
BOUNDARY = shapely.box(673000, 6579000, 676000, 6582000)


def test_swapped_latitude_and_longitude_are_refused():
    rows = [{"lat": "18.07", "lon": "59.33"}, {"lat": "18.065", "lon": "59.332"}]
    with pytest.raises(ImportFileError, match="latitude and longitude are swapped"):
        _locator({"lon": "lon", "lat": "lat"}).check_sample(rows, BOUNDARY)
    right = [{"lat": "59.33", "lon": "18.07"}]
    _locator({"lon": "lon", "lat": "lat"}).check_sample(right, BOUNDARY)


def test_a_projected_file_read_as_degrees_is_refused():
    rows = [{"lon": "674000", "lat": "6580000"}]
    with pytest.raises(ImportFileError, match="projected file read as degrees"):
        _locator({"lon": "lon", "lat": "lat"}).check_sample(rows, BOUNDARY)


def test_degrees_read_as_a_projected_crs_are_refused():
    rows = [{"x": "18.07", "y": "59.33"}]
    with pytest.raises(ImportFileError, match="look like degrees"):
        _locator({"x": "x", "y": "y"}, "EPSG:3006").check_sample(rows, BOUNDARY)


def test_a_local_sweref_zone_is_transformed_to_storage():
    here = shapely.Point(674000, 6580000)
    to_3011 = pyproj.Transformer.from_crs("EPSG:3006", "EPSG:3011", always_xy=True)
    x, y = to_3011.transform(here.x, here.y)
    located = _locator({"x": "e", "y": "n"}, "EPSG:3011").geometry(
        {"e": f"{x:.3f}".replace(".", ","), "n": str(y)}
    )
    assert located.distance(here) < 0.01


def test_a_chunk_is_located_as_its_records_are_one_by_one():
    """The chunk-at-once location gives what the record-by-record one gives, bit for bit, and
    None where that one has a reason to give (no, bad or non-degree coordinates)."""
    rows = [
        {"lon": "18,07", "lat": "59,33"},
        {"lon": " 18.0651 ", "lat": "59.332"},
        {"lon": "", "lat": "59.3"},
        {"lon": "öst", "lat": "59.3"},
        {"lon": "674000", "lat": "6580000"},
        {"lon": 18.06, "lat": 59.331},
    ]
    locator = _locator({"lon": "lon", "lat": "lat"})
    found = locator.geometries(rows)
    assert [g is None for g in found] == [False, False, True, True, True, False]
    for row, geometry in zip(rows, found, strict=True):
        if geometry is None:
            with pytest.raises(ValueError):
                locator.geometry(row)
        else:
            assert shapely.to_wkb(geometry) == shapely.to_wkb(locator.geometry(row))


def test_a_chunk_of_gdal_geometries_is_located_as_one_by_one():
    from layers.imports.reading import GEOMETRY

    square = shapely.box(18.06, 59.33, 18.07, 59.335)
    bowtie = shapely.Polygon([(18.06, 59.33), (18.07, 59.335), (18.07, 59.33), (18.06, 59.335)])
    rows = [{GEOMETRY: shapely.to_wkb(g)} for g in (square, bowtie, shapely.Point(18.06, 59.33))]
    rows.append({GEOMETRY: None})
    locator = _locator({})
    found = locator.geometries(rows)
    assert [g is None for g in found] == [False, True, False, True]  # the bowtie: make_valid
    assert shapely.to_wkb(found[0]) == shapely.to_wkb(locator.geometry(rows[0]))
    assert shapely.to_wkb(found[2]) == shapely.to_wkb(locator.geometry(rows[2]))


def test_reading_ahead_keeps_order_and_hands_on_errors():
    from layers.imports.ahead import read_ahead

    assert list(read_ahead(iter(range(50)))) == list(range(50))

    def failing():
        yield 1
        raise ImportFileError("the second chunk is bad")

    got = []
    with pytest.raises(ImportFileError, match="second chunk"):
        for item in read_ahead(failing()):
            got.append(item)
    assert got == [1]
    early = read_ahead(iter(range(1000)))
    assert next(early) == 0
    early.close()  # the worker stops instead of reading the rest
