"""API of resident pins: public reading, anonymous reporting, supporting votes and tracking.

Public answers never include contact details, tracking tokens or who changed a status; the
description and photo only when the resident chose to publish them. Reporting is limited per
address and per device, and a honeypot field rejects form-filling robots.
"""

from __future__ import annotations

import uuid

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core.api.fields import WGS84, flatten_feature, to_storage
from gis.core.api.pagination import GeoJsonLimitOffsetPagination
from gis.core.models import Municipality
from gis.core.throttles import WriteThrottledMixin, read_throttles, throttles_for
from layers.models import District
from walks.filters import PinFilter
from walks.models import Category, PinContact, PinPhoto, PinVote, ResidentPin
from walks.routing import department_for
from walks.serializers import (
    CategorySerializer,
    NearbyQuery,
    PhotoInput,
    PinInput,
    PinSerializer,
    TrackedPinSerializer,
    VoteInput,
)
from walks.supporters import supporter_of
from walks.views.common import (
    PublicEndpoint,
    attach_photo,
    check_inside,
    create_once,
    photo_gps,
    read_photo,
)

NEARBY_LIMIT = 5
OPEN_STATUSES = (
    ResidentPin.Status.RECEIVED,
    ResidentPin.Status.TRIAGED,
    ResidentPin.Status.MEASURE_PLANNED,
)


def public_pins():
    """Pins with what public answers need, photos in upload order."""
    return ResidentPin.objects.select_related("category").prefetch_related(
        Prefetch("photos", queryset=PinPhoto.objects.order_by("id"))
    )


def municipality_at(geom, field: str = "geometry") -> Municipality:
    """The municipality a point (storage SRID) lies in; a 400 naming `field` if none."""
    municipality = Municipality.objects.filter(boundary__dwithin=(geom, D(m=25))).first()
    if municipality is None:
        raise serializers.ValidationError(
            {field: [_("The location lies outside the municipality.")]}
        )
    check_inside(geom, municipality, field)
    return municipality


def reject_honeypot(data) -> None:
    """People never see the `website` field; a value in it means a robot filled the form."""
    if data.get("website"):
        raise serializers.ValidationError(
            {"non_field_errors": [_("The report could not be accepted.")]}
        )


def tracking_url(request, pin: ResidentPin) -> str:
    return request.build_absolute_uri(reverse("walks:track", args=[pin.tracking_token]))


def create_pin(values: dict, geom, municipality, photo, *, contact: dict) -> ResidentPin:
    """Store a pin with its optional contact details and photo (inside the caller's transaction),
    routed to the department of the municipal property it lies at, or its category's owner.

    The resident form and the partners' shift reports (walks.shift_reports, with `partner` in
    `values`) both store their pins here."""
    department, at_property = department_for(municipality, geom, values["category"])
    pin = ResidentPin.objects.create(
        municipality=municipality,
        category=values["category"],
        district=District.objects.filter(municipality=municipality, geom__covers=geom).first(),
        when=values["when"],
        description=values["description"],
        geom=geom,
        reported_at=timezone.now(),
        client_uuid=values["client_uuid"],
        published=values.get("published", True),
        department=department,
        property=at_property,
        partner=values.get("partner"),
    )
    if any(contact.values()):
        PinContact.objects.create(pin=pin, **contact)
    if photo is not None:
        attach_photo(PinPhoto(pin=pin), photo)
    return pin


CREATED_PIN = inline_serializer(
    "CreatedPin",
    {
        "tracking_token": serializers.CharField(),
        "tracking_url": serializers.URLField(),
        "pin": TrackedPinSerializer(),
    },
)


