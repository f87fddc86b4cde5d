"""Municipal properties as a layer: `trygg import properties` from a register with Swedish
columns and values, incidents tied to the property they lie at, and the properties derived from
OSM's schools, libraries and sports halls."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry

from layers.models import Incident, Property
from layers.osm import read_osm
from layers.osm_properties import property_kind
from tests.layers._import_files import run

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def register(demo, tmp_path) -> tuple[Path, list]:
    """A property register as GeoJSON (WGS 84) with Swedish columns: three 30 m squares 100 m
    apart inside the demo, where no other property lies."""
    Property.objects.filter(municipality=demo).delete()
    centre = demo.boundary.point_on_surface
    squares = [
        shapely.box(centre.x + 100 * i, centre.y, centre.x + 100 * i + 30, centre.y + 30)
        for i in range(3)
    ]
    frame = gpd.GeoDataFrame(
        {
            "ObjektID": ["F-1", "F-2", "F-3"],
            "Fastighetsnamn": ["Västra skolan", "Stadsbiblioteket", "Ungdomens hus"],
            "Verksamhet": ["Skola", "Bibliotek", "Fritidsgård"],
            "Förvaltning": ["Fastighetskontoret", "", "Socialförvaltningen"],
        },
        geometry=squares,
        crs=demo.boundary.srid,
    ).to_crs(4326)
    path = tmp_path / "fastigheter.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path, squares


def test_a_property_register_with_swedish_columns(demo, register):
    path, _ = register
    result = run(
        "properties", str(path), "--source", "fastighetsregistret", "--id-column", "ObjektID"
    )
    assert result["created"] == 3 and result["rejected"] == []
    found = {
        p.source_id: (p.name, p.kind, p.department, p.geom.geom_type)
        for p in Property.objects.filter(municipality=demo)
    }
    assert found == {
        "F-1": ("Västra skolan", "school", "property", "MultiPolygon"),
        "F-2": ("Stadsbiblioteket", "library", "property", "MultiPolygon"),  # blank: default
        "F-3": ("Ungdomens hus", "youth_centre", "social", "MultiPolygon"),
    }
    again = run(
        "properties", str(path), "--source", "fastighetsregistret", "--id-column", "ObjektID"
    )
    assert (again["created"], again["unchanged"]) == (0, 3)


def test_an_unknown_kind_is_rejected_with_its_row(demo, register, tmp_path):
    path, _ = register
    frame = gpd.read_file(path)
    frame.loc[1, "Verksamhet"] = "Rymdstation"
    bad = tmp_path / "bad.geojson"
    frame.to_file(bad, driver="GeoJSON")
    result = run("properties", str(bad), "--id-column", "ObjektID")
    assert result["created"] == 2
    [rejected] = result["rejected"]
    assert rejected["row"] == 2 and rejected["reason"].startswith("kind:")


def test_incidents_are_tied_to_the_property_they_lie_at(demo, register):
    path, squares = register
    near = shapely.Point(squares[0].bounds[2] + 10, squares[0].centroid.y)  # 10 m east
    far = shapely.Point(squares[0].bounds[2] + 40, squares[0].centroid.y)  # 40 m and 30 m
    incidents = [
        Incident(
            municipality=demo,
            source="police",
            source_id=f"t-{i}",
            type="vandalism",
            reported_by="police",
            occurred_at=datetime(2026, 11, 30, 22, tzinfo=UTC),
            geom=GEOSGeometry(point.wkt, srid=settings.TRYGG_SRID),
        )
        for i, point in enumerate((near, far))
    ]
    Incident.objects.bulk_create(incidents)  # as the demo loader stores them: no property yet
    run("properties", str(path), "--source", "reg", "--id-column", "ObjektID")
    school = Property.objects.get(municipality=demo, source_id="F-1")
    stored = {i.source_id: i.property_id for i in Incident.objects.filter(source="police")}
    assert stored["t-0"] == school.pk and stored["t-1"] is None


def test_property_kinds_from_osm_tags():
    assert property_kind({"amenity": "school"}) == "school"
    assert property_kind({"amenity": "kindergarten", "building": "yes"}) == "preschool"
    assert property_kind({"leisure": "sports_centre"}) == "sports_hall"
    assert property_kind({"building": "school"}) == "school"
    assert property_kind({"amenity": "library", "building": "civic"}) == "library"
    assert property_kind({"amenity": "cafe", "building": "yes"}) is None


def test_osm_schools_and_libraries_become_properties(tmp_path):
    extra = """
  <node id="900" lat="60.17200" lon="24.94000" version="1"/>
  <node id="901" lat="60.17200" lon="24.94100" version="1"/>
  <node id="902" lat="60.17250" lon="24.94100" version="1"/>
  <node id="903" lat="60.17250" lon="24.94000" version="1"/>
  <node id="904" lat="60.17300" lon="24.94000" version="1"><tag k="amenity" v="library"/></node>
  <way id="900" version="1">
    <nd ref="900"/><nd ref="901"/><nd ref="902"/><nd ref="903"/><nd ref="900"/>
    <tag k="building" v="yes"/><tag k="amenity" v="school"/><tag k="name" v="Testskolan"/>
  </way>
</osm>"""
    text = (DATA / "small.osm").read_text(encoding="utf-8").replace("</osm>", extra)
    path = tmp_path / "skola.osm"
    path.write_text(text, encoding="utf-8")
    properties = read_osm(path).properties
    # The school's building; the library is only a point, no area to route by.
    assert list(
        zip(properties["source_id"], properties["name"], properties["kind"], strict=True)
    ) == [("way/900", "Testskolan", "school")]
    assert set(properties.geom_type) == {"Polygon"}
