"""Which municipal property a place belongs to: the nearest property of the municipality whose
area covers the place or lies within ``TRYGG_PROPERTY_ROUTING_M`` metres of it.

Reports (:mod:`walks.routing`) and incidents are tied to a property this way, so that damage to
the municipality's own buildings reaches the department that looks after them. Distances are
in metres, measured in the installation's metric CRS (TRYGG_SRID).
"""

from __future__ import annotations

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from gis.core import conf
from gis.core.models import SRID
from layers.models import Incident, Property


def routing_distance_m() -> float:
    """How far from a property (metres) a report or an incident still belongs to it."""
    return float(conf.setting("TRYGG_PROPERTY_ROUTING_M"))


def nearest_property(municipality_id: int, point: GEOSGeometry) -> Property | None:
    """The property of the municipality that covers `point` or lies nearest to it within the
    routing distance (ties: the lower id); None when there is none. `point` in any CRS with an
    SRID; it is compared in TRYGG_SRID."""
    if point.srid != SRID:
        point = point.transform(SRID, clone=True)
    return (
        Property.objects.filter(
            municipality_id=municipality_id, geom__dwithin=(point, routing_distance_m())
        )
        .annotate(distance=Distance("geom", point))
        .order_by("distance", "pk")
        .first()
    )


def link_incidents(municipality_id: int) -> int:
    """Tie every incident of the municipality to its nearest property within the routing
    distance (or to none), in one statement; after an import of incidents or of properties.
    Returns how many incidents lie at a property."""
    incidents, properties = Incident._meta.db_table, Property._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {incidents} AS i SET property_id = (
                SELECT p.id FROM {properties} AS p
                WHERE p.municipality_id = i.municipality_id
                  AND ST_DWithin(p.geom, i.geom, %s)
                ORDER BY ST_Distance(p.geom, i.geom), p.id
                LIMIT 1
            )
            WHERE i.municipality_id = %s
            """,
            [routing_distance_m(), municipality_id],
        )
    return Incident.objects.filter(municipality_id=municipality_id, property__isnull=False).count()
