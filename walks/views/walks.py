"""API of safety walks: the walk by its join code, its streets, findings, photos and audits.

Knowing a walk's join code is what lets a phone read and add to it while the walk is open (a
closed walk's code answers 404, walks.join_codes); nobody logs in. Every
upload carries an id made on the phone (`client_uuid`): the first upload answers 201, a replay
answers 200 with the stored record, and the database's unique constraint makes sure that two
concurrent copies still store one row. A finding is changed, deleted or given photos only by the
phone that recorded it: its device token (`X-Trygg-Device`) must be its participant's.
"""

from __future__ import annotations

import json
import uuid

from django import forms
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.contrib.gis.geos import Polygon
from django.contrib.gis.measure import D
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core import conf, tenancy, textguard
from gis.core.api.fields import WGS84, flatten_feature, to_storage
from gis.core.api.pagination import GeoJsonLimitOffsetPagination
from gis.core.api.schema import feature_collection
from gis.core.throttles import WriteThrottledMixin, device_token, throttles_for
from layers.models import StreetSegment
from walks import join_codes
from walks.filters import BBoxField, FindingFilter, WalkFilter
from walks.models import FindingPhoto, SafetyWalk, WalkAudit, WalkFinding, WalkParticipant
from walks.serializers import (
    AuditInput,
    AuditSerializer,
    FindingInput,
    FindingSerializer,
    JoinInput,
    PhotoInput,
    PublicWalkSerializer,
    WalkSerializer,
)
from walks.views.common import PublicEndpoint, attach_photo, check_inside, create_once, read_photo


class StreetProperties(textguard.Serializer):
    """What the field maps draw of a street segment."""

    name = serializers.CharField()
    highway = serializers.CharField(help_text="OSM highway type.")
    lit = serializers.ChoiceField(choices=StreetSegment.Lit.choices, allow_blank=True)


DEVICE_PARAMETER = OpenApiParameter(
    "X-Trygg-Device",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    description="The device token of the phone that recorded the finding.",
)
STREETS = feature_collection("Street", StreetProperties, ("LineString",), feature_id=True)
STREETS_RESPONSE = {(200, "application/geo+json"): STREETS}


def walk_by_code(code: str) -> SafetyWalk:
    """The open walk with this join code (any case), or 404: a closed walk's code answers
    nothing here any more (walks.join_codes)."""
    return join_codes.walk_by_code(
        code, SafetyWalk.objects.select_related("municipality", "district")
    )


def _open_for_uploads(walk: SafetyWalk) -> None:
    if walk.status == SafetyWalk.Status.CLOSED:
        raise serializers.ValidationError(
            {"walk": [_("This walk is closed; nothing more can be added to it.")]}
        )


def _mark_active(walk: SafetyWalk) -> None:
    if walk.status == SafetyWalk.Status.PLANNED:
        SafetyWalk.objects.filter(pk=walk.pk, status=SafetyWalk.Status.PLANNED).update(
            status=SafetyWalk.Status.ACTIVE
        )


def _participant(walk: SafetyWalk, token, role: str | None, name: str = ""):
    """The walk's participant with this device token, created on first sight."""
    if token is None:
        return None
    participant, created = WalkParticipant.objects.get_or_create(
        walk=walk,
        device_token=token,
        defaults={"role": role or "other", "display_name": name},
    )
    changed = (role and participant.role != role) or (name and participant.display_name != name)
    if not created and changed:
        participant.role = role or participant.role
        participant.display_name = name or participant.display_name
        participant.save(update_fields=["role", "display_name"])
    return participant


def _findings():
    """Findings with their category and photos (in upload order) loaded."""
    return WalkFinding.objects.select_related("category").prefetch_related(
        Prefetch("photos", queryset=FindingPhoto.objects.order_by("id"))
    )


def _recorded_by(request, finding: WalkFinding) -> bool:
    """Whether the request comes from the phone (device token) that recorded `finding`."""
    token = device_token(request)
    participant = finding.participant
    return participant is not None and token == str(participant.device_token)


def _only_its_author(request, finding: WalkFinding) -> None:
    if not _recorded_by(request, finding):
        raise PermissionDenied(_("Only the participant who recorded this finding may change it."))


def _stored_elsewhere(field: str):
    return serializers.ValidationError({field: [_("This id is already used by another record.")]})


