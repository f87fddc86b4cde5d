"""Serializers: GeoJSON Features out (WGS 84), validated plain objects or Features in.

Public outputs never carry contact details, participants' names or device tokens, nor who
changed a pin's status.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gis.core import textguard
from gis.core.api.fields import CodeField, WGS84GeometryField
from gis.core.textguard import TextInputSerializerMixin
from gis.core.vocabulary import ParticipantRole, WhenUnsafe
from gis.media import url_with
from walks.models import (
    FINDING_GEOMETRY_TYPES,
    Category,
    ResidentPin,
    SafetyWalk,
    WalkAudit,
    WalkFinding,
)

# Lines and areas drawn on a phone have a handful of vertices; this caps abuse.
MAX_VERTICES = 1000
NOTE_MAX = 2000


def _photo_urls(request, photos, **key: str) -> list[dict]:
    """Links of photos; `key` (``token=`` or ``code=``) is appended where the photo is served
    only with it (gis.media)."""

    def absolute(field) -> str | None:
        if not field:
            return None
        url = url_with(field.url, **key) if key else field.url
        return request.build_absolute_uri(url) if request else url

    return [{"url": absolute(p.image), "thumbnail": absolute(p.thumbnail)} for p in photos]


PHOTO_LIST_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "url": {"type": "string", "format": "uri"},
            "thumbnail": {"type": "string", "format": "uri", "nullable": True},
        },
    },
}


class CategorySerializer(textguard.ModelSerializer):
    """A category with its name in the active language."""

    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ("code", "name", "owner", "colour", "duplicate_radius_m")


# --- outputs ------------------------------------------------------------------------------


class WalkSerializer(TextInputSerializerMixin, GeoFeatureModelSerializer):
    """A safety walk with its planned route as a GeoJSON Feature (route in WGS 84)."""

    route = WGS84GeometryField(allowed=("LineString",), read_only=True)
    code = serializers.CharField(source="join_code", read_only=True)
    district = serializers.CharField(
        source="district.name", read_only=True, default=None, allow_null=True
    )
    findings_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = SafetyWalk
        geo_field = "route"
        id_field = False
        fields = (
            "code",
            "title",
            "district",
            "starts_at",
            "ended_at",
            "time_of_day",
            "status",
            "findings_count",
        )


class PublicWalkSerializer(WalkSerializer):
    """A walk as anyone may list it: without the join code."""

    class Meta(WalkSerializer.Meta):
        fields = tuple(f for f in WalkSerializer.Meta.fields if f != "code")


class FindingSerializer(TextInputSerializerMixin, GeoFeatureModelSerializer):
    """A walk finding (point, line or area) as a GeoJSON Feature in WGS 84."""

    geom = WGS84GeometryField(read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = WalkFinding
        geo_field = "geom"
        fields = (
            "id",
            "client_uuid",
            "category",
            "severity",
            "when",
            "note",
            "author_role",
            "gps_accuracy_m",
            "observed_at",
            "photos",
        )

    @extend_schema_field(PHOTO_LIST_SCHEMA)
    def get_photos(self, finding: WalkFinding) -> list[dict]:
        photos = finding.photos.all()
        if not photos:
            return []
        code = getattr(self.context.get("view"), "kwargs", {}).get("code")
        code = code.upper() if isinstance(code, str) else finding.walk.join_code
        return _photo_urls(self.context.get("request"), photos, code=code)


class AuditSerializer(TextInputSerializerMixin, GeoFeatureModelSerializer):
    """A nine-parameter safety audit at a stop of a walk (each 0–3) as a GeoJSON Feature."""

    geom = WGS84GeometryField(read_only=True)
    total = serializers.IntegerField(read_only=True)

    class Meta:
        model = WalkAudit
        geo_field = "geom"
        fields = (
            "id",
            "client_uuid",
            "stop_name",
            "observed_at",
            "note",
            *WalkAudit.PARAMETERS,
            "total",
        )


class PinSerializer(TextInputSerializerMixin, GeoFeatureModelSerializer):
    """A resident pin as the public sees it: never contact details or authorship; the
    description and photo only when the resident chose to publish them."""

    geom = WGS84GeometryField(read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    open311_status = serializers.CharField(read_only=True)
    description = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = ResidentPin
        geo_field = "geom"
        fields = (
            "id",
            "category",
            "when",
            "description",
            "status",
            "status_label",
            "open311_status",
            "public_answer",
            "reported_at",
            "vote_count",
            "photos",
        )

    @extend_schema_field(OpenApiTypes.STR)
    def get_description(self, pin: ResidentPin) -> str | None:
        return pin.description if pin.published else None

    @extend_schema_field(PHOTO_LIST_SCHEMA)
    def get_photos(self, pin: ResidentPin) -> list[dict]:
        if not pin.published:
            return []
        return _photo_urls(self.context.get("request"), pin.photos.all())


class TrackedPinSerializer(PinSerializer):
    """The pin behind a tracking link (its reporter holds the token): the own description,
    and the status history without who made the changes."""

    history = serializers.SerializerMethodField()

    class Meta(PinSerializer.Meta):
        fields = (*PinSerializer.Meta.fields, "history")

    def get_description(self, pin: ResidentPin) -> str | None:
        return pin.description

    @extend_schema_field(PHOTO_LIST_SCHEMA)
    def get_photos(self, pin: ResidentPin) -> list[dict]:
        """The reporter's own photos, published or not, with the token that opens them."""
        return _photo_urls(self.context.get("request"), pin.photos.all(), token=pin.tracking_token)

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "status": {"type": "string"},
                    "label": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"},
                },
            },
        }
    )
    def get_history(self, pin: ResidentPin) -> list[dict]:
        return pin_history(pin)


