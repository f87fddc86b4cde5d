"""The partner API: `POST /api/partners/v1/incidents` with `Authorization: Bearer KEY`.

A partner's system (the police's, a security company's) sends one GeoJSON Feature or a
FeatureCollection of up to 1,000 incidents in WGS 84; the answer counts what was created and
updated and lists each rejected feature by index with its reason. Replays are idempotent: an
incident is known by (partner source, external_id) (:mod:`layers.partner_intake`).

The key (gis.core.partners) answers 401 with `WWW-Authenticate: Bearer` when missing, wrong,
revoked or expired; 403 without the `incidents` scope; 429 with Retry-After beyond its
`rate_per_hour` (its logged uses of the last hour that were not themselves refused). Every
request with a known key is logged as a PartnerKeyUse (status and counts, never the body) and
sets the key's `last_used_at`.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core import conf, textguard
from gis.core.api import limits
from gis.core.api.schema import ApiSchema
from gis.core.partners import PartnerKey, PartnerKeyUse, authenticate_key
from layers import partner_intake

RATE_WINDOW = timedelta(hours=1)


class GeoJSONParser(JSONParser):
    """JSON sent as `application/geo+json` (RFC 7946), the same as `application/json`."""

    media_type = "application/geo+json"


class PartnerKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer trygg_…`: the live partner key becomes `request.auth`."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        try:
            plain = parts[1].decode("ascii") if len(parts) == 2 else ""
        except UnicodeDecodeError:
            plain = ""
        key = authenticate_key(plain)
        if key is None:
            raise exceptions.AuthenticationFailed(
                _("The API key is wrong, revoked or expired."), "invalid_key"
            )
        return AnonymousUser(), key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="trygg"'


class PartnerKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """The key in the OpenAPI schema: HTTP bearer authentication."""

    target_class = PartnerKeyAuthentication
    name = "partnerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner API key (trygg_…), made with `trygg partners create`.",
        }


class IncidentsScope(BasePermission):
    """A partner key that may send incidents: none is 401, another scope 403."""

    message = _("This API key may not send incidents.")

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, PartnerKey):
            raise exceptions.NotAuthenticated(_("An API key is required: Authorization: Bearer …"))
        return request.auth.allows(PartnerKey.Scope.INCIDENTS)


def check_rate(key: PartnerKey) -> None:
    """TooManyRequests when the key's uses of the last hour reached its `rate_per_hour`."""
    since = timezone.now() - RATE_WINDOW
    uses = key.uses.filter(used_at__gte=since).exclude(status=status.HTTP_429_TOO_MANY_REQUESTS)
    if uses.count() < key.rate_per_hour:
        return
    oldest = uses.order_by("used_at").values_list("used_at", flat=True)[
        max(0, uses.count() - key.rate_per_hour)
    ]
    raise exceptions.Throttled(
        wait=max(1, math.ceil((oldest - since).total_seconds())),
        detail=_("This API key has used up its %(n)d requests per hour.")
        % {"n": key.rate_per_hour},
    )


def log_use(key: PartnerKey, request, status_code: int, summary: dict) -> None:
    """Log one request made with `key` (never its body) and mark the key as used now."""
    PartnerKeyUse.objects.create(
        key=key,
        method=request.method[:8],
        path=request.path[:200],
        status=status_code,
        summary=summary,
    )
    PartnerKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())


# --- documentation of the body and the answer ---------------------------------------------


class PartnerIncidentProperties(textguard.Serializer):
    external_id = serializers.CharField(
        max_length=partner_intake.MAX_EXTERNAL_ID,
        help_text="The partner's own id; sending it again updates the incident.",
    )
    type = serializers.CharField(
        help_text="vandalism, graffiti, glass, fire, gathering, illegal_driving or other "
        "(or the Swedish name: Skadegörelse, Klotter, …)."
    )
    occurred_at = serializers.DateTimeField(
        help_text="ISO 8601; without an offset it is the installation's local time."
    )
    occurred_to = serializers.DateTimeField(
        required=False, allow_null=True, help_text="The end of a span, no earlier than the start."
    )
    description = serializers.CharField(
        required=False, max_length=partner_intake.MAX_DESCRIPTION, allow_blank=True
    )
    severity = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    young_people_met = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class PartnerIncidentPoint(textguard.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, help_text="[lon, lat], WGS 84"
    )


class PartnerIncidentFeature(textguard.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    geometry = PartnerIncidentPoint()
    properties = PartnerIncidentProperties()


class PartnerIncidentBody(textguard.Serializer):
    """A FeatureCollection of up to 1,000 features (or one Feature alone)."""

    type = serializers.ChoiceField(choices=["FeatureCollection", "Feature"])
    features = PartnerIncidentFeature(many=True, required=False)


class PartnerRejection(textguard.Serializer):
    index = serializers.IntegerField(help_text="The feature's position, from 0.")
    reason = serializers.CharField()


class PartnerIncidentAnswer(textguard.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = PartnerRejection(many=True)


EXAMPLE_BODY = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [18.0686, 59.3293]},
            "properties": {
                "external_id": "2026-4711",
                "type": "vandalism",
                "occurred_at": "2026-11-22T22:40:00+01:00",
                "occurred_to": "2026-11-22T23:10:00+01:00",
                "description": "Krossad busskur",
                "severity": 3,
                "young_people_met": 4,
            },
        }
    ],
}


class PartnerIncidents(APIView):
    """Incidents from a partner's system, by API key."""

    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [IncidentsScope]
    throttle_classes: list = []
    parser_classes = [JSONParser, GeoJSONParser]
    schema = ApiSchema()

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        cap = int(conf.setting("TRYGG_PARTNER_BODY_MAX_BYTES"))
        if length > cap:
            raise limits.RequestTooLarge(limits.too_large_message(cap))
        super().initial(request, *args, **kwargs)
        check_rate(request.auth)

    @extend_schema(
        operation_id="partners_v1_incidents_create",
        summary="Send incidents (partner API key)",
        request={
            "application/geo+json": PartnerIncidentBody,
            "application/json": PartnerIncidentBody,
        },
        responses={
            200: PartnerIncidentAnswer,
            401: OpenApiResponse(description="The key is missing, wrong, revoked or expired."),
            403: OpenApiResponse(description="The key may not send incidents."),
            413: OpenApiResponse(description="The body is larger than 4 MB."),
            429: OpenApiResponse(description="The key's requests per hour are used up."),
        },
        examples=[
            OpenApiExample("One incident", value=EXAMPLE_BODY, request_only=True),
            OpenApiExample(
                "The answer",
                value={
                    "created": 1,
                    "updated": 0,
                    "rejected": [
                        {
                            "index": 1,
                            "reason": "geometry: The location lies outside the municipality.",
                        }
                    ],
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request):
        try:
            features = partner_intake.features_of(limits.parsed_data(request))
        except partner_intake.BodyError as error:
            raise exceptions.ValidationError({error.field: [str(error)]}) from None
        outcome = partner_intake.take_in(request.auth.partner, features)
        self.outcome = outcome
        return Response(outcome.answer())

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(request, "_auth", None)
        if isinstance(key, PartnerKey):
            outcome = getattr(self, "outcome", None)
            log_use(key, request, response.status_code, outcome.summary() if outcome else {})
        return response
