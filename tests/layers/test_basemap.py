"""The basemap: read from a small OSM XML extract by `load-osm`, stored in PostGIS, served as
public vector tiles (decoded here with mapbox-vector-tile) and a MapLibre style."""

from __future__ import annotations

import json
from pathlib import Path

import mapbox_vector_tile
import pytest
from django.conf import settings
from django.core.management import call_command

from layers import basemap
from layers.basemap_osm import classify
from layers.models import BasemapFeature
from tests.dashboard.helpers import tile_of, tiles_covering

# A block in Uppsala: two named streets crossing, a building, a pond, a named park, a tram
# line, residential land use and a named quarter. (lon, lat) in WGS 84.
NODES = {
    # streets: Storgatan west-east, Parkstigen (a footway) south-north
    1: (17.6300, 59.8580),
    2: (17.6340, 59.8580),
    3: (17.6380, 59.8580),
    4: (17.6340, 59.8560),
    5: (17.6340, 59.8600),
    # building
    10: (17.6310, 59.8583),
    11: (17.6315, 59.8583),
    12: (17.6315, 59.8586),
    13: (17.6310, 59.8586),
    # pond
    20: (17.6350, 59.8590),
    21: (17.6360, 59.8590),
    22: (17.6360, 59.8595),
    23: (17.6350, 59.8595),
    # park (about 170 m x 110 m)
    30: (17.6345, 59.8562),
    31: (17.6375, 59.8562),
    32: (17.6375, 59.8572),
    33: (17.6345, 59.8572),
    # tram
    40: (17.6300, 59.8575),
    41: (17.6380, 59.8575),
    # residential land use
    50: (17.6300, 59.8582),
    51: (17.6330, 59.8582),
    52: (17.6330, 59.8598),
    53: (17.6300, 59.8598),
}
WAYS = [
    (100, [1, 2, 3], {"highway": "residential", "name": "Storgatan"}),
    (101, [4, 2, 5], {"highway": "footway", "name": "Parkstigen"}),
    (102, [10, 11, 12, 13, 10], {"building": "yes"}),
    (103, [20, 21, 22, 23, 20], {"natural": "water", "name": "Dammen"}),
    (104, [30, 31, 32, 33, 30], {"leisure": "park", "name": "Stadsparken"}),
    (105, [40, 41], {"railway": "tram"}),
    (106, [50, 51, 52, 53, 50], {"landuse": "residential"}),
]
PLACE = (200, 17.6320, 59.8590, {"place": "quarter", "name": "Kvarteret Ugglan"})


def write_extract(path: Path) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for node, (lon, lat) in NODES.items():
        lines.append(f'<node id="{node}" lat="{lat}" lon="{lon}" version="1"/>')
    node, lon, lat, tags = PLACE
    lines.append(f'<node id="{node}" lat="{lat}" lon="{lon}" version="1">')
    lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()] + ["</node>"]
    for way, refs, tags in WAYS:
        lines.append(f'<way id="{way}" version="1">')
        lines += [f'<nd ref="{ref}"/>' for ref in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()] + ["</way>"]
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def loaded(db, tmp_path):
    path = write_extract(tmp_path / "uppsala.osm")
    call_command("load_osm", str(path), "--municipality", "basemap-test")
    return path


def rows() -> list[tuple]:
    return sorted(
        (f.layer, f.kind, f.name, f.source_id, f.geom.wkt)
        for f in BasemapFeature.objects.filter(municipality__code="basemap-test")
    )


def get_tile(client, z: int, lon: float = 17.6340, lat: float = 59.8580):
    x, y = tile_of(lon, lat, z)
    return client.get(f"/basemap/{z}/{x}/{y}.pbf")


def decode(response) -> dict:
    return mapbox_vector_tile.decode(response.content)


def covering(client, z: int) -> dict[str, list[dict]]:
    """The features of every tile covering the extract at zoom z, by MVT layer."""
    layers: dict[str, list[dict]] = {}
    for x, y in tiles_covering([17.6300, 59.8560, 17.6380, 59.8600], z):
        for name, layer in decode(client.get(f"/basemap/{z}/{x}/{y}.pbf")).items():
            layers.setdefault(name, []).extend(layer["features"])
    return layers


def test_classify_by_tags_and_geometry():
    assert classify({"building": "yes"}, "Polygon") == ("building", "yes")
    assert classify({"building": "no", "landuse": "retail"}, "Polygon") == ("landuse", "retail")
    assert classify({"leisure": "park"}, "MultiPolygon") == ("park", "park")
    assert classify({"natural": "water"}, "Polygon") == ("water", "water")
    assert classify({"railway": "tram"}, "LineString") == ("rail", "tram")
    assert classify({"railway": "tram"}, "Point") is None  # a tram stop
    assert classify({"place": "suburb", "name": "Kluuvi"}, "Point") == ("place", "suburb")
    assert classify({"place": "suburb"}, "Point") is None  # nothing to label
    assert classify({"building": "yes"}, "LineString") is None


