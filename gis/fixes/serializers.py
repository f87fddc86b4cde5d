"""Serializers of fixes: the ranked list as GeoJSON, one fix with its reasons and history, the
list's query parameters and a status change.

Geometry is GeoJSON in WGS 84 (RFC 7946); `center` and `bbox` are WGS 84 degrees rounded to 6
decimals; instants are ISO 8601 in UTC. `can_change` and `next_statuses` follow the fix
workflow (:mod:`gis.fixes.workflow`) for the requesting user (``context["request"]``).
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gis.core import storedjson, textguard
from gis.core.api.fields import (
    ConstantField,
    LonLatField,
    UtcDateTimeField,
    WGS84GeometryField,
    to_wgs84,
)
from gis.core.idparse import is_ascii_id
from gis.core.vocabulary import Department
from gis.fixes import explain, workflow
from gis.fixes.models import Fix

#: The geometry of a fix: a street segment, a park, or a place drawn by hand.
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon")
LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
#: The API's name of each argument of workflow.change_status that differs from it.
WORKFLOW_FIELDS = {"to_status": "status"}


def _user(serializer: serializers.BaseSerializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class StatusChangeSerializer(textguard.Serializer):
    """One step of a status history (a fix's or a pin's): `from` and `to` status, `by` whom
    (user name, empty when unknown), `at` when (UTC) and the `note`."""

    to = serializers.CharField(source="to_status")
    by = serializers.CharField(source="changed_by.get_username", default="", read_only=True)
    at = UtcDateTimeField(source="changed_at")
    note = serializers.CharField()

    def get_fields(self):
        # `from` is a Python keyword, so it cannot be declared above: it is added here, first.
        from_status = serializers.CharField(source="from_status", read_only=True)
        return {"from": from_status, **super().get_fields()}


class RankField(serializers.IntegerField):
    """A fix's rank, 1 = best; null for an unranked fix (never 0: see `explain.rank`)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "1 = best; null when the latest ranking does not rank it.")
        super().__init__(**kwargs)

    def to_representation(self, value) -> int | None:
        return int(value) if value else None


class LinkedFixSerializer(textguard.Serializer):
    """A fix a resident pin is linked to: id, rank and its label, what to do where
    (``#3 Add lighting: Gångväg vid Töölönlahden puisto``)."""

    id = serializers.IntegerField()
    rank = RankField()
    label = serializers.SerializerMethodField()

    def get_label(self, fix: Fix) -> str:
        return explain.ranked_headline(fix)


