"""OpenAPI schema details: GeoJSON geometry of the input fields, and one name per enum."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_gis import (
    build_geo_container_schema,
    build_linestring_schema,
    build_point_schema,
    build_polygon_schema,
)
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.settings import spectacular_settings

_COORDINATES = {
    "Point": build_point_schema,
    "LineString": build_linestring_schema,
    "Polygon": build_polygon_schema,
}


class WGS84GeometryFieldExtension(OpenApiSerializerFieldExtension):
    """A GeoJSON geometry (WGS 84) of the types the field accepts."""

    target_class = "walks.api.fields.WGS84GeometryField"
    priority = 1

    def map_serializer_field(self, auto_schema, direction):
        allowed = self.target.allowed or tuple(_COORDINATES)
        options = [
            build_geo_container_schema(kind, _COORDINATES[kind]())
            for kind in allowed
            if kind in _COORDINATES
        ]
        schema = options[0] if len(options) == 1 else {"oneOf": options}
        return {**schema, "description": "GeoJSON geometry in WGS 84 (longitude, latitude)"}


# The participant roles appear as `role` and `author_role`: one component name for both.
spectacular_settings.ENUM_NAME_OVERRIDES.setdefault(
    "ParticipantRoleEnum", "gis.vocabulary.ParticipantRole"
)
