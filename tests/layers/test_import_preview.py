"""What the import page detects in a file and its preview, on the real PostGIS and GDAL, with
files made here."""

from __future__ import annotations

import pytest

from layers.batches import ImportOptions
from layers.imports import ImportFileError
from layers.models import ImportBatch, Incident
from layers.preview import detect, preview_import
from tests.layers._import_files import incident_csv, two_layer_gpkg

pytestmark = pytest.mark.django_db


def test_detect_a_geopackage_with_two_layers_in_a_local_zone(demo, tmp_path):
    path = two_layer_gpkg(tmp_path / "register.gpkg", demo)
    found = detect(path)
    assert found["layers"] == ["belysning", "kameror"]
    assert found["layer"] == "belysning" and found["target"] == "lamps"
    assert found["crs"] == "EPSG:3008"
    assert found["rows"] == 3
    assert found["columns"] == ["ObjektID", "Skick"]
    assert found["suggested"] == {"ObjektID": "source_id", "Skick": "status"}
    assert found["values"] == {"status": ["Trasig", "Hel", "Släckt"]}

    cameras = detect(path, "cameras")
    assert cameras["layer"] == "kameror" and cameras["rows"] == 1
    assert cameras["suggested"] == {
        "Kamera ID": "source_id",
        "Riktning": "direction_deg",
        "Tillstånd": "permit_status",
    }
    assert cameras["values"] == {"permit_status": ["Beviljat"]}


def test_detect_a_csv_without_crs(demo, tmp_path):
    path = incident_csv(tmp_path / "h.csv", demo, [("Klotter", "Polisen", "2026-12-01 22:00")])
    found = detect(path, "incidents")
    assert found["crs"] is None and found["layers"] == [] and found["rows"] == 1
    assert found["suggested"]["Lon"] == "lon" and found["suggested"]["Typ"] == "type"
    assert "Anteckning" not in found["suggested"]
    assert found["values"] == {"type": ["Klotter"], "reported_by": ["Polisen"]}


def test_detect_refuses_a_file_that_is_not_what_its_name_says(tmp_path):
    path = tmp_path / "lista.csv"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(ImportFileError, match="named as a CSV"):
        detect(path)


def test_preview_shows_good_rows_in_wgs84_and_rejected_rows_with_reasons(demo, tmp_path):
    rows = [
        ("Klotter", "Polisen", "2026-12-01 22:00"),
        ("Snöboll", "Polisen", "2026-12-01 22:00"),  # not a type
        ("Brand", "Väktare", "i går"),  # not a date
        ("Glaskross", "Nattvandrare", "2026-12-02 01:15"),
    ]
    path = incident_csv(tmp_path / "h.csv", demo, rows)
    options = ImportOptions(
        layer="incidents",
        path=path,
        municipality=demo,
        maps={"Anteckning": "description"},
    )
    before = (Incident.objects.count(), ImportBatch.objects.count())
    preview = preview_import(options)
    assert preview["rows_read"] == 4
    features = preview["features"]["features"]
    assert [f["properties"]["row"] for f in features] == [1, 4]
    assert features[0]["properties"]["type"] == "graffiti"
    assert features[0]["properties"]["description"] == "anteckning Klotter"
    lon, lat = features[0]["geometry"]["coordinates"]
    assert 24 < lon < 26 and 59 < lat < 61  # WGS 84 degrees (the demo lies in Helsinki)
    reasons = {r["row"]: r["reason"] for r in preview["rejected"]}
    assert set(reasons) == {2, 3}
    assert "Snöboll" in reasons[2] and "type" in reasons[2]
    assert "not a date" in reasons[3]
    assert (Incident.objects.count(), ImportBatch.objects.count()) == before  # nothing written

    # A value map of the page makes the rejected type a category; the limit bounds the rows.
    options.values = {"type": {"snoboll": "other"}}
    again = preview_import(options, limit=2)
    assert again["rows_read"] == 2 and again["rejected"] == []
    assert [f["properties"]["type"] for f in again["features"]["features"]] == [
        "graffiti",
        "other",
    ]


def test_preview_catches_the_traps_of_the_import(demo, tmp_path):
    path = incident_csv(tmp_path / "h.csv", demo, [("Klotter", "Polisen", "2026-12-01 22:00")])
    swapped = ImportOptions(
        layer="incidents", path=path, municipality=demo, location={"lon": "Lat", "lat": "Lon"}
    )
    with pytest.raises(ImportFileError, match="swapped"):
        preview_import(swapped)
