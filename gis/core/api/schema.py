"""OpenAPI schema details: GeoJSON geometry of the input fields, one name per enum, and the error
answers every API view can give (`ApiSchema`)."""

from __future__ import annotations

import re

from drf_spectacular.contrib.rest_framework_gis import (
    build_geo_container_schema,
    build_linestring_schema,
    build_point_schema,
    build_polygon_schema,
)
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_array_type
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny

from gis.core import textguard
from gis.core.api.fields import WGS84GeometryField

_COORDINATES = {
    "Point": build_point_schema,
    "LineString": build_linestring_schema,
    "Polygon": build_polygon_schema,
    "MultiLineString": lambda: build_array_type(build_linestring_schema()),
    "MultiPolygon": lambda: build_array_type(build_polygon_schema()),
}


def geometry_schema(*kinds: str) -> dict:
    """A GeoJSON geometry (WGS 84) of one of `kinds` (Point, LineString, Polygon, Multi...)."""
    options = [build_geo_container_schema(kind, _COORDINATES[kind]()) for kind in kinds]
    schema = options[0] if len(options) == 1 else {"oneOf": options}
    return {**schema, "description": "GeoJSON geometry in WGS 84 (longitude, latitude)"}


class WGS84GeometryFieldExtension(OpenApiSerializerFieldExtension):
    """A GeoJSON geometry (WGS 84) of the types the field accepts."""

    target_class = "gis.core.api.fields.WGS84GeometryField"
    priority = 1

    def map_serializer_field(self, auto_schema, direction):
        allowed = self.target.allowed or ("Point", "LineString", "Polygon")
        return geometry_schema(*(kind for kind in allowed if kind in _COORDINATES))


def feature_collection(
    name: str,
    properties: type[serializers.Serializer],
    geometry: tuple[str, ...],
    *,
    feature_id: bool = False,
    **extra: serializers.Field,
) -> type[serializers.Serializer]:
    """A documentation serializer of a GeoJSON FeatureCollection (`<name>Collection`) whose
    features carry `properties`, a geometry of the `geometry` types and, with `feature_id`,
    an integer `id`; `extra` are top-level fields of the collection."""
    feature_fields = {
        "type": serializers.ChoiceField(choices=["Feature"]),
        **({"id": serializers.IntegerField()} if feature_id else {}),
        "geometry": WGS84GeometryField(allowed=geometry, read_only=True),
        "properties": properties(),
    }
    feature = type(f"{name}Feature", (textguard.Serializer,), feature_fields)
    collection_fields = {
        "type": serializers.ChoiceField(choices=["FeatureCollection"]),
        "features": feature(many=True),
        **extra,
    }
    return type(f"{name}Collection", (textguard.Serializer,), collection_fields)


# One component name per choice set that appears under the same property name in several
# components (`role` and `author_role`; the GeoJSON `type` of features and collections).
for _name, _choices in {
    "ParticipantRoleEnum": "gis.core.vocabulary.ParticipantRole",
    "GisFeatureEnum": ("Feature",),
    "GisFeatureCollectionEnum": ("FeatureCollection",),
}.items():
    spectacular_settings.ENUM_NAME_OVERRIDES.setdefault(_name, _choices)


# --- error answers ------------------------------------------------------------------------

ERROR_SCHEMAS: dict[str, dict] = {
    "ErrorDetail": {
        "type": "object",
        "description": "Why the request was refused.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "Each key names a field or query parameter (`non_field_errors` for the "
        "object as a whole) with its messages; `detail` when the body does not parse.",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "example": {"geometry": ["The location lies outside the municipality."]},
    },
    "DatabaseUnavailable": {
        "type": "object",
        "description": "The database cannot be reached; retry after `retry_after` seconds.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "enum": ["database_unavailable"]},
            "retry_after": {"type": "integer"},
        },
        "required": ["detail", "code", "retry_after"],
    },
}

ERROR_DESCRIPTIONS = {
    "400": "A field or query parameter is invalid: the body names it.",
    "401": "Not logged in.",
    "403": "The user's role may not do this (or the CSRF token is missing).",
    "404": "Nothing is found at this address.",
    "413": "The body is larger than this endpoint accepts.",
    "415": "The body's content type is not accepted.",
    "429": "Too many requests from this device or network; see Retry-After.",
    "503": "The database is unavailable; see Retry-After.",
}

RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}

#: Query parameters whose bad values fall back to a default instead of a 400: paging
#: (`limit`, `offset` of the GeoJSON lists), the dashboard's `lang`. (The dashboard's fix list
#: checks its `limit`, next to filters that do.)
LENIENT_PARAMETERS = frozenset({"limit", "offset", "lang"})


class ApiSchema(AutoSchema):
    """Adds to each operation the error answers its view can give, with their bodies.

    * 400 (`FieldErrors`) with a request body or a validated query parameter,
    * 401 and 403 when the view needs a logged-in role,
    * 404 with path parameters,
    * 413 with a request body on a public endpoint (gis.core.api.limits caps those),
    * 415 with a request body,
    * 429 on a public endpoint whose rate limits count this method,
    * 503 (`DatabaseUnavailable`, from gis.middleware) everywhere.

    Responses the view documents itself are kept; an error response documented without a body
    gets the error body. Views set it as their `schema` (PublicEndpoint, DashboardView).
    """

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        # Tags and operation ids come from the path after /api/ (Open311: after /), not after
        # the prefix common to all paths, which is only / once Open311 is documented too.
        path_prefix = "^/api/" if path.startswith("/api/") else "^/"
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.error_codes(operation):
            response = responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
            if "content" not in response:
                response["content"] = self.error_content(code)
            if code in ("429", "503"):
                response.setdefault("headers", RETRY_AFTER)
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                response["content"] = self.error_content(code)
        return operation

    def get_operation_id(self) -> str:
        """The generated id without dots (`heatmap.png`, `services.json`) in it."""
        return re.sub(r"[\W_]+", "_", super().get_operation_id()).strip("_")

    def error_codes(self, operation: dict) -> list[str]:
        """The error status codes this operation can answer."""
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = []
        if has_body or any(
            p["in"] == "query" and p["name"] not in LENIENT_PARAMETERS for p in parameters
        ):
            codes.append("400")
        if not public:
            codes += ["401", "403"]
        if any(p["in"] == "path" for p in parameters):
            codes.append("404")
        if has_body and public:
            codes.append("413")
        if has_body:
            codes.append("415")
        if public and self._throttled():
            codes.append("429")
        codes.append("503")
        return codes

    def _throttled(self) -> bool:
        """Whether a rate limit of the view counts this operation's requests (the limits of
        gis.core.throttles count either reads or writes, and never signed-in staff)."""
        writes = self.method not in SAFE_METHODS
        return any(
            getattr(throttle, "counts_writes", writes) == writes
            for throttle in self.view.get_throttles()
        )

    def error_content(self, code: str) -> dict:
        """The body of an error answer: JSON from the view, or the middleware's 503."""
        if code == "503":
            return {"application/json": {"schema": self.error_component("DatabaseUnavailable")}}
        name = "FieldErrors" if code == "400" else "ErrorDetail"
        return {
            media_type: {"schema": self.error_component(name)}
            for media_type in self.map_renderers("media_type")
        }

    def error_component(self, name: str, schema: dict | None = None) -> dict:
        """A reference to the error schema component `name` (registered on first use)."""
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            schema=schema or ERROR_SCHEMAS[name],
            object=f"trygg-error-{name}",
        )
        self.registry.register_on_missing(component)
        return component.ref
