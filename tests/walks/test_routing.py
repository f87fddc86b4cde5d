"""Reports at a municipal property reach its department: a pin 10 m from a school's wall goes to
property management, one 40 m away keeps its category's owner (TRYGG_PROPERTY_ROUTING_M = 25 m);
through the resident API, Open311 and the demo's bulk-stored pins."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from layers.models import Incident, Property
from tests.walks.conftest import inside_lonlat
from walks.models import Category, ResidentPin
from walks.routing import department_for, route_stored_pins

SIDE_M = 40.0


@pytest.fixture
def school(demo) -> Property:
    """A 40 m square school at a place of the demo with no other property around."""
    lon, lat = inside_lonlat(demo)
    centre = Point(lon, lat, srid=4326).transform(demo.boundary.srid, clone=True)
    Property.objects.filter(municipality=demo).delete()  # the OSM-derived ones, in this test only
    x, y = centre.x, centre.y
    square = Polygon.from_bbox((x, y, x + SIDE_M, y + SIDE_M))
    square.srid = demo.boundary.srid
    return Property.objects.create(
        municipality=demo,
        source="register",
        source_id="S-1",
        name="Testskolan",
        kind=Property.Kind.SCHOOL,
        geom=MultiPolygon(square, srid=square.srid),
    )


def east_of(school: Property, metres: float) -> Point:
    """A point `metres` east of the school's east wall, halfway up it (storage CRS)."""
    _xmin, ymin, xmax, ymax = school.geom.extent
    return Point(xmax + metres, (ymin + ymax) / 2, srid=school.geom.srid)


def lonlat(point: Point) -> list[float]:
    wgs84 = point.transform(4326, clone=True)
    return [round(wgs84.x, 8), round(wgs84.y, 8)]


def post_pin(api, point: Point, category: str = "graffiti") -> ResidentPin:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "geometry": {"type": "Point", "coordinates": lonlat(point)},
        "category": category,
        "when": "night",
        "description": "Krossad ruta vid entrén.",
    }
    response = api.post("/api/pins/", body, format="json")
    assert response.status_code == 201, response.json()
    return ResidentPin.objects.get(client_uuid=body["client_uuid"])


def test_a_report_at_a_school_reaches_the_property_department(api, school):
    near = post_pin(api, east_of(school, 10))
    assert near.department == "property" and near.property == school
    assert near.routed_department == "property"
    far = post_pin(api, east_of(school, 40))
    assert far.department == "street" and far.property is None  # graffiti: the street dept.
    inside = post_pin(api, east_of(school, -20), category="lighting")
    assert inside.department == "property" and inside.property == school


def test_the_distance_is_a_setting(api, school, settings):
    settings.TRYGG_PROPERTY_ROUTING_M = 50
    assert post_pin(api, east_of(school, 40)).property == school
    settings.TRYGG_PROPERTY_ROUTING_M = 5
    assert post_pin(api, east_of(school, 10)).property is None


def test_the_nearest_property_decides(demo, school):
    hall = Property.objects.create(
        municipality=demo,
        source="register",
        source_id="H-1",
        name="Testhallen",
        kind=Property.Kind.SPORTS_HALL,
        department="parks",  # a hall the parks department looks after
        geom=MultiPolygon(
            Polygon.from_bbox(
                (
                    east_of(school, 30).x,
                    school.geom.extent[1],
                    east_of(school, 60).x,
                    school.geom.extent[3],
                )
            ),
            srid=school.geom.srid,
        ),
    )
    category = Category.objects.get(code="lighting")
    assert department_for(demo, east_of(school, 10), category) == ("property", school)
    assert department_for(demo, east_of(school, 20), category) == ("parks", hall)
    assert department_for(demo, east_of(school, 200), category) == ("street", None)


def test_open311_names_the_routed_agency(api, school):
    lon, lat = lonlat(east_of(school, 10))
    data = {
        "service_code": "vegetation",
        "lat": str(lat),
        "long": str(lon),
        "description": "Fönstret på skolans gavel är krossat.",
    }
    response = api.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content
    pin_id = response.json()[0]["service_request_id"]
    assert ResidentPin.objects.get(pk=int(pin_id)).property == school
    [item] = api.get(f"/open311/v2/requests/{pin_id}.json").json()
    assert item["agency_responsible"] == "Property management"
    far = dict(
        data, **dict(zip(("long", "lat"), map(str, lonlat(east_of(school, 40))), strict=True))
    )
    far_id = api.post("/open311/v2/requests.json", far).json()[0]["service_request_id"]
    [item] = api.get(f"/open311/v2/requests/{far_id}.json").json()
    assert item["agency_responsible"] == "Parks department"


def test_pins_stored_in_bulk_are_routed_like_one_by_one(demo, school):
    category = Category.objects.get(code="lighting")
    pins = [
        ResidentPin(
            municipality=demo,
            category=category,
            when="night",
            description="demo",
            geom=east_of(school, metres),
            reported_at=school.created_at,
        )
        for metres in (10, 40)
    ]
    ResidentPin.objects.bulk_create(pins)
    route_stored_pins(demo.pk)
    near, far = (ResidentPin.objects.get(pk=pin.pk) for pin in pins)
    assert (near.department, near.property_id) == ("property", school.pk)
    assert (far.department, far.property_id) == ("street", None)


def test_an_incident_at_the_school_belongs_to_it(demo, school):
    incident = Incident.objects.create(
        municipality=demo,
        source="police",
        source_id="i-1",
        type="vandalism",
        reported_by="police",
        occurred_at=school.created_at,
        geom=east_of(school, 10),
    )
    assert incident.property == school
    incident.geom = east_of(school, 40)
    incident.save()
    assert Incident.objects.get(pk=incident.pk).property is None


def test_an_old_pin_without_a_routed_department_goes_to_its_category_owner(demo):
    pin = ResidentPin.objects.filter(municipality=demo).select_related("category").first()
    ResidentPin.objects.filter(pk=pin.pk).update(department="", property=None)
    pin.refresh_from_db()
    assert pin.routed_department == pin.category.owner
