"""GeoJSON geometry in WGS 84 on the wire, stored in the installation's metric CRS."""

from __future__ import annotations

import json
import math
from datetime import UTC
from functools import lru_cache

from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from gis.core.api.limits import json_depth_exceeds
from gis.core.geometry import force_2d

WGS84 = 4326
# Coordinates nest at most 4 lists deep (a MultiPolygon's); deeper input is refused unread.
MAX_COORDINATE_DEPTH = 4
# 7 decimals of a degree are about a centimetre: enough for a phone's GPS.
PRECISION = 7


@lru_cache(maxsize=8)
def _transform(source: int, target: int) -> CoordTransform:
    return CoordTransform(SpatialReference(source), SpatialReference(target))


def to_wgs84(geom: GEOSGeometry) -> GEOSGeometry:
    """A copy of `geom` (storage SRID, metres) in WGS 84 longitude/latitude degrees."""
    if geom.srid in (None, WGS84):
        return geom.clone()
    return geom.transform(_transform(geom.srid, WGS84), clone=True)


def to_storage(geom: GEOSGeometry) -> GEOSGeometry:
    """A copy of a WGS 84 geometry in the storage CRS (TRYGG_SRID, metres)."""
    srid = settings.TRYGG_SRID
    if geom.srid == srid:
        return geom.clone()
    return geom.transform(_transform(geom.srid or WGS84, srid), clone=True)


def _round(value, precision: int):
    if isinstance(value, list | tuple):
        return [_round(item, precision) for item in value]
    return round(value, precision)


def _flat_coordinates(value):
    if isinstance(value, list | tuple) and value and not isinstance(value[0], list | tuple):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _flat_coordinates(item)


class WGS84GeometryField(GeometryField):
    """A GeoJSON geometry in WGS 84 (RFC 7946) that is a GEOSGeometry in TRYGG_SRID inside.

    `allowed` lists the accepted GeoJSON types. Input must be a GeoJSON geometry object (or its
    JSON text); longitudes must lie in [-180, 180] and latitudes in [-90, 90].
    """

    default_error_messages = {
        "invalid": _("Expected a GeoJSON geometry with WGS 84 coordinates."),
        "type": _("Geometry type %(type)s is not allowed here; use %(allowed)s."),
        "range": _("Coordinates must be longitude [-180, 180] and latitude [-90, 90]."),
        "invalid_geometry": _("Invalid geometry: %(reason)s"),
    }

    def __init__(self, allowed: tuple[str, ...] | None = None, **kwargs) -> None:
        self.allowed = allowed
        super().__init__(precision=PRECISION, **kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        if isinstance(value, dict):
            return value
        geojson = json.loads(to_wgs84(value).json)
        if "coordinates" in geojson:
            geojson["coordinates"] = _round(geojson["coordinates"], PRECISION)
        return geojson

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                self.fail("invalid")
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            self.fail("invalid")
        kind = value["type"]
        if self.allowed is not None and kind not in self.allowed:
            self.fail("type", type=kind[:40], allowed=", ".join(self.allowed))
        coordinates = value.get("coordinates")
        if (
            not isinstance(coordinates, list)
            or not coordinates
            or json_depth_exceeds(coordinates, MAX_COORDINATE_DEPTH)
        ):
            self.fail("invalid")
        for position in _flat_coordinates(coordinates):
            if len(position) < 2 or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in position
            ):
                self.fail("invalid")
            if not (-180.0 <= position[0] <= 180.0 and -90.0 <= position[1] <= 90.0):
                self.fail("range")
        try:
            geom = GEOSGeometry(json.dumps({"type": kind, "coordinates": coordinates}))
        except (GEOSException, GDALException, ValueError, TypeError):
            self.fail("invalid")
        geom = force_2d(geom)  # an altitude (RFC 7946) or measure is accepted and dropped
        geom.srid = WGS84
        if not geom.valid:
            self.fail("invalid_geometry", reason=geom.valid_reason)
        try:
            return to_storage(geom)
        except (GEOSException, GDALException):
            self.fail("range")


def flatten_feature(data) -> dict:
    """The fields of a request body: a GeoJSON Feature's properties plus its `geometry`, or the
    body itself when it is a plain object (JSON or form data).

    Raises a DRF ValidationError when the body is not an object.
    """
    if hasattr(data, "dict"):  # form data (QueryDict): one value per field
        data = data.dict()
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": [_("Expected a GeoJSON Feature or a JSON object.")]}
        )
    if data.get("type") == "Feature":
        properties = data.get("properties") or {}
        if not isinstance(properties, dict):
            raise serializers.ValidationError(
                {"properties": [_("Expected an object of properties.")]}
            )
        return {**properties, "geometry": data.get("geometry")}
    return dict(data)


class CodeField(serializers.SlugRelatedField):
    """A related object named by its code (a slug field); a code holding a NUL character,
    which PostgreSQL cannot compare, names nothing."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class ConstantField(serializers.ChoiceField):
    """An output field that is always `value`, whatever the object serialized (GeoJSON's
    ``type``, the kind of an answer); documented as an enum of that one value."""

    def __init__(self, value: str, **kwargs) -> None:
        super().__init__(choices=[value], read_only=True, **kwargs)
        self.value = value

    def get_attribute(self, instance) -> str:
        return self.value


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "number"},
        "minItems": 2,
        "maxItems": 2,
        "description": "[longitude, latitude] in WGS 84 degrees",
    }
)
class LonLatField(serializers.Field):
    """A point on a geometry (its point on surface, so inside areas and on lines) as
    ``[longitude, latitude]`` in WGS 84 degrees, 6 decimals (about 10 cm); output only."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: GEOSGeometry) -> list[float]:
        point = to_wgs84(value.point_on_surface)
        return [round(point.x, 6), round(point.y, 6)]


class UtcDateTimeField(serializers.DateTimeField):
    """An instant as ISO 8601 in UTC (``2025-01-16T19:11:33.736995+00:00``), as the database
    gives it, rather than DRF's default of the local time zone; output only."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        if not value or isinstance(value, str):
            return value or None
        return value.astimezone(UTC).isoformat()
