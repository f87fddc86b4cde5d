"""API input of digital walks: one resident's answer (features and answers to the questions)
and a photo of one of its features. Geometry arrives as GeoJSON in WGS 84 and is checked to lie
inside the campaign's area; the messages name the field (``features.2.geometry``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gis.campaigns.models import (
    ANSWER_MAX,
    SCALE,
    SCALE_MAX,
    SCALE_MIN,
    CampaignFeature,
)
from gis.core import textguard
from gis.core.api.fields import CodeField, WGS84GeometryField
from gis.core.geometry import validate_geometry
from gis.core.vocabulary import WhenUnsafe
from walks.models import Category
from walks.serializers import MAX_VERTICES

MAX_FEATURES = 30
MAX_PHOTOS = 5
# An avoided way longer than this, or an avoided place larger, is not one place on a walk.
MAX_WAY_M = 10_000
MAX_PLACE_M2 = 2_000_000
# Drawn on a phone near the edge: a few metres outside the area still count as inside.
AREA_TOLERANCE_M = 25


class FeatureInput(textguard.Serializer):
    """A point (category and when required), "a way I avoid" (a line) or "a place I avoid"
    (an area), with an optional comment."""

    kind = serializers.ChoiceField(choices=CampaignFeature.Kind.choices)
    geometry = WGS84GeometryField(allowed=("Point", "LineString", "Polygon"))
    category = CodeField(
        slug_field="code", queryset=Category.objects.all(), required=False, allow_null=True
    )
    when = serializers.ChoiceField(choices=WhenUnsafe.choices, required=False, allow_blank=True)
    comment = serializers.CharField(max_length=ANSWER_MAX, required=False, allow_blank=True)

    def validate(self, attrs):
        kind, geom = attrs["kind"], attrs["geometry"]
        wanted = CampaignFeature.GEOMETRY_TYPES[kind]
        if geom.geom_type != wanted:
            raise serializers.ValidationError(
                {"geometry": [_("A %(kind)s is a %(type)s.") % {"kind": kind, "type": wanted}]}
            )
        if geom.num_coords > MAX_VERTICES:
            raise serializers.ValidationError(
                {"geometry": [_("At most %(n)d vertices are accepted.") % {"n": MAX_VERTICES}]}
            )
        try:
            validate_geometry(geom, field="geometry")
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        if kind == CampaignFeature.Kind.AVOIDED_WAY and geom.length > MAX_WAY_M:
            raise serializers.ValidationError(
                {"geometry": [_("A way is at most %(km)d km long.") % {"km": MAX_WAY_M // 1000}]}
            )
        if kind == CampaignFeature.Kind.AVOIDED_PLACE and geom.area > MAX_PLACE_M2:
            raise serializers.ValidationError(
                {
                    "geometry": [
                        _("A place is at most %(km2)d km².") % {"km2": MAX_PLACE_M2 // 10**6}
                    ]
                }
            )
        if kind == CampaignFeature.Kind.POINT:
            if not attrs.get("category"):
                raise serializers.ValidationError({"category": [_("Pick a category.")]})
            if not attrs.get("when"):
                raise serializers.ValidationError({"when": [_("Pick when it feels unsafe.")]})
        return attrs


class ResponseInput(textguard.Serializer):
    """One resident's answer, sent at once. `website` is a honeypot: people never see it."""

    client_uuid = serializers.UUIDField()
    features = FeatureInput(many=True, required=False, max_length=MAX_FEATURES)
    answers = serializers.DictField(required=False)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    device_token = serializers.UUIDField(required=False, allow_null=True)
    website = serializers.CharField(required=False, allow_blank=True, write_only=True)

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def validate_answers(self, answers: dict) -> dict:
        """Only the campaign's questions: a scale 1–5, or a text of at most 1,000 characters."""
        questions = {q["key"]: q for q in self.campaign.questions} if self.campaign else {}
        clean = {}
        for key, value in answers.items():
            question = questions.get(key)
            if question is None:
                raise serializers.ValidationError(
                    _("%(key)s is not a question of this digital walk.") % {"key": key}
                )
            if value in (None, ""):
                continue
            if question["kind"] == SCALE:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise serializers.ValidationError(
                        {key: [_("Answer with a number from 1 to 5.")]}
                    )
                if not SCALE_MIN <= value <= SCALE_MAX:
                    raise serializers.ValidationError(
                        {key: [_("Answer with a number from 1 to 5.")]}
                    )
            else:
                if not isinstance(value, str) or len(value) > ANSWER_MAX:
                    raise serializers.ValidationError(
                        {key: [_("Answer with a text of at most 1,000 characters.")]}
                    )
                try:
                    textguard.reject_control_characters(value)
                except DjangoValidationError as error:
                    raise serializers.ValidationError({key: error.messages}) from None
                value = value.strip()
            clean[key] = value
        return clean

    def validate(self, attrs):
        if attrs.get("website"):
            raise serializers.ValidationError(
                {"non_field_errors": [_("The answer could not be accepted.")]}
            )
        features = attrs.get("features") or []
        if not features and not attrs.get("answers"):
            raise serializers.ValidationError(
                {"features": [_("Mark at least one place or answer a question.")]}
            )
        region = self.campaign.region if self.campaign else None
        if region is not None:
            allowed = region.buffer(AREA_TOLERANCE_M)
            for index, feature in enumerate(features):
                if not allowed.covers(feature["geometry"]):
                    raise serializers.ValidationError(
                        {
                            "features": {
                                str(index): {
                                    "geometry": [
                                        _("The place lies outside the digital walk's area.")
                                    ]
                                }
                            }
                        }
                    )
        return attrs


class FeaturePhotoInput(textguard.Serializer):
    """A photo of one feature of a stored answer, by the feature's place in `features`."""

    feature = serializers.IntegerField(min_value=0, max_value=MAX_FEATURES - 1)
    photo = serializers.FileField()
