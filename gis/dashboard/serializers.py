"""Serializers of the dashboard's API: the filtered counts, districts and walk routes, a tile's
coordinates, the details of anything on the map (a resident pin with its photos, history,
linked fixes and, for the coordinator, contact) and a pin's triage.

Geometry is GeoJSON in WGS 84 (RFC 7946); `lonlat` is a point on a feature in WGS 84 degrees
(6 decimals); instants are ISO 8601 in UTC. Labels follow the active language. Serializers
that depend on the user read it from ``context["request"]``.
"""

from __future__ import annotations

from datetime import UTC

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from gis.core import textguard
from gis.core.api.fields import (
    CodeField,
    ConstantField,
    LonLatField,
    UtcDateTimeField,
    WGS84GeometryField,
)
from gis.core.api.tiles import TileSerializer  # noqa: F401 (the dashboard's tiles use it)
from gis.core.partners import incident_partner_ids
from gis.core.vocabulary import Department
from gis.dashboard.access import can_see_contacts, can_triage
from gis.dashboard.filters import INCIDENT_CATEGORY
from gis.fixes.models import Fix
from gis.fixes.serializers import LinkedFixSerializer, StatusChangeSerializer
from layers.models import Incident, StreetSegment
from walks.contact_access import shown_contact
from walks.models import Category, FindingPhoto, PinPhoto, ResidentPin
from walks.triage import record_status_change


