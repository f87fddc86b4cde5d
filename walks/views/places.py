"""Street search of the field pages: the municipality's street names as the resident types.

A keyboard user (or anyone who cannot tap the map) gives the place of a report by choosing a
street from suggestions: the distinct names of the municipality's street segments (and the
named place a nameless path is near) that contain the typed words, each with a point on the
street in WGS 84 degrees. "Storgatan 12" prefers the segment whose house-number range holds 12.
Distances are metres of the storage CRS.
"""

from __future__ import annotations

import re

from django.contrib.gis.db.models.functions import Transform
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core.api.fields import WGS84
from gis.core.models import Municipality
from gis.core.textguard import Serializer as TextInputSerializer
from layers.models import StreetSegment
from walks.views.common import PublicEndpoint

#: The shortest and longest query searched (characters).
MIN_QUERY, MAX_QUERY = 2, 100
#: The most suggestions answered.
MAX_RESULTS = 8
_NUMBER = re.compile(r"^(?P<street>.*\S)\s+(?P<number>\d{1,5})\s*[a-zA-Z]?$")
_RANGE = re.compile(r"(\d+)\D+(\d+)|(\d+)")


def split_query(text: str) -> tuple[str, int | None]:
    """("Storgatan", 12) of "Storgatan 12"; (text, None) without a trailing house number."""
    match = _NUMBER.match(text.strip())
    if match and match.group("street").strip():
        return match.group("street").strip(), int(match.group("number"))
    return text.strip(), None


def _holds(house_numbers: str, number: int) -> bool:
    """Whether a stored range such as "12–20" (or one number) holds `number`."""
    match = _RANGE.search(house_numbers or "")
    if not match:
        return False
    if match.group(3):
        return int(match.group(3)) == number
    low, high = sorted((int(match.group(1)), int(match.group(2))))
    return low <= number <= high


def search(municipality: Municipality, text: str) -> list[dict]:
    """Suggestions for `text` among the municipality's street names, best first.

    Each is {"label", "name", "house_numbers", "lon", "lat"}: the label a person reads, and a
    point in the middle of the chosen segment (WGS 84 degrees)."""
    street, number = split_query(text)
    segments = (
        StreetSegment.objects.filter(municipality=municipality)
        .filter(Q(name__icontains=street) | Q(name="", near_name__icontains=street))
        .annotate(point=Transform("geom", WGS84))
        .only("name", "near_name", "house_numbers", "length_m", "geom")
        .order_by("name", "near_name", "-length_m")
    )
    best: dict[str, StreetSegment] = {}
    for segment in segments[:2000]:
        key = segment.name or segment.near_name
        chosen = best.get(key)
        if (
            chosen is None
            or (segment.name and not chosen.name)  # a street of its own before a path near it
            or (
                number is not None
                and bool(segment.name) == bool(chosen.name)
                and _holds(segment.house_numbers, number)
                and not _holds(chosen.house_numbers, number)
            )
        ):
            best[key] = segment
    lowered = street.lower()
    names = sorted(best, key=lambda n: (not n.lower().startswith(lowered), n.lower()))
    results = []
    for name in names[:MAX_RESULTS]:
        segment = best[name]
        middle = segment.point.interpolate_normalized(0.5)
        label = name if segment.name else _("Path near %(place)s") % {"place": name}
        if number is not None and _holds(segment.house_numbers, number):
            label = f"{name} {number}"
        results.append(
            {
                "label": label,
                "name": name,
                "house_numbers": segment.house_numbers,
                "lon": round(middle.x, 7),
                "lat": round(middle.y, 7),
            }
        )
    return results


class QueryInput(TextInputSerializer):
    q = serializers.CharField(min_length=MIN_QUERY, max_length=MAX_QUERY, trim_whitespace=True)
    municipality = serializers.SlugRelatedField(
        slug_field="code", queryset=Municipality.objects.all()
    )


PLACES_RESPONSE = inline_serializer(
    "PlaceSuggestions",
    {
        "results": serializers.ListField(
            child=inline_serializer(
                "PlaceSuggestion",
                {
                    "label": serializers.CharField(),
                    "name": serializers.CharField(),
                    "house_numbers": serializers.CharField(),
                    "lon": serializers.FloatField(),
                    "lat": serializers.FloatField(),
                },
            )
        )
    },
)


class PlaceSearch(PublicEndpoint, APIView):
    """Street names of a municipality that contain the typed words, with a point on each."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description="2–100 characters"),
            OpenApiParameter(
                "municipality", OpenApiTypes.STR, required=True, description="municipality code"
            ),
        ],
        responses=PLACES_RESPONSE,
    )
    def get(self, request):
        data = QueryInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return Response({"results": search(values["municipality"], values["q"])})
