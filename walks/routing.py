"""Where a resident's report goes: to the department that looks after the municipal property
the report lies on or next to (within ``TRYGG_PROPERTY_ROUTING_M`` metres, the nearest one), else
to the owner of its category (street lights to the street department, and so on).

Damage to the municipality's own buildings is a large share of what safety coordinators deal
with; routing it by place sends a broken window at a school to property management even when the
resident chose "Vandalism"."""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from gis.core.models import Municipality
from layers.models import Property
from layers.properties import nearest_property, routing_distance_m
from walks.models import Category, ResidentPin


def department_for(
    municipality: Municipality, point: GEOSGeometry, category: Category
) -> tuple[str, Property | None]:
    """The department a report at `point` (any CRS with an SRID) of `category` is routed to,
    and the property that decided it (None when the category's owner did).

    Returns
    -------
    (department, property)
        A :class:`gis.core.vocabulary.Department` value and the nearest property of the
        municipality within the routing distance, or ``(category.owner, None)``.
    """
    found = nearest_property(municipality.pk, point)
    if found is None:
        return category.owner, None
    return found.department, found


def route_stored_pins(municipality_id: int) -> int:
    """Route every pin of the municipality as :func:`department_for` would, in one statement
    (for pins stored in bulk, such as the demo's). Returns how many went to a property."""
    pins, properties = ResidentPin._meta.db_table, Property._meta.db_table
    categories = Category._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {pins} AS pin SET property_id = (
                SELECT p.id FROM {properties} AS p
                WHERE p.municipality_id = pin.municipality_id
                  AND ST_DWithin(p.geom, pin.geom, %s)
                ORDER BY ST_Distance(p.geom, pin.geom), p.id
                LIMIT 1
            )
            WHERE pin.municipality_id = %s
            """,
            [routing_distance_m(), municipality_id],
        )
        cursor.execute(
            f"""
            UPDATE {pins} AS pin SET department = COALESCE(
                (SELECT p.department FROM {properties} AS p WHERE p.id = pin.property_id),
                (SELECT c.owner FROM {categories} AS c WHERE c.id = pin.category_id)
            )
            WHERE pin.municipality_id = %s
            """,
            [municipality_id],
        )
    return ResidentPin.objects.filter(
        municipality_id=municipality_id, property__isnull=False
    ).count()