def streets_response(queryset) -> HttpResponse:
    """Street segments as a GeoJSON FeatureCollection in WGS 84; PostGIS writes the geometry
    text, which is spliced in without parsing it again."""
    limit = int(conf.setting("TRYGG_STREETS_MAX"))
    rows = queryset.annotate(geojson=AsGeoJSON(Transform("geom", WGS84), precision=6)).values_list(
        "id", "name", "highway", "lit", "geojson"
    )[:limit]
    features = [
        f'{{"type": "Feature", "id": {pk}, "properties": '
        f"{json.dumps({'name': name, 'highway': highway, 'lit': lit})}, "
        f'"geometry": {geojson}}}'
        for pk, name, highway, lit, geojson in rows
    ]
    body = '{"type": "FeatureCollection", "features": [' + ",".join(features) + "]}"
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "max-age=300"
    return response


class WalkList(PublicEndpoint, generics.ListAPIView):
    """Safety walks with their planned routes; join codes only for staff who may see walks."""

    queryset = SafetyWalk.objects.select_related("district").annotate(
        findings_count=Count("findings")
    )
    filterset_class = WalkFilter
    pagination_class = GeoJsonLimitOffsetPagination
    authentication_classes = [SessionAuthentication]

    def _for_staff(self) -> bool:
        user = getattr(self.request, "user", None)
        return user is not None and user.has_perm("walks.view_safetywalk")

    def get_queryset(self):
        """Staff who may see walks get their municipalities' walks, with the join codes."""
        queryset = super().get_queryset()
        return tenancy.scope(queryset, self.request.user) if self._for_staff() else queryset

    def get_serializer_class(self):
        return WalkSerializer if self._for_staff() else PublicWalkSerializer

    @extend_schema(responses=PublicWalkSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WalkDetail(PublicEndpoint, APIView):
    """One walk by its join code: title, times, status and the planned route."""

    @extend_schema(responses={200: WalkSerializer, 404: OpenApiResponse(description="Unknown")})
    def get(self, request, code: str):
        walk = walk_by_code(code)
        walk.findings_count = walk.findings.count()
        return Response(WalkSerializer(walk, context={"request": request}).data)


class WalkStreets(PublicEndpoint, APIView):
    """The street network around the walk's route (or in its district), for the offline map."""

    @extend_schema(responses=STREETS_RESPONSE)
    def get(self, request, code: str):
        walk = walk_by_code(code)
        segments = StreetSegment.objects.filter(municipality=walk.municipality)
        buffer_m = float(conf.setting("TRYGG_WALK_STREETS_BUFFER_M"))
        if walk.route is not None:
            segments = segments.filter(geom__dwithin=(walk.route, D(m=buffer_m)))
        elif walk.district is not None:
            segments = segments.filter(geom__intersects=walk.district.geom)
        return streets_response(segments)


class StreetsInBox(PublicEndpoint, APIView):
    """Street segments in a WGS 84 bounding box (for the maps of the report and walk forms)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "in_bbox",
                str,
                required=True,
                description="min_lon,min_lat,max_lon,max_lat in WGS 84 degrees (at most 0.01 deg²)",
            )
        ],
        responses=STREETS_RESPONSE,
    )
    def get(self, request):
        try:
            bbox = BBoxField(required=True).clean(request.query_params.get("in_bbox"))
        except forms.ValidationError as error:
            raise serializers.ValidationError({"in_bbox": error.messages}) from None
        if (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) > 0.01:
            raise serializers.ValidationError({"in_bbox": [_("The box is too large; zoom in.")]})
        box = Polygon.from_bbox(bbox)
        box.srid = WGS84
        segments = StreetSegment.objects.filter(geom__intersects=to_storage(box))
        return streets_response(segments)


class WalkJoin(PublicEndpoint, WriteThrottledMixin, APIView):
    """Join a walk from a phone: the role picked and the phone's device token."""

    throttle_classes = throttles_for("walk")

    @extend_schema(request=JoinInput, responses={200: JoinInput, 201: JoinInput})
    def post(self, request, code: str):
        walk = walk_by_code(code)
        _open_for_uploads(walk)
        data = JoinInput(data=flatten_feature(request.data))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        existed = WalkParticipant.objects.filter(
            walk=walk, device_token=values["device_token"]
        ).exists()
        participant = _participant(
            walk, values["device_token"], values["role"], values.get("display_name", "")
        )
        _mark_active(walk)
        return Response(
            {"device_token": str(participant.device_token), "role": participant.role},
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class FindingList(PublicEndpoint, WriteThrottledMixin, generics.ListAPIView):
    """The walk's findings from all participants (GET), or add one (POST, idempotent)."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    pagination_class = GeoJsonLimitOffsetPagination
    throttle_classes = throttles_for("walk")
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WalkFinding.objects.none()
        walk = walk_by_code(self.kwargs["code"])
        return _findings().filter(walk=walk)

    @extend_schema(
        request=FindingInput,
        responses={
            201: FindingSerializer,
            200: OpenApiResponse(FindingSerializer, description="A replay: the stored record"),
        },
    )
    def post(self, request, code: str):
        walk = walk_by_code(code)
        data = FindingInput(data=flatten_feature(request.data))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        existing = _findings().filter(client_uuid=values["client_uuid"]).first()
        if existing is not None:
            if existing.walk_id != walk.pk:
                raise _stored_elsewhere("client_uuid")
            return self._answer(existing, created=False)
        _open_for_uploads(walk)
        check_inside(values["geometry"], walk.municipality)
        participant = _participant(walk, values.get("device_token"), values.get("author_role"))
        role = values.get("author_role") or (participant.role if participant else "other")

        def create() -> WalkFinding:
            return WalkFinding.objects.create(
                municipality=walk.municipality,
                walk=walk,
                participant=participant,
                author_role=role,
                category=values["category"],
                severity=values["severity"],
                when=values["when"],
                note=values.get("note", ""),
                geom=values["geometry"],
                gps_accuracy_m=values.get("gps_accuracy_m"),
                observed_at=values.get("observed_at") or timezone.now(),
                client_uuid=values["client_uuid"],
            )

        finding, created = create_once(WalkFinding, values["client_uuid"], create)
        if created:
            _mark_active(walk)
            # A new finding has no photos yet: answer without asking the database again.
            finding._prefetched_objects_cache = {"photos": FindingPhoto.objects.none()}
        else:
            if finding.walk_id != walk.pk:
                raise _stored_elsewhere("client_uuid")
            finding = _findings().get(pk=finding.pk)
        return self._answer(finding, created)

    def _answer(self, finding: WalkFinding, created: bool) -> Response:
        body = FindingSerializer(finding, context={"request": self.request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FindingDetail(PublicEndpoint, WriteThrottledMixin, APIView):
    """One finding of the walk by the id the phone gave it: anyone with the code reads it; the
    phone that recorded it corrects (PATCH) or deletes it while the walk is open."""

    throttle_classes = throttles_for("walk")
    parser_classes = [JSONParser]
    # Fields a correction may change; the rest (ids, author, times) stay as recorded.
    EDITABLE = ("category", "severity", "when", "note", "geometry", "gps_accuracy_m")

    def _finding(self, code: str, client_uuid: uuid.UUID) -> WalkFinding:
        walk = walk_by_code(code)
        return get_object_or_404(
            _findings().select_related("participant", "walk__municipality"),
            walk=walk,
            client_uuid=client_uuid,
        )

    @extend_schema(responses={200: FindingSerializer})
    def get(self, request, code: str, client_uuid: uuid.UUID):
        finding = self._finding(code, client_uuid)
        return Response(FindingSerializer(finding, context={"request": request}).data)

    @extend_schema(
        parameters=[DEVICE_PARAMETER],
        request=FindingInput,
        responses={200: FindingSerializer, 403: OpenApiResponse(description="Not its author")},
    )
    def patch(self, request, code: str, client_uuid: uuid.UUID):
        finding = self._finding(code, client_uuid)
        _only_its_author(request, finding)
        _open_for_uploads(finding.walk)
        data = FindingInput(data=flatten_feature(request.data), partial=True)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k in self.EDITABLE}
        if "geometry" in values:
            check_inside(values["geometry"], finding.walk.municipality)
            finding.geom = values.pop("geometry")
        for name, value in values.items():
            setattr(finding, name, value)
        finding.save()
        finding = _findings().get(pk=finding.pk)
        return Response(FindingSerializer(finding, context={"request": request}).data)

    @extend_schema(
        parameters=[DEVICE_PARAMETER],
        responses={204: None, 403: OpenApiResponse(description="Not its author")},
    )
    def delete(self, request, code: str, client_uuid: uuid.UUID):
        finding = self._finding(code, client_uuid)
        _only_its_author(request, finding)
        _open_for_uploads(finding.walk)
        files = [f for photo in finding.photos.all() for f in (photo.image, photo.thumbnail) if f]
        finding.delete()
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
        return Response(status=status.HTTP_204_NO_CONTENT)


class FindingPhotoUpload(PublicEndpoint, WriteThrottledMixin, APIView):
    """Add a photo to a finding (multipart `photo`, and the phone's `client_uuid` for it)."""

    throttle_classes = throttles_for("walk")
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[DEVICE_PARAMETER],
        request={"multipart/form-data": PhotoInput},
        responses={
            201: FindingSerializer,
            200: FindingSerializer,
            403: OpenApiResponse(description="Not its author"),
        },
    )
    def post(self, request, code: str, client_uuid: uuid.UUID):
        walk = walk_by_code(code)
        finding = get_object_or_404(
            WalkFinding.objects.select_related("participant"), walk=walk, client_uuid=client_uuid
        )
        if finding.participant_id is not None:
            _only_its_author(request, finding)
        data = PhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        photo_uuid = data.validated_data.get("client_uuid") or uuid.uuid4()
        existing = FindingPhoto.objects.filter(client_uuid=photo_uuid).first()
        if existing is not None:
            if existing.finding_id != finding.pk:
                raise _stored_elsewhere("client_uuid")
            return self._answer(finding, created=False)
        _open_for_uploads(walk)
        limit = int(conf.setting("TRYGG_PHOTOS_PER_FINDING"))
        if finding.photos.count() >= limit:
            raise serializers.ValidationError(
                {"photo": [_("At most %(n)d photos per finding.") % {"n": limit}]}
            )
        photo = read_photo(data.validated_data["photo"])

        def create() -> FindingPhoto:
            record = FindingPhoto(finding=finding, client_uuid=photo_uuid)
            attach_photo(record, photo)
            return record

        record, created = create_once(FindingPhoto, photo_uuid, create)
        if record.finding_id != finding.pk:
            raise _stored_elsewhere("client_uuid")
        return self._answer(finding, created)

    def _answer(self, finding: WalkFinding, created: bool) -> Response:
        finding = _findings().get(pk=finding.pk)
        body = FindingSerializer(finding, context={"request": self.request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AuditList(PublicEndpoint, WriteThrottledMixin, generics.ListAPIView):
    """The walk's structured audits (GET), or add one at a stop (POST, idempotent)."""

    serializer_class = AuditSerializer
    pagination_class = GeoJsonLimitOffsetPagination
    throttle_classes = throttles_for("walk")
    parser_classes = [JSONParser]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WalkAudit.objects.none()
        return WalkAudit.objects.filter(walk=walk_by_code(self.kwargs["code"])).order_by(
            "observed_at"
        )

    @extend_schema(request=AuditInput, responses={201: AuditSerializer, 200: AuditSerializer})
    def post(self, request, code: str):
        walk = walk_by_code(code)
        data = AuditInput(data=flatten_feature(request.data))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        existing = WalkAudit.objects.filter(client_uuid=values["client_uuid"]).first()
        if existing is not None:
            if existing.walk_id != walk.pk:
                raise _stored_elsewhere("client_uuid")
            return self._answer(existing, created=False)
        _open_for_uploads(walk)
        check_inside(values["geometry"], walk.municipality)
        participant = _participant(walk, values.get("device_token"), None)

        def create() -> WalkAudit:
            return WalkAudit.objects.create(
                municipality=walk.municipality,
                walk=walk,
                participant=participant,
                stop_name=values.get("stop_name", ""),
                note=values.get("note", ""),
                geom=values["geometry"],
                observed_at=values.get("observed_at") or timezone.now(),
                client_uuid=values["client_uuid"],
                **{name: values[name] for name in WalkAudit.PARAMETERS},
            )

        audit, created = create_once(WalkAudit, values["client_uuid"], create)
        if audit.walk_id != walk.pk:
            raise _stored_elsewhere("client_uuid")
        return self._answer(audit, created)

    def _answer(self, audit: WalkAudit, created: bool) -> Response:
        body = AuditSerializer(audit, context={"request": self.request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