class PinList(PublicEndpoint, WriteThrottledMixin, generics.ListAPIView):
    """Resident pins as the public sees them (GET), or report a place (POST, anonymous).

    POST takes JSON or multipart form data (with an optional `photo`); `geometry` is a GeoJSON
    Point in WGS 84. The answer holds the tracking link; a replay of the same `client_uuid`
    answers 200 with the stored pin.
    """

    serializer_class = PinSerializer
    filterset_class = PinFilter
    pagination_class = GeoJsonLimitOffsetPagination
    throttle_classes = throttles_for("pin")
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return public_pins()

    @extend_schema(request=PinInput, responses={201: CREATED_PIN, 200: CREATED_PIN})
    def post(self, request):
        raw = flatten_feature(request.data)
        reject_honeypot(raw)
        data = PinInput(data=raw)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.setdefault("client_uuid", uuid.uuid4())
        existing = ResidentPin.objects.filter(client_uuid=values["client_uuid"]).first()
        if existing is None:
            municipality = municipality_at(values["geometry"])
            photo = read_photo(values["photo"]) if values.get("photo") else None
            contact = {
                "name": values.get("contact_name", ""),
                "email": values.get("contact_email", ""),
                "phone": values.get("contact_phone", ""),
            }

            def create() -> ResidentPin:
                return create_pin(values, values["geometry"], municipality, photo, contact=contact)

            existing, created = create_once(ResidentPin, values["client_uuid"], create)
        else:
            created = False
        pin = public_pins().get(pk=existing.pk)
        body = {
            "tracking_token": pin.tracking_token,
            "tracking_url": tracking_url(request, pin),
            "pin": TrackedPinSerializer(pin, context={"request": request}).data,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PinDetail(PublicEndpoint, generics.RetrieveAPIView):
    """One resident pin as the public sees it."""

    serializer_class = PinSerializer

    def get_queryset(self):
        return public_pins()


class NearbyPinSerializer(PinSerializer):
    """A public pin with its distance from the place about to be reported."""

    distance_m = serializers.SerializerMethodField()

    class Meta(PinSerializer.Meta):
        fields = (*PinSerializer.Meta.fields, "distance_m")

    def get_distance_m(self, pin) -> float:
        return round(pin.distance.m, 1)


class PinNearby(PublicEndpoint, APIView):
    """Open pins of the same category within the category's duplicate radius of a place:
    shown before reporting, so that a resident can support one instead of duplicating it."""

    @extend_schema(
        parameters=[
            OpenApiParameter("lon", float, required=True, description="Longitude (WGS 84)"),
            OpenApiParameter("lat", float, required=True, description="Latitude (WGS 84)"),
            OpenApiParameter("category", str, required=True, description="Category code"),
        ],
        responses={200: NearbyPinSerializer(many=True)},
    )
    def get(self, request):
        query = NearbyQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        category: Category = values["category"]
        point = to_storage(Point(values["lon"], values["lat"], srid=WGS84))
        pins = (
            public_pins()
            .filter(
                category=category,
                status__in=OPEN_STATUSES,
                geom__dwithin=(point, D(m=category.duplicate_radius_m)),
            )
            .annotate(distance=Distance("geom", point))
            .order_by("distance")[:NEARBY_LIMIT]
        )
        return Response(NearbyPinSerializer(pins, many=True, context={"request": request}).data)


VOTE_COUNT = inline_serializer(
    "VoteCount",
    {
        "vote_count": serializers.IntegerField(help_text="Distinct supporters of the pin."),
        "already_supported": serializers.BooleanField(
            help_text="This address or device already supported the pin: nothing was added."
        ),
    },
)


class PinVoteCreate(PublicEndpoint, WriteThrottledMixin, APIView):
    """Support an existing open pin ("I feel so too") instead of reporting it again.

    Support counts once per supporter (walks.supporters): a second vote from the same address or
    device, whatever its `client_uuid`, answers 200 "already supported" and adds nothing; a
    replay of the same `client_uuid` answers 200 too.
    """

    throttle_classes = throttles_for("vote")
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=VoteInput, responses={201: VOTE_COUNT, 200: VOTE_COUNT})
    def post(self, request, pk: int):
        pin = get_object_or_404(ResidentPin, pk=pk)
        data = VoteInput(data=flatten_feature(request.data))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        existing = PinVote.objects.filter(client_uuid=values["client_uuid"]).first()
        if existing is not None:
            if existing.pin_id != pin.pk:
                raise serializers.ValidationError(
                    {"client_uuid": [_("This id is already used by another record.")]}
                )
            return self._answer(pin, created=False)
        supporter = supporter_of(request)
        if supporter.votes(pin.pk).exists():
            return self._answer(pin, created=False)
        if pin.status not in OPEN_STATUSES:
            raise serializers.ValidationError(
                {"pin": [_("This report is closed and takes no more votes.")]}
            )
        try:
            with transaction.atomic():
                PinVote.objects.create(
                    pin=pin,
                    client_uuid=values["client_uuid"],
                    when=values.get("when", ""),
                    address_hash=supporter.address_hash,
                    device_token=supporter.device_token,
                )
                ResidentPin.objects.filter(pk=pin.pk).update(vote_count=F("vote_count") + 1)
        except IntegrityError:
            # A concurrent request of the same supporter (or with the same id) won the race.
            return self._answer(pin, created=False)
        return self._answer(pin, created=True)

    @staticmethod
    def _answer(pin: ResidentPin, created: bool) -> Response:
        pin.refresh_from_db(fields=["vote_count"])
        return Response(
            {"vote_count": pin.vote_count, "already_supported": not created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PinTrack(PublicEndpoint, APIView):
    """The pin behind a tracking link: status, history of the steps, the municipality's answer."""

    throttle_classes = read_throttles("track")

    @extend_schema(responses={200: TrackedPinSerializer})
    def get(self, request, token: str):
        pin = get_object_or_404(public_pins().prefetch_related("history"), tracking_token=token)
        return Response(TrackedPinSerializer(pin, context={"request": request}).data)


class PhotoLocation(PublicEndpoint, WriteThrottledMixin, APIView):
    """Read a photo's own GPS position (to offer it as the location); nothing is stored."""

    throttle_classes = throttles_for("photo_location")
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": PhotoInput},
        responses={
            200: inline_serializer(
                "PhotoLocation",
                {
                    "lat": serializers.FloatField(allow_null=True),
                    "lon": serializers.FloatField(allow_null=True),
                },
            )
        },
    )
    def post(self, request):
        gps = photo_gps(request.data.get("photo"))
        lat, lon = gps if gps else (None, None)
        return Response({"lat": lat, "lon": lon})


class CategoryList(PublicEndpoint, generics.ListAPIView):
    """The categories of what makes a place feel unsafe, names in the request's language."""

    serializer_class = CategorySerializer
    queryset = Category.objects.all()
    pagination_class = None
    filter_backends: list = []
