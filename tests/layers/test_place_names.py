"""Places named as people name them (layers.naming, layers.placenames) on real PostGIS.

The hand-made extract (tests/data/small.osm) has a named footway, Testgången, with addresses
2, 4 and "12 B" (and one on another street), a park, Testparken, a square, Testtorget, and
three nameless ways: a footway through the park, a path that ends 28 m from it, and a footway
whose midpoint lies 20 m from the square and 55 m from Testgången.
"""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.gis.geos import LineString, MultiPolygon, Polygon
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from gis.core.models import Municipality
from layers import naming, placenames
from layers.importer import import_layers
from layers.models import GreenArea, StreetSegment
from layers.osm import read_osm

DATA = Path(__file__).resolve().parent.parent / "data"
IN_PARK = "edge/24-25-0"
NEAR_PARK = "edge/2-4-0"
NEAR_SQUARE = "edge/2-3-0"
NAMED = "edge/1-2-0"


@pytest.fixture
def small(db) -> Municipality:
    call_command(
        "load_osm", str(DATA / "small.osm"), "--municipality", "names-test", stdout=io.StringIO()
    )
    return Municipality.objects.get(code="names-test")


def names(municipality: Municipality, language: str) -> dict[str, str]:
    """Every segment's name in `language`, by source id."""
    with translation.override(language):
        return {
            s.source_id: str(s) for s in StreetSegment.objects.filter(municipality=municipality)
        }


def segment(municipality: Municipality, source_id: str) -> StreetSegment:
    return StreetSegment.objects.get(municipality=municipality, source_id=source_id)


def test_a_nameless_footway_in_a_named_park_is_named_after_the_park(small):
    assert names(small, "sv")[IN_PARK] == "Gångväg vid Testparken"
    assert names(small, "en")[IN_PARK] == "Footway near Testparken"


def test_nameless_ways_take_the_nearest_named_place_to_their_midpoint(small):
    swedish, english = names(small, "sv"), names(small, "en")
    assert swedish[NEAR_PARK] == "Stig vid Testparken"
    assert english[NEAR_PARK] == "Path near Testparken"
    # The square is 20 m from the footway's midpoint, the street it starts on 55 m.
    assert swedish[NEAR_SQUARE] == "Gångväg vid Testtorget"
    assert english[NEAR_SQUARE] == "Footway near Testtorget"


def test_a_named_street_keeps_its_name_with_the_range_of_its_house_numbers(small):
    # "12 B" counts as 12; the address on another street (99) does not count.
    assert names(small, "sv")[NAMED] == "Testgången 2–12"
    assert names(small, "en")[NAMED] == "Testgången 2–12"
    named = segment(small, NAMED)
    assert (named.name, named.house_numbers, named.near_name) == ("Testgången", "2–12", "")


def test_without_addresses_a_named_street_is_its_name_alone(small):
    layers = read_osm(DATA / "small.osm")
    layers.addresses = layers.addresses.iloc[0:0]
    report = import_layers(small, layers)
    assert names(small, "en")[NAMED] == "Testgången"
    assert report.names["segments_with_house_numbers"] == 0
    assert "house numbers: 0 segment(s)" in report.line()


def test_names_hold_no_database_ids(small):
    for name in names(small, "sv").values():
        assert not any(char.isdigit() for char in name.replace("2–12", ""))
        assert "segment" not in name


def test_a_way_with_no_named_place_within_reach_is_named_by_its_kind(small):
    x, y = segment(small, NAMED).geom.coords[0]
    far = x + 10 * placenames.NEAR_M
    for source_id, highway in (("far-steps", "steps"), ("far-unknown", "bus_guideway")):
        StreetSegment.objects.create(
            municipality=small,
            source="test",
            source_id=source_id,
            highway=highway,
            length_m=10,
            geom=LineString((far, y), (far + 10, y), srid=settings.TRYGG_SRID),
        )
    placenames.fill(small.pk)
    assert segment(small, "far-steps").near_name == ""
    assert (names(small, "sv")["far-steps"], names(small, "en")["far-steps"]) == (
        "Trappor",
        "Steps",
    )
    assert (names(small, "sv")["far-unknown"], names(small, "en")["far-unknown"]) == ("Väg", "Way")


def test_a_nameless_green_area_is_a_park_near_the_nearest_named_place(small):
    x, y = segment(small, NAMED).geom.coords[0]
    square = Polygon.from_bbox((x - 20, y - 40, x, y - 20))  # 20 m south of Testgången's end
    area = GreenArea.objects.create(
        municipality=small,
        source="test",
        source_id="nameless",
        geom=MultiPolygon(square, srid=settings.TRYGG_SRID),
    )
    placenames.fill(small.pk)
    area.refresh_from_db()
    with translation.override("sv"):
        assert str(area) == "Park vid Testgången"
    with translation.override("en"):
        assert str(area) == "Park near Testgången"
        assert str(GreenArea.objects.get(municipality=small, name="Testparken")) == "Testparken"


def test_the_migration_names_places_from_the_streets_and_parks_in_the_database(small):
    StreetSegment.objects.filter(municipality=small).update(near_name="", house_numbers="")
    migration = importlib.import_module("layers.migrations.0004_named_places")

    migration.fill_names(apps, SimpleNamespace(connection=connection))

    swedish = names(small, "sv")
    assert swedish[IN_PARK] == "Gångväg vid Testparken"
    # Squares are not stored: until the next load-osm, the street is the nearest named place.
    assert swedish[NEAR_SQUARE] == "Gångväg vid Testgången"
    assert swedish[NAMED] == "Testgången"


def test_points_are_named_after_the_nearest_segment_with_a_name_or_a_named_place(small):
    middle = segment(small, IN_PARK).geom.interpolate_normalized(0.5)
    far = (middle.x + 10 * placenames.NEAR_M, middle.y)
    with translation.override("en"):
        assert naming.names_at(small.pk, [(middle.x, middle.y), far]) == [
            "Footway near Testparken",
            "",
        ]
    with translation.override("sv"):
        # The same place in WGS 84 degrees: between Testgången's bend and its end.
        assert naming.names_at(small.pk, [(24.9415, 60.1701)], srid=4326) == ["Testgången 2–12"]
    assert naming.names_at(small.pk, []) == []


def test_house_number_reads_the_number_an_address_begins_with():
    values = ("12 B", "7", " 3-5", "B 2", "", None, "4294967296", "99999", "100000")
    assert [placenames.house_number(v) for v in values] == [
        12,
        7,
        3,
        None,
        None,
        None,
        None,  # a tagging error, never an integer overflow in the database
        99999,
        None,
    ]
