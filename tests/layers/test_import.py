"""`trygg import` and `trygg imports` against the real PostGIS, with files made here: a
GeoPackage in a local SWEREF 99 zone with Swedish columns, a zipped Shapefile, a Windows-1252 CSV
with semicolons and decimal commas, an XLSX police list and a CSV with swapped coordinates."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import geopandas as gpd
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from layers.models import (
    Camera,
    ImportBatch,
    ImportProfile,
    Incident,
    LuxReading,
    StreetLamp,
    Vegetation,
)
from tests.layers._import_files import run

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _geos(point):
    from django.contrib.gis.geos import GEOSGeometry

    return GEOSGeometry(point.wkt, srid=settings.TRYGG_SRID)


def lamp_register(path: Path, places: gpd.GeoSeries, statuses: list[str]) -> Path:
    """A lamp register GeoPackage in EPSG:3008 (SWEREF 99 13 30) with Swedish columns."""
    frame = gpd.GeoDataFrame(
        {
            "ObjektID": [f"L-{i}" for i in range(len(statuses))],
            "Status": statuses,
            "Besiktad": ["2026-11-30"] * len(statuses),
        },
        geometry=places[: len(statuses)].to_crs(3008).values,
        crs=3008,
    )
    frame.to_file(path, driver="GPKG", layer="belysning")
    return path


def test_a_lamp_register_in_a_local_zone(demo, places, tmp_path):
    path = lamp_register(tmp_path / "lampor.gpkg", places, ["Trasig", "Hel", "Okänd"])
    result = run("lamps", str(path), "--source", "gatukontoret")
    assert result["created"] == 3 and result["rejected"] == []
    assert set(result) == {
        "batch",
        "layer",
        "created",
        "updated",
        "unchanged",
        "removed",
        "rejected",
    }
    lamps = {
        lamp.source_id: lamp
        for lamp in StreetLamp.objects.filter(municipality=demo, source="gatukontoret")
    }
    assert {k: v.status for k, v in lamps.items()} == {
        "L-0": "broken",
        "L-1": "working",
        "L-2": "unknown",
    }
    # EPSG:3008 there and back: the same place in the storage CRS, to the centimetre.
    assert lamps["L-0"].geom.distance(_geos(places[0])) < 0.01
    assert lamps["L-0"].status_checked_at == datetime(2026, 11, 30, tzinfo=STOCKHOLM)
    batch = ImportBatch.objects.get(pk=result["batch"])
    assert lamps["L-1"].batch_id == batch.pk
    assert (batch.layer, batch.source, batch.file_name, batch.crs) == (
        "lamps",
        "gatukontoret",
        "lampor.gpkg",
        "EPSG:3008",
    )
    assert len(batch.file_sha256) == 64 and batch.created == 3


def test_the_same_file_again_changes_nothing_a_newer_one_updates_and_replace_removes(
    demo, places, tmp_path
):
    first = lamp_register(tmp_path / "v1.gpkg", places, ["Trasig", "Hel", "Hel"])
    run("lamps", str(first), "--source", "reg")
    again = run("lamps", str(first), "--source", "reg")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)

    newer = lamp_register(tmp_path / "v2.gpkg", places, ["Hel", "Hel"])  # L-2 gone, L-0 fixed
    update = run("lamps", str(newer), "--source", "reg", "--replace")
    assert (update["created"], update["updated"], update["unchanged"], update["removed"]) == (
        0,
        1,
        1,
        1,
    )
    lamps = StreetLamp.objects.filter(municipality=demo, source="reg")
    assert sorted(lamps.values_list("source_id", "status")) == [
        ("L-0", "working"),
        ("L-1", "working"),
    ]
    # The lamps of another source (OSM) are not touched by --replace.
    assert StreetLamp.objects.filter(municipality=demo, source="osm").exists()

    out = io.StringIO()
    call_command("imports", "undo", str(update["batch"]), stdout=out)
    assert sorted(lamps.values_list("source_id", "status")) == [
        ("L-0", "broken"),
        ("L-1", "working"),
        ("L-2", "working"),
    ]
    assert ImportBatch.objects.get(pk=update["batch"]).undone_at is not None
    with pytest.raises(CommandError, match="already undone"):
        call_command("imports", "undo", str(update["batch"]))


def test_undo_of_an_older_batch_is_refused_and_undo_removes_what_was_created(
    demo, places, tmp_path
):
    first = run("lamps", str(lamp_register(tmp_path / "a.gpkg", places, ["Hel"])), "--source", "r")
    second = run(
        "lamps", str(lamp_register(tmp_path / "b.gpkg", places, ["Hel", "Hel"])), "--source", "r"
    )
    with pytest.raises(CommandError, match=f"batch {second['batch']} .* came later"):
        call_command("imports", "undo", str(first["batch"]))
    call_command("imports", "undo", str(second["batch"]), stdout=io.StringIO())
    call_command("imports", "undo", str(first["batch"]), stdout=io.StringIO())
    assert not StreetLamp.objects.filter(municipality=demo, source="r").exists()


def test_a_zipped_shapefile_of_trees_and_shrubs(demo, places, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame(
        {"Typ": ["Träd", "Buske", "Häck"], "Hojd": [8.5, 1.2, 1.1]},
        geometry=list(places[:3]),
        crs=places.crs,
    ).to_file(folder / "vegetation.shp", driver="ESRI Shapefile", encoding="UTF-8")
    archive = tmp_path / "vegetation.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, part.name)
    result = run("vegetation", str(archive), "--map", "Hojd=height_m", "--source", "park")
    assert result["created"] == 3 and result["rejected"] == []
    found = Vegetation.objects.filter(municipality=demo, source="park").order_by("height_m")
    assert [(v.kind, v.height_m) for v in found] == [("hedge", 1.1), ("scrub", 1.2), ("tree", 8.5)]
    # No id column: each record's content is its identity, so the same file is unchanged.
    assert (
        run("vegetation", str(archive), "--map", "Hojd=height_m", "--source", "park")["unchanged"]
        == 3
    )


def lux_csv(path: Path, places: gpd.GeoSeries, rows: list[tuple[str, str]]) -> Path:
    """A lux meter's CSV as Excel writes it on a Swedish Windows: Windows-1252, semicolons,
    decimal commas. `rows` are (time, lux)."""
    wgs = places.to_crs(4326)
    lines = ["Tid;Latitud;Longitud;Lux;Mätare"]
    for (when, lux), point in zip(rows, wgs, strict=False):
        lat, lon = f"{point.y:.7f}".replace(".", ","), f"{point.x:.7f}".replace(".", ",")
        lines.append(f"{when};{lat};{lon};{lux};Åsa Öberg")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def test_a_windows_1252_lux_survey_with_a_bad_row(demo, places, tmp_path):
    path = lux_csv(
        tmp_path / "lux.csv",
        places,
        [
            ("2026-12-01 21.30", "12,5"),
            ("2026-12-01 21.31", "-3"),
            ("igår", "4"),
            ("1.12.2026 21.33", "0,8"),
        ],
    )
    dry = run("lux_readings", str(path), "--dry-run")
    assert dry["batch"] is None
    assert (dry["created"], [r["row"] for r in dry["rejected"]]) == (2, [2, 3])
    assert "lux" in dry["rejected"][0]["reason"]
    assert "measured_at" in dry["rejected"][1]["reason"]
    assert not LuxReading.objects.filter(municipality=demo, source="import").exists()
    assert not ImportBatch.objects.exists()

    result = run("lux_readings", str(path))
    assert {k: v for k, v in result.items() if k != "batch"} == {
        k: v for k, v in dry.items() if k != "batch"
    }
    readings = LuxReading.objects.filter(municipality=demo, source="import").order_by("lux")
    assert [(r.lux, r.measured_by) for r in readings] == [(0.8, "Åsa Öberg"), (12.5, "Åsa Öberg")]
    assert readings[1].measured_at == datetime(2026, 12, 1, 21, 30, tzinfo=STOCKHOLM)


def xlsx(path: Path, rows: list[list[str]]) -> Path:
    """A minimal XLSX workbook (inline strings), as a spreadsheet program writes one."""

    def cell(value: str) -> str:
        return f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    sheet = "".join(f"<row>{''.join(cell(v) for v in row)}</row>" for row in rows)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship '
            f'Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="Händelser" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship '
            f'Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        book.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>{sheet}'
            "</sheetData></worksheet>",
        )
    return path


def test_a_police_spreadsheet_with_spans(demo, places, tmp_path):
    points = places.to_crs(3006)
    rows = [["Diarienr", "Händelse", "Från", "Till", "Beskrivning", "N", "E"]]
    for number, (kind, start, end) in enumerate(
        [
            ("Skadegörelse", "2026-12-04 22:00", "06:00"),
            ("Klotter", "2026-12-05 14.10", ""),
            ("Fylla", "2026-12-05 01:00", ""),
        ]
    ):
        point = points[number]
        rows.append(
            [
                f"5000-K{number}",
                kind,
                start,
                end,
                "<b>fönster</b>",
                f"{point.y:.2f}",
                f"{point.x:.2f}",
            ]
        )
    path = xlsx(tmp_path / "polisen v49.xlsx", rows)
    result = run(
        "incidents",
        str(path),
        "--crs",
        "EPSG:3006",
        "--x",
        "E",
        "--y",
        "N",
        "--id-column",
        "Diarienr",
        "--set",
        "reported_by=police",
        "--source",
        "polisen",
        "--save-profile",
        "polisen-vecka",
    )
    assert result["created"] == 2
    assert result["rejected"] == [{"row": 3, "reason": result["rejected"][0]["reason"]}]
    assert (
        "Fylla" in result["rejected"][0]["reason"] and "--values" in result["rejected"][0]["reason"]
    )
    span = Incident.objects.get(municipality=demo, source="polisen", source_id="5000-K0")
    assert (span.type, span.reported_by) == ("vandalism", "police")
    assert span.occurred_at == datetime(2026, 12, 4, 22, 0, tzinfo=STOCKHOLM)
    assert span.occurred_to == datetime(2026, 12, 5, 6, 0, tzinfo=STOCKHOLM)
    assert span.description == "<b>fönster</b>"  # text is data: stored as typed
    moment = Incident.objects.get(municipality=demo, source="polisen", source_id="5000-K1")
    assert (moment.type, moment.occurred_to) == ("graffiti", None)

    # Next week: the saved profile, plus the value the police list uses for drunkenness.
    assert ImportProfile.objects.filter(municipality=demo, name="polisen-vecka").exists()
    again = run(
        "incidents", str(path), "--profile", "polisen-vecka", "--values", "type:Fylla=other"
    )
    assert (again["created"], again["unchanged"], again["rejected"]) == (1, 2, [])


def test_swapped_coordinates_store_nothing(demo, places, tmp_path):
    wgs = places.to_crs(4326)
    lines = ["id,lat,lon,lux"] + [f"{i},{p.x:.6f},{p.y:.6f},5" for i, p in enumerate(wgs)]
    path = tmp_path / "swapped.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match="latitude and longitude are swapped"):
        run("lux_readings", str(path), "--set", "measured_at=2026-12-01")
    assert not ImportBatch.objects.exists()
    assert not LuxReading.objects.filter(source="import").exists()


def test_a_projected_file_read_as_degrees_stores_nothing(demo, places, tmp_path):
    lines = ["id;lon;lat;lux"] + [f"{i};{p.x:.1f};{p.y:.1f};5" for i, p in enumerate(places)]
    path = tmp_path / "metres.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match="projected file read as degrees"):
        run("lux_readings", str(path), "--set", "measured_at=2026-12-01")
    assert not ImportBatch.objects.exists()


def test_a_file_not_what_its_name_says_stores_nothing(demo, places, tmp_path):
    gpkg = lamp_register(tmp_path / "real.gpkg", places, ["Hel"])
    renamed = tmp_path / "lampor.csv"
    renamed.write_bytes(gpkg.read_bytes())
    with pytest.raises(CommandError, match="named as a CSV text file but is a GeoPackage"):
        run("lamps", str(renamed))
    assert not ImportBatch.objects.exists()


def test_rows_outside_the_municipality_and_duplicate_ids_are_rejected(demo, places, tmp_path):
    far = places.translate(xoff=50_000)
    lines = ["id;x;y;riktning"]
    lines += [f"K{i};{p.x:.2f};{p.y:.2f};{90 * i}" for i, p in enumerate(places[:3])]
    lines += [";;;"]  # an empty spreadsheet row: skipped, but it keeps its number
    lines += [f"K9;{far[0].x:.2f};{far[0].y:.2f};0", f"K1;{places[4].x:.2f};{places[4].y:.2f};0"]
    path = tmp_path / "kameror.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run("cameras", str(path), "--crs", str(settings.TRYGG_SRID))
    assert result["created"] == 3
    assert [r["row"] for r in result["rejected"]] == [5, 6]
    assert "outside the municipality" in result["rejected"][0]["reason"]
    assert "appears earlier" in result["rejected"][1]["reason"]
    camera = Camera.objects.get(municipality=demo, source="import", source_id="K1")
    assert camera.direction_deg == 90 and camera.viewshed is not None


def test_options_that_cannot_work_are_one_line_errors(demo, places, tmp_path):
    path = lamp_register(tmp_path / "l.gpkg", places, ["Hel"])
    with pytest.raises(CommandError, match="--map: the file has no column 'Färg'"):
        run("lamps", str(path), "--map", "Färg=status")
    with pytest.raises(CommandError, match="--set: lamps has no field 'colour'"):
        run("lamps", str(path), "--set", "colour=red")
    with pytest.raises(CommandError, match="contradicts the file's own CRS EPSG:3008"):
        run("lamps", str(path), "--crs", "EPSG:3006")
    with pytest.raises(CommandError, match="--profile: no profile 'x'"):
        run("lamps", str(path), "--profile", "x")
    csv = tmp_path / "inc.csv"
    csv.write_text("id;lon;lat\n1;24.9;60.2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="incidents needs a column for type"):
        run("incidents", str(csv))


def test_imports_list(demo, places, tmp_path):
    result = run("lamps", str(lamp_register(tmp_path / "l.gpkg", places, ["Hel"])), "--source", "s")
    out = io.StringIO()
    call_command("imports", "list", "--municipality", "demo-helsinki", "--json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert (row["batch"], row["layer"], row["source"], row["created"]) == (
        result["batch"],
        "lamps",
        "s",
        1,
    )
    assert row["file_name"] == "l.gpkg" and row["imported_by"]


def test_the_seen_table_is_gone_after_an_import(demo, places, tmp_path):
    run("lamps", str(lamp_register(tmp_path / "l.gpkg", places, ["Hel"])))
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('trygg_import_seen')")
        assert cursor.fetchone()[0] is None


def test_a_span_that_ends_before_it_starts_is_rejected_and_a_span_is_shown(demo, tmp_path):
    from gis.dashboard.serializers import IncidentDetailSerializer

    centre = demo.boundary.point_on_surface.transform(4326, clone=True)
    path = tmp_path / "vakter.csv"
    path.write_text(
        "Id;Typ;Från;Till;Lon;Lat\n"
        f"1;Glaskross;2026-12-05 22:00;2026-12-05 21:00;{centre.x};{centre.y}\n"
        f"2;Glaskross;2026-12-05 22:00;2026-12-06 01:30;{centre.x};{centre.y}\n",
        encoding="utf-8",
    )
    result = run("incidents", str(path), "--set", "reported_by=guard", "--source", "vakt")
    assert result["created"] == 1
    (rejected,) = result["rejected"]
    assert rejected["row"] == 1 and rejected["reason"].startswith("occurred_to: ")
    incident = Incident.objects.get(municipality=demo, source="vakt")
    shown = IncidentDetailSerializer(incident, context={"request": None}).data
    assert shown["occurred_at"] == "2026-12-05T21:00:00+00:00"
    assert shown["occurred_to"] == "2026-12-06T00:30:00+00:00"