def pin_history(pin: ResidentPin) -> list[dict]:
    """The public steps of a pin: received, then each status change (no names, no notes)."""
    labels = dict(ResidentPin.Status.choices)
    steps = [{"status": "received", "label": str(labels["received"]), "at": pin.reported_at}]
    for change in pin.history.all():
        steps.append(
            {
                "status": change.to_status,
                "label": str(labels.get(change.to_status, change.to_status)),
                "at": change.changed_at,
            }
        )
    return steps


# --- inputs -------------------------------------------------------------------------------


# Observations are made on a walk with a phone: a time before this is a wrong clock (and local
# times before 1900 carry offsets with seconds, which RFC 3339 date-times cannot write).
EARLIEST_OBSERVATION = datetime(2000, 1, 1, tzinfo=UTC)


class _ObservedAtMixin(textguard.Serializer):
    observed_at = serializers.DateTimeField(required=False)

    def validate_observed_at(self, value):
        if value > timezone.now() + timedelta(hours=1):
            raise serializers.ValidationError(_("The time lies in the future."))
        if value < EARLIEST_OBSERVATION:
            raise serializers.ValidationError(_("The time lies before the year 2000."))
        return value


class JoinInput(textguard.Serializer):
    """Joining a walk from a phone: a role and the phone's device token."""

    device_token = serializers.UUIDField()
    role = serializers.ChoiceField(choices=ParticipantRole.choices)
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class FindingInput(_ObservedAtMixin):
    """A new finding: a GeoJSON Feature whose properties hold these fields, or a flat object."""

    client_uuid = serializers.UUIDField()
    geometry = WGS84GeometryField(allowed=FINDING_GEOMETRY_TYPES)
    category = CodeField(slug_field="code", queryset=Category.objects.all())
    severity = serializers.IntegerField(min_value=1, max_value=5)
    when = serializers.ChoiceField(choices=WhenUnsafe.choices)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)
    gps_accuracy_m = serializers.FloatField(
        min_value=0, max_value=10_000, required=False, allow_null=True
    )
    device_token = serializers.UUIDField(required=False, allow_null=True)
    author_role = serializers.ChoiceField(choices=ParticipantRole.choices, required=False)

    def validate_geometry(self, geom):
        if geom.num_coords > MAX_VERTICES:
            raise serializers.ValidationError(
                _("At most %(n)d vertices are accepted.") % {"n": MAX_VERTICES}
            )
        return geom


class AuditInput(_ObservedAtMixin):
    """A new audit: a GeoJSON Point Feature whose properties hold these fields."""

    client_uuid = serializers.UUIDField()
    geometry = WGS84GeometryField(allowed=("Point",))
    stop_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)
    device_token = serializers.UUIDField(required=False, allow_null=True)
    lighting = serializers.IntegerField(min_value=0, max_value=3)
    openness = serializers.IntegerField(min_value=0, max_value=3)
    visibility = serializers.IntegerField(min_value=0, max_value=3)
    people = serializers.IntegerField(min_value=0, max_value=3)
    security = serializers.IntegerField(min_value=0, max_value=3)
    walk_path = serializers.IntegerField(min_value=0, max_value=3)
    public_transport = serializers.IntegerField(min_value=0, max_value=3)
    diversity = serializers.IntegerField(min_value=0, max_value=3)
    feeling = serializers.IntegerField(min_value=0, max_value=3)


class PhotoInput(textguard.Serializer):
    """A photo upload (multipart): the image file and, for findings, the phone's id for it."""

    photo = serializers.FileField()
    client_uuid = serializers.UUIDField(required=False)


class PinInput(textguard.Serializer):
    """A new resident pin (JSON, or multipart form data when a photo is attached).

    `geometry` is a GeoJSON Point in WGS 84 (as JSON text in form data). `website` is a
    honeypot: people never see it, so any value rejects the report.
    """

    client_uuid = serializers.UUIDField(required=False)
    geometry = WGS84GeometryField(allowed=("Point",))
    category = CodeField(slug_field="code", queryset=Category.objects.all())
    when = serializers.ChoiceField(choices=WhenUnsafe.choices)
    description = serializers.CharField(max_length=NOTE_MAX)
    published = serializers.BooleanField(required=False, default=True)
    photo = serializers.FileField(required=False, allow_null=True)
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    contact_phone = serializers.RegexField(
        r"^\+?[0-9 ()-]{5,31}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": _("Enter a phone number (digits, spaces, +, -).")},
    )
    website = serializers.CharField(required=False, allow_blank=True, write_only=True)


class VoteInput(textguard.Serializer):
    """A supporting vote ("I feel so too") on an existing pin."""

    client_uuid = serializers.UUIDField()
    when = serializers.ChoiceField(choices=WhenUnsafe.choices, required=False, allow_blank=True)


class NearbyQuery(textguard.Serializer):
    """Where a resident is about to report, and what: to find existing pins first."""

    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    category = CodeField(slug_field="code", queryset=Category.objects.all())
