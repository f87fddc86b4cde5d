"""The walk-planning API's input and output (the same classes the OpenAPI schema documents)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gis.core import textguard
from gis.core.api.fields import WGS84GeometryField
from gis.core.vocabulary import WhenUnsafe
from gis.walkplan.planning import MINUTES_RANGE, PACE_RANGE

#: Stops added or dropped by hand in one request, at most.
MAX_EDITS = 100


class LonLatInput(serializers.ListField):
    """A WGS 84 point as ``[lon, lat]``."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            child=serializers.FloatField(),
            min_length=2,
            max_length=2,
            error_messages={
                "min_length": _("Give a point as [longitude, latitude]."),
                "max_length": _("Give a point as [longitude, latitude]."),
            },
            **kwargs,
        )

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if len(values) != 2:
            raise serializers.ValidationError(_("Give a point as [longitude, latitude]."))
        lon, lat = values
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise serializers.ValidationError(
                _("Coordinates must be longitude [-180, 180] and latitude [-90, 90].")
            )
        return [lon, lat]


class DroppedStop(textguard.Serializer):
    """A proposed stop the leader took out: its kind and id."""

    kind = serializers.CharField(max_length=16)
    id = serializers.IntegerField(allow_null=True)


class PlanInput(textguard.Serializer):
    """What a walk is planned from. ``district`` (an id or a name) or ``area`` (a GeoJSON
    Polygon in WGS 84); neither plans over the whole municipality."""

    municipality = serializers.CharField(
        max_length=64, required=False, help_text="Municipality code; optional with one."
    )
    district = serializers.CharField(
        max_length=100, required=False, allow_null=True, help_text="District id or name."
    )
    area = WGS84GeometryField(allowed=("Polygon", "MultiPolygon"), required=False, allow_null=True)
    minutes = serializers.FloatField(
        min_value=MINUTES_RANGE[0],
        max_value=MINUTES_RANGE[1],
        help_text=f"Time budget in minutes, {MINUTES_RANGE[0]}-{MINUTES_RANGE[1]}.",
    )
    time_of_day = serializers.ChoiceField(choices=WhenUnsafe.choices)
    pace_kmh = serializers.FloatField(
        min_value=PACE_RANGE[0],
        max_value=PACE_RANGE[1],
        default=4.0,
        help_text=f"Walking pace in km/h, {PACE_RANGE[0]:g}-{PACE_RANGE[1]:g}.",
    )
    start = LonLatInput(required=False, allow_null=True, help_text="[lon, lat] of the start.")
    end = LonLatInput(required=False, allow_null=True, help_text="[lon, lat] of the end.")
    dropped = DroppedStop(many=True, required=False, default=list, max_length=MAX_EDITS)
    added = serializers.ListField(
        child=LonLatInput(), required=False, default=list, max_length=MAX_EDITS
    )


class WalkPlanInput(PlanInput):
    """A walk's plan: its time of day and district are the defaults."""

    minutes = serializers.FloatField(min_value=MINUTES_RANGE[0], max_value=MINUTES_RANGE[1])
    time_of_day = serializers.ChoiceField(choices=WhenUnsafe.choices, required=False)


class RouteOutput(textguard.Serializer):
    type = serializers.CharField(help_text="LineString")
    coordinates = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))


class SavedStopOutput(textguard.Serializer):
    """A numbered stop of a walk: where (the point on the street, WGS 84), why, what to look at."""

    order = serializers.IntegerField()
    kind = serializers.CharField(help_text="pin, finding, hotspot, fix, campaign or added")
    id = serializers.IntegerField(allow_null=True)
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    title = serializers.CharField()
    why = serializers.CharField()
    look_at = serializers.CharField()
    comments = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Residents' published text."
    )
    photos = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Links of published photos."
    )
    ticked = serializers.BooleanField(required=False, help_text="Saved plans: ticked on a phone.")


class StopOutput(SavedStopOutput):
    """A planned stop: also where the report itself is and when the walk gets there."""

    place = serializers.ListField(child=serializers.FloatField(), required=False)
    minutes_from_start = serializers.FloatField(required=False)


class PlanOutput(textguard.Serializer):
    """A planned walk (see docs/walkplan.md)."""

    route = RouteOutput(help_text="The route along the streets, WGS 84.")
    stops = StopOutput(many=True, help_text="The stops in walking order.")
    length_m = serializers.FloatField(help_text="Metres along the route.")
    minutes = serializers.FloatField(help_text="Walking and stop minutes.")
    walk_minutes = serializers.FloatField(help_text="Walking minutes at the pace.")
    stop_minutes = serializers.FloatField(help_text="Minutes at the stops.")
    candidates = serializers.IntegerField(help_text="Candidate stops weighed.")
    over_budget = serializers.BooleanField(help_text="The leader's stops alone take longer.")
    inputs = serializers.DictField(help_text="What the plan was made from.")


class SavedPlanOutput(textguard.Serializer):
    """A walk's saved plan."""

    walk = serializers.CharField()
    inputs = serializers.DictField()
    route = RouteOutput(allow_null=True)
    length_m = serializers.FloatField()
    stops = SavedStopOutput(many=True)
