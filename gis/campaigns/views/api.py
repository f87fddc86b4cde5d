"""The digital walks' API (no language prefix): a resident's answer and its photos.

Anonymous, like the resident report (walks.views.pins.PinList): limited per address and per
device (`campaign_ip`, `campaign_device`), bodies capped, a honeypot field. An answer is stored
once per `client_uuid` (a replay from the offline outbox answers 200 with the same body). A
campaign not yet open answers 400, a closed one 410, both naming ``campaign``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.campaigns.models import (
    Campaign,
    CampaignContact,
    CampaignFeature,
    CampaignPhoto,
    CampaignResponse,
)
from gis.campaigns.serializers import MAX_PHOTOS, FeaturePhotoInput, ResponseInput
from gis.core.api.fields import flatten_feature
from gis.core.throttles import WriteThrottledMixin, throttles_for
from walks.supporters import supporter_of
from walks.views.common import PublicEndpoint, attach_photo, create_once, read_photo

# Photos of an answer come after it through the outbox; later than this they are refused.
PHOTO_WINDOW = timedelta(hours=24)

STORED = inline_serializer(
    "CampaignResponseStored",
    {
        "client_uuid": serializers.UUIDField(),
        "features": serializers.IntegerField(),
        "photos_url": serializers.CharField(),
    },
)


def refusal(campaign: Campaign) -> Response | None:
    """400 before the campaign opens, 410 once it is closed; None while it is open."""
    state = campaign.status
    if state == Campaign.Status.CLOSED:
        body = {"campaign": [_("This digital walk is closed.")], "code": "closed"}
        return Response(body, status=status.HTTP_410_GONE)
    if state == Campaign.Status.UPCOMING:
        message = _("This digital walk opens on %(date)s.") % {"date": campaign.starts_on}
        return Response({"campaign": [message], "code": "not_open"}, status=400)
    return None


def _stored(response: CampaignResponse, created: bool) -> Response:
    body = {
        "client_uuid": str(response.client_uuid),
        "features": response.features.count(),
        "photos_url": reverse(
            "campaigns_api:response-photos",
            args=[response.campaign.slug, response.client_uuid],
        ),
    }
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def store_response(campaign: Campaign, values: dict, supporter, language: str) -> CampaignResponse:
    """Store an answer with its features and, when given, its e-mail (inside the caller's
    transaction)."""
    response = CampaignResponse.objects.create(
        campaign=campaign,
        client_uuid=values["client_uuid"],
        answers=values.get("answers") or {},
        address_hash=supporter.address_hash if supporter else None,
        device_token=supporter.device_token if supporter else None,
        language=language[:8],
    )
    CampaignFeature.objects.bulk_create(
        CampaignFeature(
            response=response,
            kind=feature["kind"],
            geom=feature["geometry"],
            category=feature.get("category") if feature["kind"] == "point" else None,
            when=feature.get("when") or "",
            comment=(feature.get("comment") or "").strip(),
        )
        for feature in values.get("features") or []
    )
    if values.get("contact_email"):
        CampaignContact.objects.create(response=response, email=values["contact_email"])
    return response


class ResponseCreate(PublicEndpoint, WriteThrottledMixin, APIView):
    """Answer a digital walk (anonymous): points with a category, "a way I avoid" (line), "a
    place I avoid" (area), the answers to its questions, optionally an e-mail. Geometry is
    GeoJSON in WGS 84 and must lie inside the campaign's area."""

    throttle_classes = throttles_for("campaign")
    parser_classes = [JSONParser]

    @extend_schema(request=ResponseInput, responses={201: STORED, 200: STORED})
    def post(self, request, slug: str):
        campaign = get_object_or_404(Campaign.objects.select_related("district"), slug=slug)
        raw = flatten_feature(request.data)
        existing = None
        try:
            key = uuid.UUID(str(raw.get("client_uuid")))
        except ValueError:  # missing or not a UUID: the serializer names the field below
            key = None
        if key is not None:
            existing = CampaignResponse.objects.filter(client_uuid=key).first()
        if existing is not None:
            if existing.campaign_id != campaign.pk:
                raise serializers.ValidationError(
                    {"client_uuid": [_("This id is already used by another record.")]}
                )
            return _stored(existing, created=False)
        refused = refusal(campaign)
        if refused is not None:
            return refused
        data = ResponseInput(data=raw, campaign=campaign)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        supporter = supporter_of(request)
        language = getattr(request, "LANGUAGE_CODE", "") or ""

        def create() -> CampaignResponse:
            return store_response(campaign, values, supporter, language)

        stored, created = create_once(CampaignResponse, values["client_uuid"], create)
        return _stored(stored, created)


class ResponsePhoto(PublicEndpoint, WriteThrottledMixin, APIView):
    """A photo of one feature of a stored answer (multipart: `feature`, its place in the
    answer's `features`, and `photo`), re-encoded without metadata. One per feature (a replay
    answers 200), at most five per answer, within a day of the answer."""

    throttle_classes = throttles_for("campaign")
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": FeaturePhotoInput},
        responses={
            201: inline_serializer("CampaignPhotoStored", {"feature": serializers.IntegerField()})
        },
    )
    def post(self, request, slug: str, client_uuid):
        response = get_object_or_404(
            CampaignResponse.objects.select_related("campaign"),
            campaign__slug=slug,
            client_uuid=client_uuid,
        )
        data = FeaturePhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        index = data.validated_data["feature"]
        features = list(response.features.order_by("id"))
        if index >= len(features):
            raise serializers.ValidationError({"feature": [_("The answer has no such feature.")]})
        feature = features[index]
        if feature.photos.exists():
            return Response({"feature": index}, status=status.HTTP_200_OK)
        if timezone.now() - response.submitted_at > PHOTO_WINDOW:
            raise serializers.ValidationError(
                {"photo": [_("Photos are taken within a day of the answer.")]}
            )
        if CampaignPhoto.objects.filter(feature__response=response).count() >= MAX_PHOTOS:
            raise serializers.ValidationError(
                {"photo": [_("At most %(n)d photos per answer.") % {"n": MAX_PHOTOS}]}
            )
        photo = read_photo(data.validated_data["photo"])
        with transaction.atomic():
            attach_photo(CampaignPhoto(feature=feature), photo)
        return Response({"feature": index}, status=status.HTTP_201_CREATED)
