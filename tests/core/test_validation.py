"""Bad geometry is refused: by model validation with a field message, and by the database."""

import pytest
from django.contrib.gis.geos import LineString, MultiPoint, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from layers.models import District, Incident, StreetLamp, Vegetation
from walks.models import Category, ResidentPin


@pytest.fixture(autouse=True)
def english():
    """Assert on the English messages (the default language is Swedish)."""
    with translation.override("en"):
        yield


def inside(demo) -> Point:
    return demo.boundary.point_on_surface


def test_valid_record_passes(demo):
    lamp = StreetLamp(municipality=demo, geom=inside(demo))
    lamp.full_clean()


def test_point_outside_municipality_is_rejected(demo):
    far = Point(inside(demo).x + 50_000, inside(demo).y, srid=demo.boundary.srid)
    pin = ResidentPin(
        municipality=demo,
        category=Category.objects.get(code="lighting"),
        when="evening",
        description="x",
        geom=far,
        reported_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as error:
        pin.full_clean()
    assert "geom" in error.value.message_dict
    assert "outside the municipality" in error.value.message_dict["geom"][0]


def test_self_intersecting_polygon_is_rejected(demo):
    c = inside(demo)
    bowtie = Polygon(
        ((c.x, c.y), (c.x + 100, c.y + 100), (c.x + 100, c.y), (c.x, c.y + 100), (c.x, c.y)),
        srid=c.srid,
    )
    district = District(municipality=demo, name="Bowtie", geom=MultiPolygon(bowtie))
    with pytest.raises(ValidationError) as error:
        district.full_clean()
    assert "Invalid geometry" in error.value.message_dict["geom"][0]


def test_wrong_geometry_type_is_rejected(demo):
    c = inside(demo)
    scattered = MultiPoint(Point(c.x, c.y), Point(c.x + 5, c.y), srid=c.srid)
    vegetation = Vegetation(municipality=demo, kind="tree", geom=scattered)
    with pytest.raises(ValidationError) as error:
        vegetation.full_clean()
    assert "MultiPoint" in error.value.message_dict["geom"][0]


def test_typed_geometry_fields_refuse_other_types(demo):
    c = inside(demo)
    with pytest.raises(TypeError):
        Incident(geom=LineString((c.x, c.y), (c.x + 5, c.y), srid=c.srid))


def test_database_refuses_invalid_geometry(demo):
    c = inside(demo)
    bowtie = Polygon(
        ((c.x, c.y), (c.x + 100, c.y + 100), (c.x + 100, c.y), (c.x, c.y + 100), (c.x, c.y)),
        srid=c.srid,
    )
    with pytest.raises(IntegrityError, match="geom_valid"), transaction.atomic():
        District.objects.create(municipality=demo, name="Bowtie", geom=MultiPolygon(bowtie))


def test_database_refuses_negative_lux(demo):
    from layers.models import LuxReading

    with pytest.raises(IntegrityError, match="lux_gte_0"), transaction.atomic():
        LuxReading.objects.create(
            municipality=demo, lux=-1, measured_at=timezone.now(), geom=inside(demo)
        )


def test_every_geometry_column_has_a_spatial_index(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.f_table_name, c.f_geometry_column FROM geometry_columns c
            WHERE c.f_table_schema = 'public' AND NOT EXISTS (
                SELECT 1 FROM pg_indexes i WHERE i.tablename = c.f_table_name
                AND i.indexdef ILIKE '%USING gist%' AND i.indexdef LIKE
                    '%(' || c.f_geometry_column || ')%')
            """
        )
        assert cursor.fetchall() == []
