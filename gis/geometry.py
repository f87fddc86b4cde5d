"""Validation of incoming geometry: valid, of an allowed type, and inside the municipality."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Points may fall this far outside the municipality boundary (GPS noise at the border), metres.
BOUNDARY_TOLERANCE_M = 25.0


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