def test_load_osm_stores_the_basemap_in_the_metric_crs_and_is_idempotent(loaded):
    first = rows()
    layers = {row[0] for row in first}
    assert layers == {"building", "water", "park", "rail", "landuse", "place"}
    assert ("place", "quarter", "Kvarteret Ugglan", "node/200") in [row[:4] for row in first]
    feature = BasemapFeature.objects.get(source_id="way/102")
    assert feature.geom.srid == settings.TRYGG_SRID  # metric (3006 by default)
    # A 30 m x 33 m building: its area in square metres shows the CRS is metric.
    assert 500 < feature.geom.area < 1500
    call_command("load_osm", str(loaded), "--municipality", "basemap-test")
    assert rows() == first


def test_tile_has_every_layer_with_street_and_place_labels(loaded, client):
    response = get_tile(client, 15)  # anonymous: the basemap is public
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert response.content
    tile = covering(client, 15)
    assert {"water", "landuse", "park", "building", "rail", "road", "road_label"} <= set(tile)

    def named(layer: str) -> set[str]:
        return {feature["properties"].get("name") for feature in tile.get(layer, [])}

    assert {"Storgatan", "Parkstigen"} <= named("road_label")
    assert {"Kvarteret Ugglan", "Stadsparken"} <= named("place_label")
    assert named("water") == {"Dammen"}
    roads = {(f["properties"]["class"], f["properties"]["minor"]) for f in tile["road"]}
    assert roads == {("residential", False), ("footway", True)}
    assert {f["properties"]["class"] for f in tile["rail"]} == {"tram"}


def test_zoomed_out_tiles_leave_out_buildings_and_paths(loaded, client):
    tile = covering(client, 12)
    assert "building" not in tile and "road_label" not in tile
    assert {f["properties"]["class"] for f in tile["road"]} == {"residential"}
    assert "water" in tile and "park" in tile
    assert basemap.layers_at(12) == ["water", "landuse", "park", "rail", "road", "place_label"]


def test_etag_answers_304_and_empty_tiles_are_empty(loaded, client):
    response = get_tile(client, 16)
    again = client.get(response.request["PATH_INFO"], HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    far = get_tile(client, 16, lon=10.0, lat=50.0)
    assert far.status_code == 200 and far.content == b""


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/basemap/x/0/0.pbf", "z"),
        ("/basemap/23/0/0.pbf", "z"),
        ("/basemap/3/8/0.pbf", "x"),
        ("/basemap/3/0/-1.pbf", "y"),
        ("/basemap/3/0/9.pbf", "y"),
    ],
)
def test_bad_coordinates_answer_400_naming_the_field(db, client, path, field):
    response = client.get(path)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_style_is_public_maplibre_v8_with_absolute_urls(loaded, client):
    response = client.get("/basemap/style.json")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=")
    style = json.loads(response.content)
    assert style["version"] == 8
    source = style["sources"]["basemap"]
    assert source["type"] == "vector"
    assert source["tiles"] == ["http://testserver/basemap/{z}/{x}/{y}.pbf"]
    assert source["attribution"] == "© OpenStreetMap contributors"
    west, south, east, north = source["bounds"]
    # Around everything loaded (the extract here, and the demo when the database has it).
    assert -180 <= west <= 17.6300 and 17.6380 <= east <= 180
    assert -90 <= south <= 59.8560 and 59.8600 <= north <= 90
    assert style["glyphs"].startswith("http://testserver/static/basemap/glyphs/")
    ids = [layer["id"] for layer in style["layers"]]
    assert all(layer_id.startswith("basemap-") for layer_id in ids)
    assert {"basemap-building", "basemap-water", "basemap-park", "basemap-road-label"} <= set(ids)
    again = client.get("/basemap/style.json")
    assert again["ETag"] == response["ETag"]


def test_every_font_of_the_style_has_its_glyphs(db, client):
    style = json.loads(client.get("/basemap/style.json").content)
    fonts = {
        font for layer in style["layers"] for font in layer.get("layout", {}).get("text-font", [])
    }
    assert fonts
    glyphs = Path(__file__).resolve().parents[2] / "gis/static/basemap/glyphs"
    for font in fonts:
        for first in (0, 256, 8192):
            path = glyphs / font / f"{first}-{first + 255}.pbf"
            assert path.stat().st_size > 10_000, path


def test_basemap_url_setting_replaces_the_vector_tiles(db, client, settings):
    settings.TRYGG_BASEMAP_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.TRYGG_BASEMAP_ATTRIBUTION = "© Example tiles"
    style = json.loads(client.get("/basemap/style.json").content)
    assert style["sources"] == {
        "basemap": {
            "type": "raster",
            "tiles": ["https://tiles.example.org/{z}/{x}/{y}.png"],
            "tileSize": 256,
            "attribution": "© Example tiles",
        }
    }
    assert [layer["id"] for layer in style["layers"]] == ["basemap-background", "basemap-raster"]