class FixSerializer(textguard.Serializer):
    """A ranked fix: what, which department, its status, why, and where (WGS 84)."""

    id = serializers.IntegerField()
    rank = RankField()
    headline = serializers.SerializerMethodField()
    why = serializers.SerializerMethodField(help_text="The first line of the evidence.")
    fix_type = serializers.CharField()
    label = serializers.CharField(source="get_fix_type_display")
    department = serializers.CharField()
    department_label = serializers.CharField(source="get_department_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    score = serializers.FloatField()
    cost_class = serializers.IntegerField()
    explanation = serializers.SerializerMethodField(
        help_text="Headline and evidence in the request's language, places by name."
    )
    done_at = UtcDateTimeField(allow_null=True)
    center = LonLatField(source="geom", help_text="A point on the fix's place: [lon, lat].")
    bbox = serializers.SerializerMethodField()
    can_change = serializers.SerializerMethodField(
        help_text="Whether the user may change its status."
    )
    next_statuses = serializers.SerializerMethodField()

    def get_headline(self, fix: Fix) -> str:
        return explain.headline(fix)

    def get_explanation(self, fix: Fix) -> str:
        return explain.explanation(fix)

    def get_why(self, fix: Fix) -> str:
        evidence = explain.evidence_lines(fix)
        return evidence[0] if evidence else ""

    @extend_schema_field(
        {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 4,
            "maxItems": 4,
            "description": "west, south, east, north in WGS 84 degrees",
        }
    )
    def get_bbox(self, fix: Fix) -> list[float]:
        return [round(value, 6) for value in to_wgs84(fix.geom).extent]

    def get_can_change(self, fix: Fix) -> bool:
        return workflow.can_change(_user(self), fix)

    def get_next_statuses(self, fix: Fix) -> list[str]:
        return list(workflow.next_statuses(fix))


class FixDetailSerializer(FixSerializer):
    """A fix with its evidence, structured reasons, answer to residents and history."""

    evidence = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField(help_text="The fix's page, or empty.")
    reasons = serializers.SerializerMethodField()
    answer = serializers.CharField()
    pins = serializers.IntegerField(source="pins.count", help_text="Linked resident pins.")
    history = serializers.SerializerMethodField()

    def get_evidence(self, fix: Fix) -> list[str]:
        return explain.evidence_lines(fix)

    def get_page(self, fix: Fix) -> str:
        try:
            return reverse("fixes:detail", kwargs={"pk": fix.pk})
        except NoReverseMatch:
            return ""

    def get_reasons(self, fix: Fix) -> list[dict]:
        return storedjson.records(fix.reasons)

    @extend_schema_field(StatusChangeSerializer(many=True))
    def get_history(self, fix: Fix) -> list[dict]:
        changes = fix.history.select_related("changed_by")
        return StatusChangeSerializer(changes, many=True).data


class FixFeatureSerializer(FixSerializer, GeoFeatureModelSerializer):
    """A ranked fix as a GeoJSON Feature: its place (WGS 84) and the fix as properties."""

    geom = WGS84GeometryField(allowed=GEOMETRY_TYPES, read_only=True)

    class Meta:
        model = Fix
        geo_field = "geom"
        id_field = False
        fields = (*FixSerializer._declared_fields, "geom")


class FixCollectionSerializer(textguard.Serializer):
    """The ranked fixes, best first, as a GeoJSON FeatureCollection (`features`, a list) and
    how many passed the filters before the list was cut at `limit` (`total`)."""

    type = ConstantField("FeatureCollection")
    features = serializers.ListField(child=FixFeatureSerializer())
    total = serializers.IntegerField(help_text="Fixes passing the filters, before `limit`.")


class AsciiIntegerField(serializers.IntegerField):
    """An integer written in ASCII digits only (no sign, spaces or other scripts' digits)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not is_ascii_id(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class FixListQuerySerializer(textguard.Serializer):
    """The query parameters of the ranked fix list (besides the map's filters)."""

    department = serializers.ChoiceField(
        choices=Department.choices, required=False, allow_blank=True
    )
    fix_status = serializers.ChoiceField(
        choices=Fix.Status.choices, required=False, allow_blank=True, help_text="A fix status."
    )
    limit = AsciiIntegerField(
        min_value=1,
        max_value=LIMIT_MAX,
        default=LIMIT_DEFAULT,
        help_text=f"At most this many fixes (1 to {LIMIT_MAX}, default {LIMIT_DEFAULT}).",
    )


class FixStatusSerializer(textguard.Serializer):
    """A status change of a fix: the new status, a note (required when rejecting), the answer
    to residents (required when marking done a fix that addresses pins) and the day it is
    scheduled for (required when scheduling)."""

    # Saving moves the fix through gis.fixes.workflow; a change the workflow refuses is a 400
    # naming the field at fault.

    status = serializers.ChoiceField(choices=Fix.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    answer = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    scheduled_for = serializers.DateField(required=False, allow_null=True, default=None)

    def update(self, fix: Fix, validated_data: dict) -> Fix:
        try:
            workflow.change_status(
                fix,
                validated_data["status"],
                user=_user(self),
                note=validated_data["note"],
                answer=validated_data["answer"],
                scheduled_for=validated_data["scheduled_for"],
            )
        except workflow.WorkflowError as error:
            field = WORKFLOW_FIELDS.get(error.field, error.field)
            raise serializers.ValidationError({field: [error.message]}) from None
        return fix
