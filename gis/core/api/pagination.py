"""Limit/offset pagination that answers with a GeoJSON FeatureCollection."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response


class GeoJsonLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=&offset=`; the page is a FeatureCollection with count, next and previous."""

    default_limit = 500
    max_limit = 5000

    def get_paginated_response(self, data):
        features = data["features"] if isinstance(data, dict) else data
        return Response(
            {
                "type": "FeatureCollection",
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "features": features,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "allOf": [
                schema,
                {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer", "example": 123},
                        "next": {"type": "string", "nullable": True, "format": "uri"},
                        "previous": {"type": "string", "nullable": True, "format": "uri"},
                    },
                },
            ]
        }