def _user(serializer: serializers.BaseSerializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class UtcDayField(serializers.DateField):
    """The day (ISO 8601 date) of an instant in UTC; output only."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value.astimezone(UTC).date()) if value else None


# --- tiles, counts, districts, routes --------------------------------------------------------


class CountsSerializer(textguard.Serializer):
    """Counts of the filtered reports: in total and by each key."""

    total = serializers.IntegerField()
    source = serializers.DictField(child=serializers.IntegerField(), help_text="By source.")
    category = serializers.DictField(child=serializers.IntegerField(), help_text="By category.")
    when = serializers.DictField(child=serializers.IntegerField(), help_text="By time of day.")
    status = serializers.DictField(child=serializers.IntegerField(), help_text="By pin status.")


class DistrictPropertiesSerializer(textguard.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DistrictSerializer(textguard.Serializer):
    """A district as a GeoJSON Feature (WGS 84)."""

    type = ConstantField("Feature")
    geometry = WGS84GeometryField(allowed=("MultiPolygon",), read_only=True)
    properties = DistrictPropertiesSerializer()


class DistrictCollectionSerializer(textguard.Serializer):
    """The municipality's districts, by name, as a GeoJSON FeatureCollection (WGS 84)."""

    # Serializes the collection that gis.dashboard.queries.districts reads.

    type = ConstantField("FeatureCollection")
    features = DistrictSerializer(many=True)


class PropertyPropertiesSerializer(textguard.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    department = serializers.CharField()
    department_label = serializers.CharField()
    pins = serializers.IntegerField(help_text="Resident pins routed to the property.")
    incidents = serializers.IntegerField(help_text="Incidents on or next to the property.")


class PropertySerializer(textguard.Serializer):
    """A municipal property as a GeoJSON Feature (WGS 84)."""

    type = ConstantField("Feature")
    geometry = WGS84GeometryField(allowed=("MultiPolygon",), read_only=True)
    properties = PropertyPropertiesSerializer()


class PropertyCollectionSerializer(textguard.Serializer):
    """The municipality's properties as a GeoJSON FeatureCollection (WGS 84)."""

    # Serializes the collection that gis.dashboard.queries.properties reads.

    type = ConstantField("FeatureCollection")
    features = PropertySerializer(many=True)


class RoutePropertiesSerializer(textguard.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    date = serializers.DateField(help_text="The day the walk starts (UTC).")
    time_of_day = serializers.CharField()
    status = serializers.CharField()
    findings = serializers.IntegerField()


class RouteSerializer(textguard.Serializer):
    """A safety walk's route as a GeoJSON Feature (WGS 84)."""

    type = ConstantField("Feature")
    geometry = WGS84GeometryField(allowed=("LineString",), read_only=True)
    properties = RoutePropertiesSerializer()


class RouteCollectionSerializer(textguard.Serializer):
    """Safety-walk routes in the filtered period and district, by start, as a GeoJSON
    FeatureCollection (WGS 84)."""

    # Serializes the collection that gis.dashboard.queries.routes reads.

    type = ConstantField("FeatureCollection")
    features = RouteSerializer(many=True)


# --- the details of what is on the map ----------------------------------------------------


class PhotoLinksSerializer(textguard.Serializer):
    """A pin's or walk finding's photo: its thumbnail and full image on the photo endpoint."""

    thumbnail = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()

    def get_thumbnail(self, photo: PinPhoto | FindingPhoto) -> str:
        return self._url(photo, "thumb")

    def get_image(self, photo: PinPhoto | FindingPhoto) -> str:
        return self._url(photo, "full")

    def _url(self, photo: PinPhoto | FindingPhoto, size: str) -> str:
        kind = "pin" if isinstance(photo, PinPhoto) else "finding"
        return reverse("dashboard-api:photo", kwargs={"kind": kind, "pk": photo.pk, "size": size})


class PinContactSerializer(textguard.Serializer):
    """The contact details a resident left with a pin (null when none); only the coordinator
    sees them, and each showing is logged."""

    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()

    # Read through walks.contact_access (which logs the showing through context["channel"]);
    # the key is left out of the answer for a user who may not see contact details.
    def get_attribute(self, pin: ResidentPin):
        user = _user(self)
        if not can_see_contacts(user):
            raise SkipField()
        return shown_contact(user, pin, self.context["channel"])


class WalkRefSerializer(textguard.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    date = UtcDayField(source="starts_at", help_text="The day it starts (UTC).")


class VisiblePhotosField(serializers.ListField):
    """The record's photos the user may open: all of them with the photo view permission, else
    (EST partners) a published pin's photos only, so no link leads to a refused photo."""

    def __init__(self, **kwargs) -> None:
        super().__init__(child=PhotoLinksSerializer(), source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        photos = record.photos.all()
        model = photos.model._meta.model_name
        user = _user(self)
        if user is None or not user.has_perm(f"walks.view_{model}"):
            published = model == "pinphoto" and record.published
            photos = photos if published else photos.none()
        return [self.child.to_representation(photo) for photo in photos]


class PinDetailSerializer(textguard.Serializer):
    """A resident pin with photos, history and linked fixes; `contact` for the coordinator."""

    source = ConstantField("resident")
    id = serializers.IntegerField()
    title = serializers.CharField(source="category")
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    when = serializers.CharField()
    when_label = serializers.CharField(source="get_when_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    description = serializers.CharField()
    public_answer = serializers.CharField()
    reported_at = UtcDateTimeField()
    votes = serializers.IntegerField(source="vote_count")
    district = serializers.CharField(source="district.name", default="", read_only=True)
    department = serializers.CharField(
        source="routed_department", help_text="The department the report was routed to."
    )
    routed_to = serializers.SerializerMethodField(
        help_text='Where it was routed, for people: "Property management (School X)".'
    )
    property = serializers.SerializerMethodField(
        help_text="The municipal property it lies at (walks.routing), or empty."
    )
    photos = VisiblePhotosField()
    fixes = LinkedFixSerializer(source="fixes.all", many=True)
    history = serializers.SerializerMethodField()
    lonlat = LonLatField(source="geom", help_text="A point on the feature: [lon, lat].")
    can_triage = serializers.SerializerMethodField()
    contact = PinContactSerializer(
        required=False, allow_null=True, help_text="Only for the coordinator."
    )

    @extend_schema_field(StatusChangeSerializer(many=True))
    def get_history(self, pin: ResidentPin) -> list[dict]:
        changes = pin.history.select_related("changed_by")
        return StatusChangeSerializer(changes, many=True).data

    def get_can_triage(self, pin: ResidentPin) -> bool:
        return can_triage(_user(self))

    def get_routed_to(self, pin: ResidentPin) -> str:
        return routed_to_label(pin)

    def get_property(self, pin: ResidentPin) -> str:
        return str(pin.property) if pin.property_id else ""


def routed_to_label(pin: ResidentPin) -> str:
    """The routed department's name, with the property that decided it in brackets."""
    department = str(Department(pin.routed_department).label)
    return f"{department} ({pin.property})" if pin.property_id else department


class FindingDetailSerializer(textguard.Serializer):
    """A safety-walk finding with its walk and photos."""

    source = ConstantField("walk")
    id = serializers.IntegerField()
    title = serializers.CharField(source="category")
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    severity = serializers.IntegerField()
    when = serializers.CharField()
    when_label = serializers.CharField(source="get_when_display")
    note = serializers.CharField()
    author_role = serializers.CharField(source="get_author_role_display")
    observed_at = UtcDateTimeField()
    walk = WalkRefSerializer()
    photos = VisiblePhotosField()
    lonlat = LonLatField(source="geom", help_text="A point on the feature: [lon, lat].")


class IncidentDetailSerializer(textguard.Serializer):
    """A reported incident, under the category of its type (as the filters count it)."""

    source = ConstantField("incident")
    id = serializers.IntegerField()
    title = serializers.CharField(source="get_type_display")
    type = serializers.CharField()
    category = serializers.SerializerMethodField()
    category_name = serializers.SerializerMethodField()
    reported_by = serializers.CharField(source="get_reported_by_display")
    occurred_at = UtcDateTimeField(help_text="When it happened, or the start of its span.")
    occurred_to = UtcDateTimeField(
        allow_null=True, help_text='The end of its span ("between 22:00 and 06:00"), or null.'
    )
    occurred_label = serializers.CharField(
        read_only=True,
        help_text='When it happened for people, local clock: "12 mars 2026 22:00–06:00".',
    )
    description = serializers.SerializerMethodField(
        help_text="Null for a user of the partner role when another partner, or the "
        "municipality, reported it."
    )
    partner = serializers.CharField(
        source="partner.name", allow_null=True, default=None, help_text="The EST partner."
    )
    severity = serializers.IntegerField(allow_null=True)
    young_people_met = serializers.IntegerField(allow_null=True)
    property = serializers.SerializerMethodField(
        help_text="The municipal property it happened on or next to, or empty."
    )
    lonlat = LonLatField(source="geom", help_text="A point on the feature: [lon, lat].")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_description(self, incident: Incident) -> str | None:
        request = self.context.get("request")
        allowed = incident_partner_ids(request.user) if request is not None else None
        if allowed is not None and incident.partner_id not in allowed:
            return None
        return incident.description

    def get_category(self, incident: Incident) -> str:
        category = self._category(incident)
        return category.code if category else "other"

    def get_property(self, incident: Incident) -> str:
        return str(incident.property) if incident.property_id else ""

    def get_category_name(self, incident: Incident) -> str:
        category = self._category(incident)
        return category.name if category else ""

    def _category(self, incident: Incident) -> Category | None:
        code = INCIDENT_CATEGORY.get(incident.type)
        return Category.objects.filter(code=code).first()


class LampDetailSerializer(textguard.Serializer):
    """A street lamp and its status."""

    source = ConstantField("lamp")
    id = serializers.IntegerField()
    title = serializers.CharField(source="*")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    status_checked_at = UtcDateTimeField(allow_null=True)
    lonlat = LonLatField(source="geom", help_text="A point on the feature: [lon, lat].")


class LuxDetailSerializer(textguard.Serializer):
    """A lux reading."""

    source = ConstantField("lux")
    id = serializers.IntegerField()
    title = serializers.CharField(source="*")
    lux = serializers.FloatField()
    measured_at = UtcDateTimeField()
    measured_by = serializers.CharField()
    lonlat = LonLatField(source="geom", help_text="A point on the feature: [lon, lat].")


class CameraDetailSerializer(textguard.Serializer):
    """A surveillance camera."""

    source = ConstantField("camera")
    id = serializers.IntegerField()
    title = serializers.CharField(source="*")
    operator = serializers.CharField()
    permit = serializers.CharField(source="get_permit_status_display")
    direction_deg = serializers.FloatField(allow_null=True)
    fov_deg = serializers.FloatField()
    range_m = serializers.FloatField()
    lonlat = LonLatField(source="geom", help_text="A point on the feature: [lon, lat].")


class VegetationDetailSerializer(textguard.Serializer):
    """A tree, scrub or hedge."""

    source = ConstantField("vegetation")
    id = serializers.IntegerField()
    title = serializers.CharField(source="get_kind_display")
    kind = serializers.CharField()
    height_m = serializers.FloatField(allow_null=True)
    blocks_sightline = serializers.BooleanField()
    lonlat = LonLatField(source="geom", help_text="A point on the feature: [lon, lat].")


class StreetDetailSerializer(textguard.Serializer):
    """A street segment; its title is its name as people use it (layers.naming), its id a
    detail of its own."""

    source = ConstantField("street")
    id = serializers.IntegerField()
    title = serializers.CharField(source="*")
    highway = serializers.CharField()
    lit = serializers.CharField()
    lit_label = serializers.CharField(source="get_lit_display")
    length_m = serializers.SerializerMethodField(help_text="Metres, 1 decimal.")
    lonlat = LonLatField(source="geom", help_text="A point on the feature: [lon, lat].")

    def get_length_m(self, segment: StreetSegment) -> float:
        return round(segment.length_m, 1)


class RouteDetailSerializer(textguard.Serializer):
    """A safety walk's route."""

    source = ConstantField("route")
    id = serializers.IntegerField()
    title = serializers.CharField()
    date = UtcDayField(source="starts_at", help_text="The day it starts (UTC).")
    time_of_day = serializers.CharField(source="get_time_of_day_display")
    status_label = serializers.CharField(source="get_status_display")
    district = serializers.CharField(source="district.name", default="", read_only=True)
    findings = serializers.IntegerField(source="findings.count")
    lonlat = LonLatField(
        source="route", allow_null=True, help_text="A point on the route: [lon, lat]."
    )


# --- triage -------------------------------------------------------------------------------


class TriageSerializer(textguard.Serializer):
    """The coordinator's triage of a pin (every field optional): its status, category, the fix
    it is linked to (null unlinks), the public answer and a note for the history."""

    # Saving updates the pin and records the change in its history
    # (walks.triage.record_status_change), also when only the category, the link or the answer
    # changed, with a note saying what.

    status = serializers.ChoiceField(choices=ResidentPin.Status.choices, required=False)
    category = CodeField(slug_field="code", queryset=Category.objects.all(), required=False)
    fix = serializers.IntegerField(required=False, allow_null=True)
    public_answer = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_fix(self, value: int | None) -> Fix | None:
        """The fix, which must belong to the pin's municipality."""
        if value is None:
            return None
        fix = Fix.objects.filter(pk=value, municipality_id=self.instance.municipality_id).first()
        if fix is None:
            raise serializers.ValidationError(f"unknown fix {value}")
        return fix

    def update(self, pin: ResidentPin, validated_data: dict) -> ResidentPin:
        data = validated_data
        previous = pin.status
        changes = []
        if "category" in data and data["category"].pk != pin.category_id:
            changes.append(f"category: {pin.category.code} → {data['category'].code}")
            pin.category = data["category"]
            if pin.property_id is None:  # not at a property: the new category's owner
                pin.department = pin.category.owner
        if "public_answer" in data and data["public_answer"] != pin.public_answer:
            changes.append("public answer updated")
            pin.public_answer = data["public_answer"]
        if "status" in data:
            pin.status = data["status"]
        pin.save()
        if "fix" in data:
            fix = data["fix"]
            linked = set(pin.fixes.values_list("pk", flat=True))
            if linked != ({fix.pk} if fix else set()):
                pin.fixes.set([fix] if fix else [])
                changes.append(f"fix: {fix}" if fix else "fix link removed")
        note = "; ".join([*changes, data.get("note", "")]).strip("; ")
        if pin.status != previous or changes or data.get("note"):
            record_status_change(pin, previous, _user(self), note=note)
        return pin
