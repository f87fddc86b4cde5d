"""`trygg import` of the formats and choices the first tests leave out, with files made here:
GeoJSON, FlatGeobuf and KML lamp registers, a GeoPackage with two layers (``--layer``), a
UTF-8 CSV with a BOM and tabs, an XLSX with Swedish dates; the progress an upload page shows;
undo after ``--replace``; and the command line's one-line errors with exit code 1."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from layers.batches import ImportOptions, run_import
from layers.models import ImportBatch, LuxReading, StreetLamp
from tests.conftest import ROOT
from tests.layers._import_files import run
from tests.layers.test_import import lamp_register, lux_csv, xlsx

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def registers(places: gpd.GeoSeries, n: int = 3) -> gpd.GeoDataFrame:
    """A lamp register in WGS 84 with Swedish columns."""
    return gpd.GeoDataFrame(
        {
            "ObjektID": [f"L-{i}" for i in range(n)],
            "Status": ["Trasig", "Hel", "Okänd"][:n],
        },
        geometry=places[:n].to_crs(4326).values,
        crs=4326,
    )


@pytest.mark.parametrize(
    ("name", "driver"),
    [("lampor.geojson", "GeoJSON"), ("lampor.fgb", "FlatGeobuf"), ("lampor.kml", "LIBKML")],
)
def test_geojson_flatgeobuf_and_kml(demo, places, tmp_path, name, driver):
    path = tmp_path / name
    registers(places).to_file(path, driver=driver)
    # KML's own placemark ids ("lampor.1") would be taken for the register's: name the column.
    result = run("lamps", str(path), "--source", driver.lower(), "--id-column", "ObjektID")
    assert (result["created"], result["rejected"]) == (3, [])
    lamps = StreetLamp.objects.filter(municipality=demo, source=driver.lower())
    assert sorted(lamps.values_list("source_id", "status")) == [
        ("L-0", "broken"),
        ("L-1", "working"),
        ("L-2", "unknown"),
    ]
    stored = lamps.get(source_id="L-1").geom
    assert stored.srid == settings.TRYGG_SRID
    assert stored.distance(demo.boundary.point_on_surface) == pytest.approx(30 + 15, abs=20)


def test_a_geopackage_with_two_layers_needs_its_layer_named(demo, places, tmp_path):
    path = tmp_path / "export.gpkg"
    registers(places).to_file(path, driver="GPKG", layer="gatubelysning")
    registers(places, 1).to_file(path, driver="GPKG", layer="stolpar")
    with pytest.raises(CommandError) as error:
        run("lamps", str(path))
    message = str(error.value)
    assert "\n" not in message
    assert "gatubelysning" in message and "stolpar" in message and "--layer" in message
    with pytest.raises(CommandError, match="has no layer 'master'; its layers are gatub"):
        run("lamps", str(path), "--layer", "master")
    result = run("lamps", str(path), "--layer", "stolpar", "--source", "stolpar")
    assert result["created"] == 1
    assert not ImportBatch.objects.filter(source="import").exists()


def test_a_utf8_csv_with_a_bom_and_tabs(demo, places, tmp_path):
    wgs = places.to_crs(4326)
    lines = ["Lon\tLat\tLux\tTidpunkt\tMätare"]
    lines += [
        f"{p.x:.7f}\t{p.y:.7f}\t{i},5\t2026-12-0{i + 1} 18:00\tÅsa" for i, p in enumerate(wgs)
    ]
    path = tmp_path / "lux.tsv"
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    result = run("lux_readings", str(path), "--source", "bom")
    assert (result["created"], result["rejected"]) == (6, [])
    readings = LuxReading.objects.filter(municipality=demo, source="bom").order_by("lux")
    assert [r.lux for r in readings] == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]
    assert readings[0].measured_by == "Åsa"
    assert readings[2].measured_at == datetime(2026, 12, 3, 18, 0, tzinfo=STOCKHOLM)


def test_an_xlsx_with_swedish_dates(demo, places, tmp_path):
    wgs = places.to_crs(4326)
    rows = [["Lampnummer", "Skick", "Besiktningsdatum", "Longitud", "Latitud"]]
    dates = ["30.11.2026", "2026-11-29 kl. 14.30", "1/12/2026", "igår"]
    for i, when in enumerate(dates):
        rows.append([f"B{i}", "Hel", when, f"{wgs[i].x:.7f}", f"{wgs[i].y:.7f}"])
    path = xlsx(tmp_path / "besiktning.xlsx", rows)
    result = run("lamps", str(path), "--id-column", "Lampnummer", "--source", "besiktning")
    assert result["created"] == 3
    assert [r["row"] for r in result["rejected"]] == [4]
    assert result["rejected"][0]["reason"].startswith("status_checked_at: ")
    checked = dict(
        StreetLamp.objects.filter(municipality=demo, source="besiktning").values_list(
            "source_id", "status_checked_at"
        )
    )
    assert checked == {
        "B0": datetime(2026, 11, 30, tzinfo=STOCKHOLM),
        "B1": datetime(2026, 11, 29, 14, 30, tzinfo=STOCKHOLM),
        "B2": datetime(2026, 12, 1, tzinfo=STOCKHOLM),
    }


def test_progress_is_reported_after_each_chunk(demo, places, tmp_path):
    path = lux_csv(tmp_path / "lux.csv", places, [(f"2026-12-01 21.3{i}", "5") for i in range(5)])
    seen: list[int] = []
    result = run_import(
        ImportOptions(
            layer="lux_readings",
            path=path,
            municipality=demo,
            chunk=2,
            progress=seen.append,
        )
    )
    assert seen == [2, 4, 5]
    assert result.created == 5


def test_undo_after_replace_brings_back_what_was_removed(demo, places, tmp_path):
    # Two readings with ids, then a file that holds only the first: --replace removes the other.
    ids = tmp_path / "ids.csv"
    header, one, two = _lux_lines(places)
    ids.write_text("\n".join([header, one, two]), encoding="utf-8")
    run("lux_readings", str(ids), "--source", "mätbil")
    kept = {r.source_id: r for r in LuxReading.objects.filter(source="mätbil")}
    assert set(kept) == {"M1", "M2"}
    only = tmp_path / "only.csv"
    only.write_text("\n".join([header, one]), encoding="utf-8")
    replaced = run("lux_readings", str(only), "--source", "mätbil", "--replace")
    assert (replaced["unchanged"], replaced["removed"]) == (1, 1)
    assert not LuxReading.objects.filter(source="mätbil", source_id="M2").exists()

    call_command("imports", "undo", str(replaced["batch"]), stdout=io.StringIO())
    back = LuxReading.objects.get(source="mätbil", source_id="M2")
    old = kept["M2"]
    assert (back.pk, back.lux, back.measured_at, back.measured_by) == (
        old.pk,
        old.lux,
        old.measured_at,
        old.measured_by,
    )
    assert back.geom.equals_exact(old.geom, 1e-6) and back.batch_id == old.batch_id


def _lux_lines(places: gpd.GeoSeries) -> tuple[str, str, str]:
    wgs = places.to_crs(4326)
    rows = [
        f"M{i};{wgs[i].x:.7f};{wgs[i].y:.7f};{lux};2026-12-01 21:0{i};Bo"
        for i, lux in ((1, "7,25"), (2, "0,5"))
    ]
    return "id;lon;lat;lux;tid;mätare", rows[0], rows[1]


@pytest.fixture
def cli(test_database_name):
    """`trygg import …` as a process on the test database: (exit code, stderr lines)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
        "TRYGG_DB_NAME": test_database_name,
        "TRYGG_DEFAULT_SRID": str(settings.TRYGG_SRID),
    }

    def call(*args: str) -> tuple[int, list[str]]:
        result = subprocess.run(
            [sys.executable, "-m", "gis.cli", "import", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return result.returncode, result.stderr.strip().splitlines()

    return call


def test_the_command_line_fails_with_one_line(demo, places, cli, tmp_path):
    gpkg = lamp_register(tmp_path / "l.gpkg", places, ["Hel"])
    cases = [
        (["lamps", str(gpkg), "--layer", "nej"], "--layer: l.gpkg has no layer 'nej'"),
        (["lamps", str(tmp_path / "borta.gpkg")], "borta.gpkg: no such file"),
        (["lamps", str(gpkg), "--municipality", "atlantis"], "--municipality must be one of"),
        (["lamps", str(gpkg), "--crs", "EPSG:999999"], "--crs must be a CRS such as EPSG:3008"),
        (["lamps", str(gpkg), "--map", "Status"], "--map takes KEY=VALUE, got 'Status'"),
    ]
    for args, message in cases:
        if "--municipality" not in args:
            args = [*args, "--municipality", demo.code]
        code, stderr = cli(*args)
        assert code == 1, (args, stderr)
        assert len(stderr) == 1 and stderr[0].startswith("CommandError: "), (args, stderr)
        assert message in stderr[0], (args, stderr)
    assert not ImportBatch.objects.exists()


def test_the_chunk_road_and_the_object_road_give_the_same_import(
    demo, places, tmp_path, monkeypatch
):
    """Lamps go through the chunk-at-once check and COPY; the same file through the object by
    object road (as cameras and incidents go) gives the same figures, reasons and values."""
    from layers import batches

    wgs = places.to_crs(4326)
    far = places.translate(xoff=50_000).to_crs(4326)
    lines = ["id;lon;lat;status;kontrollerad"]
    lines += [f"A{i};{p.x:.7f};{p.y:.7f};Hel;2026-11-0{i + 1}" for i, p in enumerate(wgs[:3])]
    lines += [
        f"B1;{far[0].x:.7f};{far[0].y:.7f};Hel;2026-11-01",  # outside
        f"B2;{wgs[3].x:.7f};{wgs[3].y:.7f};Blinkar;2026-11-01",  # unknown status
        f"B3;{wgs[4].x:.7f};;Hel;2026-11-01",  # no latitude
        f"A1;{wgs[5].x:.7f};{wgs[5].y:.7f};Trasig;2026-11-01",  # id again
        f"B4;{wgs[5].x:.7f};{wgs[5].y:.7f};Trasig;igår",  # bad date
        ";;;;",
        f"B5;{wgs[5].x:.7f};{wgs[5].y:.7f};Trasig;1.12.2026 kl. 07.15",
    ]
    path = tmp_path / "lampor.csv"
    path.write_text("\n".join(lines), encoding="utf-8")

    def stored(source: str) -> list[tuple]:
        lamps = StreetLamp.objects.filter(municipality=demo, source=source).order_by("source_id")
        return [(s.source_id, s.status, s.status_checked_at, s.geom.wkt) for s in lamps]

    fast = run("lamps", str(path), "--source", "fast")
    monkeypatch.setattr(batches, "_staged", lambda spec, options: False)
    slow = run("lamps", str(path), "--source", "slow")
    assert fast["created"] == 4 and [r["row"] for r in fast["rejected"]] == [4, 5, 6, 8, 7]
    assert {k: v for k, v in fast.items() if k != "batch"} == {
        k: v for k, v in slow.items() if k != "batch"
    }
    assert stored("fast") == stored("slow")


@pytest.mark.parametrize("chunk", [2, 3, 6])
def test_an_id_repeated_in_a_later_chunk_of_a_new_source_is_rejected(demo, places, tmp_path, chunk):
    """A chunk of a new source is copied straight into the layer unless a key repeats in it
    (chunk 3 and 6) or the layer holds it from an earlier chunk (2 and 3): the same result."""
    header, one, two = _lux_lines(places)
    path = tmp_path / "upprepad.csv"
    path.write_text("\n".join([header, one, two, two, one, two]), encoding="utf-8")
    result = run_import(
        ImportOptions(
            layer="lux_readings",
            path=path,
            municipality=demo,
            source="ny",
            chunk=chunk,
            replace=True,
        )
    )
    assert (result.created, result.removed) == (2, 0)
    assert [(r["row"], r["reason"]) for r in result.rejected] == [
        (3, "the id 'M2' appears earlier"),
        (4, "the id 'M1' appears earlier"),
        (5, "the id 'M2' appears earlier"),
    ]
    stored = LuxReading.objects.filter(municipality=demo, source="ny").order_by("source_id")
    assert [(r.source_id, r.lux, r.measured_by) for r in stored] == [
        ("M1", 7.25, "Bo"),
        ("M2", 0.5, "Bo"),
    ]
