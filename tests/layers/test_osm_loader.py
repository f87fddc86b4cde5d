"""The OSM loader against the real Helsinki extract and a hand-made XML file."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gis.demo.load import demo_extract
from layers.importer import import_layers
from layers.models import Camera, GreenArea, StreetLamp, StreetSegment, Vegetation
from layers.osm import OsmReadError, read_osm

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def helsinki():
    return read_osm(demo_extract())


def test_real_extract_counts(helsinki):
    counts = helsinki.counts()
    assert counts["lamps"] == 586
    assert counts["cameras"] == 221
    assert counts["green_areas"] == 16
    assert counts["properties"] == 25  # schools, libraries, town and civic halls as areas
    kinds = helsinki.vegetation["kind"].value_counts().to_dict()
    assert kinds["scrub"] == 68
    assert kinds["tree"] >= 649  # 649 natural=tree nodes plus tree rows
    # osmnx-style simplified, undirected walking network: intersection to intersection.
    assert 2300 <= counts["segments"] <= 3200
    assert helsinki.segments["source_id"].is_unique


def test_real_extract_lit_tags_survive_simplification(helsinki):
    lit = helsinki.segments["lit"].value_counts(dropna=False).to_dict()
    assert lit["yes"] > 1000
    assert lit["24/7"] > 50
    assert lit["no"] >= 5  # 7 unlit ways; simplification merges some
    assert lit.get("limited", 0) >= 1  # edges merged from lit and unlit ways
    assert helsinki.segments["lit"].isna().sum() > 500


def test_real_extract_squares_and_addresses(helsinki):
    squares = set(helsinki.squares["name"])
    assert {"Senaatintori", "Rautatientori", "Narinkkatori"} <= squares
    streets = helsinki.addresses["street"].value_counts()
    assert len(helsinki.addresses) > 1000 and streets["Mannerheimintie"] > 100


def test_real_extract_lengths_are_metres(helsinki):
    # Central Helsinki's walkable network is tens of kilometres long, in metres.
    total = helsinki.segments["length_m"].sum()
    assert 50_000 < total < 150_000


def test_import_is_idempotent(demo, helsinki):
    before = {
        m: m.objects.filter(municipality=demo).count()
        for m in (StreetSegment, StreetLamp, Vegetation, GreenArea, Camera)
    }
    report = import_layers(demo, helsinki)
    after = {m: m.objects.filter(municipality=demo).count() for m in before}
    assert after == before
    # The OSM lamps; the demo adds the street department's lamps on its dark path (gis.demo).
    assert StreetLamp.objects.filter(municipality=demo, source="osm").count() == 586
    assert after[Camera] == 221
    assert all(c["created"] == 0 and c["deleted"] == 0 for c in report.counts.values())


def test_reimport_keeps_staff_maintained_lamp_status(demo, helsinki):
    lamp = StreetLamp.objects.filter(municipality=demo).first()
    lamp.status = StreetLamp.Status.BROKEN
    lamp.save()
    import_layers(demo, helsinki)
    lamp.refresh_from_db()
    assert lamp.status == StreetLamp.Status.BROKEN


def test_cameras_get_a_viewshed(demo):
    camera = Camera.objects.filter(municipality=demo).first()
    assert camera.viewshed is not None
    assert camera.viewshed.contains(camera.geom) or camera.viewshed.touches(camera.geom)
    # An all-round camera of 20 m range sees about pi * 20^2 m^2.
    assert 1100 < camera.viewshed.area < 1300


def test_xml_extract():
    layers = read_osm(DATA / "small.osm")
    counts = layers.counts()
    assert counts == {
        "segments": 4,
        "lamps": 1,
        "vegetation": 2,
        "green_areas": 1,
        "cameras": 1,
        "squares": 1,
        "addresses": 4,
        "basemap": 3,
        "properties": 0,
    }
    basemap = layers.basemap
    assert sorted(zip(basemap["layer"], basemap["kind"], basemap["name"], strict=True)) == [
        ("park", "park", "Testparken"),
        ("park", "scrub", ""),
        ("place", "square", "Testtorget"),  # at a point inside the square
    ]
    assert set(basemap[basemap["layer"] == "place"].geom_type) == {"Point"}
    by_lit = dict(zip(layers.segments["source_id"], layers.segments["lit"], strict=True))
    assert sorted(v if isinstance(v, str) else "untagged" for v in by_lit.values()) == [
        "no",
        "untagged",
        "untagged",
        "yes",
    ]
    assert list(layers.squares["name"]) == ["Testtorget"]
    addresses = zip(layers.addresses["street"], layers.addresses["housenumber"], strict=True)
    assert sorted(addresses) == [
        ("Muu katu", "99"),
        ("Testgången", "12 B"),
        ("Testgången", "2"),
        ("Testgången", "4"),
    ]
    assert layers.cameras["direction_deg"].iloc[0] == 90.0
    assert layers.segments["length_m"].between(30, 200).all()  # metres, not degrees


def test_load_osm_command_creates_municipality_and_is_rerunnable(db):
    call_command("load_osm", str(DATA / "small.osm"), "--municipality", "xml-test")
    call_command("load_osm", str(DATA / "small.osm"), "--municipality", "xml-test")
    assert StreetSegment.objects.filter(municipality__code="xml-test").count() == 4
    assert StreetLamp.objects.filter(municipality__code="xml-test").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.osm.pbf", None, "no such file"),
        ("garbage.osm.pbf", b"\x00not a pbf at all", "cannot read"),
        ("broken.osm", b"<osm><way id='1'><nd ref=", "cannot read"),
        ("data.csv", b"a,b\n1,2\n", "unsupported file type"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(OsmReadError, match=message) as error:
        read_osm(path)
    assert "\n" not in str(error.value)


def test_load_osm_command_bad_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_osm", str(tmp_path / "nope.osm.pbf"))
