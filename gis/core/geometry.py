"""Incoming geometry: flattened to two dimensions, then validated (valid, of an allowed type,
inside the municipality).

Every geometry a client sends (API fields, the back office's map widget, route files) passes
:func:`force_2d` before it is used: RFC 7946 allows an altitude (and GEOS/WKT a measure) in a
position, but every geometry column of Trygg is two-dimensional, and PostGIS refuses a Z or M
ordinate there ("Geometry has Z dimension") with an error that would be a 500.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.gis.geos import GEOSGeometry, WKBWriter, WKTWriter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Points may fall this far outside the municipality boundary (GPS noise at the border), metres.
BOUNDARY_TOLERANCE_M = 25.0


def force_2d(geom: GEOSGeometry | None) -> GEOSGeometry | None:
    """`geom` without Z and M ordinates, like PostGIS `ST_Force2D`: x and y kept exactly, the
    type, parts, rings and SRID unchanged; the same object when it already is 2D (or None).

    GEOS reads a measure (WKT `POINT M`, a 4th GeoJSON value) as, or with, a Z ordinate, so
    dropping Z drops M too.
    """
    if geom is None or not geom.hasz:
        return geom
    try:  # WKB keeps every bit of x and y
        flat = GEOSGeometry(memoryview(WKBWriter(dim=2).write(geom)))
    except ValueError:  # an empty point inside a collection has no WKB; shortest exact WKT
        flat = GEOSGeometry(WKTWriter(dim=2, trim=True).write(geom).decode("ascii"))
    flat.srid = geom.srid
    return flat


def validate_geometry(
    geom: GEOSGeometry | None,
    *,
    field: str = "geom",
    allowed: Iterable[str] | None = None,
    boundary: GEOSGeometry | None = None,
) -> None:
    """Raise a ValidationError naming `field` if `geom` is missing, invalid, of a type not in
    `allowed` (GEOS type names such as "Point") or outside `boundary` (same SRID, metres)."""
    if geom is None or geom.empty:
        raise ValidationError({field: _("A geometry is required.")})
    if allowed is not None and geom.geom_type not in set(allowed):
        raise ValidationError(
            {field: _("Geometry type %(type)s is not allowed here.") % {"type": geom.geom_type}}
        )
    if not geom.valid:
        raise ValidationError(
            {field: _("Invalid geometry: %(reason)s") % {"reason": geom.valid_reason}}
        )
    if boundary is not None:
        if geom.srid and boundary.srid and geom.srid != boundary.srid:
            geom = geom.transform(boundary.srid, clone=True)
        inside = boundary.covers(geom) or boundary.buffer(BOUNDARY_TOLERANCE_M).covers(geom)
        if not inside:
            raise ValidationError({field: _("The location lies outside the municipality.")})
