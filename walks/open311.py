"""Open311 GeoReport v2 on resident pins, in JSON and XML.

    GET  /open311/v2/services.{json|xml}               the categories as services
    GET  /open311/v2/requests.{json|xml}               pins (service_request_id, service_code,
                                                       start_date, end_date, status filters)
    POST /open311/v2/requests.{json|xml}               report a pin (lat, long, service_code,
                                                       description, email, first_name, ...)
    GET  /open311/v2/requests/{id}.{json|xml}          one pin
    GET  /open311/v2/tokens/{token}.{json|xml}         the request id behind a POST's token

Status is "open" or "closed" (`ResidentPin.open311_status`); `status_notes` is the
municipality's public answer. Contact details given with a POST (email, names, phone) are
stored privately in PinContact and never returned. `api_key` is accepted; one that is a
partner's API key with the `requests` scope files the report as that partner's
(gis.core.partners; a wrong one is 403), any other is ignored. One installation serves many
municipalities, and `jurisdiction_id` names one by its code: the request lists and a request
by id then hold only its requests, a POST must lie inside it, and an unknown jurisdiction is
404 (GeoReport v2); without it every municipality is served. `media_url` is not fetched.
A POST answers the new request's `service_request_id` (created at once, so no `token`; the
notice holds the address to follow it); an unknown `service_code` is 404.
Errors are Open311 error lists ({code, description}) in the route's format, with HTTP 400, 404,
405, 413, 415 or 429 (503 while the database is down is the middleware's JSON). Each format is
a route of its own (walks.urls_api), so the OpenAPI schema documents one media type per path
(walks.open311_schema).
The public reads (services, requests, one request) are ``Cache-Control: public`` for
`PUBLIC_MAX_AGE` seconds with an ETag (304 to a matching If-None-Match), so a CDN may serve them;
errors, POSTs and tokens are not.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core import textguard, timeofday
from gis.core.api.conditional import revalidate
from gis.core.api.fields import WGS84, CodeField, to_storage, to_wgs84
from gis.core.api.params import check_no_nul
from gis.core.datebounds import BOUND_YEARS, out_of_bounds
from gis.core.idparse import is_ascii_digits, is_ascii_id
from gis.core.models import Municipality
from gis.core.partners import KEY_PREFIX, PartnerKey, authenticate_key
from gis.core.throttles import WriteThrottledMixin, read_throttles, throttles_for
from gis.core.vocabulary import Department
from layers.partner_api import check_rate, log_use
from walks.models import Category, PinPhoto, ResidentPin
from walks.open311_schema import (
    Open311CreatedRequest,
    Open311Schema,
    Open311Service,
    Open311ServiceRequest,
    Open311Token,
)
from walks.views.common import PublicEndpoint, create_once
from walks.views.pins import create_pin, municipality_at

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
#: Seconds a browser or a shared cache (a CDN) may reuse a public GET answer (the services, the
#: requests, one request) before revalidating it by its ETag.
PUBLIC_MAX_AGE = 60


class Open311JSONRenderer(JSONRenderer):
    format = "json"


class Open311XMLRenderer(BaseRenderer):
    """GeoReport v2 XML: a root element holding one element per item, values as text."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        root_name, item_name = getattr(response, "open311_xml", ("errors", "error"))
        root = ElementTree.Element(root_name)
        for item in data or []:
            element = ElementTree.SubElement(root, item_name)
            for key, value in item.items():
                child = ElementTree.SubElement(element, key)
                if isinstance(value, bool):
                    child.text = "true" if value else "false"
                elif value is not None:
                    # Rows stored before input refused control characters may hold some:
                    # dropped here, so the feed stays well-formed XML whatever is stored.
                    child.text = textguard.xml_text(str(value))
        body = ElementTree.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


#: The renderer of each format suffix; each route serves one format.
RENDERERS = {"json": Open311JSONRenderer, "xml": Open311XMLRenderer}


class FormatSuffixNegotiation(DefaultContentNegotiation):
    """The URL's format suffix decides the format, whatever the Accept header asks for."""

    def select_renderer(self, request, renderers, format_suffix=None):
        for renderer in renderers:
            if renderer.format == format_suffix:
                return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)


def _w3c(moment) -> str | None:
    """A W3C datetime with the offset, e.g. 2026-11-22T18:30:00+01:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _error_list(status_code: int, detail) -> list[dict]:
    if isinstance(detail, dict):
        return [
            {"code": status_code, "description": f"{field}: {' '.join(map(str, messages))}"}
            for field, messages in detail.items()
            for messages in [messages if isinstance(messages, list) else [messages]]
        ]
    if isinstance(detail, list):
        return [{"code": status_code, "description": str(item)} for item in detail]
    return [{"code": status_code, "description": str(detail)}]


def error_answer(path: str, status_code: int, message: str) -> HttpResponse:
    """An Open311 error list answered outside the views (an address no route serves), in the
    format of the path's suffix: XML for .xml, JSON otherwise."""
    renderer = RENDERERS["xml" if path.endswith(".xml") else "json"]()
    body = renderer.render(_error_list(status_code, message))
    content_type = renderer.media_type + (
        f"; charset={renderer.charset}" if renderer.charset else ""
    )
    return HttpResponse(body, status=status_code, content_type=content_type)


class Open311View(PublicEndpoint, APIView):
    """Common ground: JSON/XML by the URL's format suffix and errors in Open311's format."""

    renderer_classes = list(RENDERERS.values())
    metadata_class = None  # GeoReport v2 has no OPTIONS: 405
    content_negotiation_class = FormatSuffixNegotiation
    schema = Open311Schema()
    xml_names = ("errors", "error")

    #: Whether a successful GET is public: ``Cache-Control: public`` with an ETag, 304 to a
    #: matching If-None-Match (:func:`gis.core.api.conditional.revalidate`). The labels follow
    #: the client's language (its cookie or Accept-Language), hence ``Vary``.
    public_get = False

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code < 400 and not hasattr(response, "open311_xml"):
            response.open311_xml = self.xml_names
        if self.public_get:
            vary = ("Accept-Language", "Cookie")
            response = revalidate(request, response, max_age=PUBLIC_MAX_AGE, vary=vary)
        return response

    def handle_exception(self, exc):
        if isinstance(exc, Http404):
            exc = exceptions.NotFound(_("Not found."))
        response = super().handle_exception(exc)
        if isinstance(exc, exceptions.APIException):
            response.data = _error_list(response.status_code, exc.detail)
        response.open311_xml = ("errors", "error")
        return response


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": category.code.replace("_", ", "),
        "group": str(Department(category.owner).label),
    }


def _request(pin: ResidentPin, request) -> dict:
    point = to_wgs84(pin.geom)
    photos = list(pin.photos.all()) if pin.published else []
    return {
        "service_request_id": str(pin.pk),
        "status": pin.open311_status,
        "status_notes": pin.public_answer or None,
        "service_name": pin.category.name,
        "service_code": pin.category.code,
        "description": pin.description if pin.published else None,
        "agency_responsible": str(Department(pin.routed_department).label),
        "service_notice": None,
        "requested_datetime": _w3c(pin.reported_at),
        "updated_datetime": _w3c(pin.updated_at),
        "expected_datetime": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": round(point.y, 7),
        "long": round(point.x, 7),
        "media_url": request.build_absolute_uri(photos[0].image.url) if photos else None,
    }


JURISDICTION = OpenApiParameter(
    "jurisdiction_id",
    OpenApiTypes.STR,
    description="A municipality's code: only its requests; 404 for an unknown one. "
    "Without it, every municipality's.",
)

UNKNOWN_JURISDICTION = OpenApiResponse(description="No jurisdiction with this jurisdiction_id.")


def _pins(municipality: Municipality | None = None):
    """The requests with what an answer shows, of `municipality` (its `jurisdiction_id`) or,
    when None, of the whole installation."""
    pins = ResidentPin.objects.select_related("category").prefetch_related(
        Prefetch("photos", queryset=PinPhoto.objects.order_by("id"))
    )
    return pins if municipality is None else pins.filter(municipality=municipality)


def jurisdiction(value: str | None) -> Municipality | None:
    """The municipality a GeoReport v2 `jurisdiction_id` names (its code), or None when none
    is given (the whole installation). An unknown jurisdiction is 404, as the specification
    says ("jurisdiction_id provided was not found")."""
    code = (value or "").strip()
    if not code:
        return None
    check_no_nul("jurisdiction_id", [code])
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise exceptions.NotFound(_("jurisdiction_id: no jurisdiction with this id."))
    return municipality


class Services(Open311View):
    """GET services: each category is a service (no extra attributes: metadata false)."""

    xml_names = ("services", "service")
    public_get = True

    @extend_schema(
        parameters=[JURISDICTION],
        responses={200: Open311Service(many=True), 404: UNKNOWN_JURISDICTION},
    )
    def get(self, request, format=None):
        jurisdiction(request.query_params.get("jurisdiction_id"))  # every one has every service
        return Response([_service(category) for category in Category.objects.all()])


class Open311RequestInput(textguard.Serializer):
    """The parameters of a GeoReport v2 POST that Trygg uses."""

    service_code = CodeField(slug_field="code", queryset=Category.objects.all())
    lat = serializers.FloatField(min_value=-90, max_value=90)
    long = serializers.FloatField(min_value=-180, max_value=180)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.RegexField(r"^\+?[0-9 ()-]{5,31}$", required=False, allow_blank=True)
    device_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    account_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    media_url = serializers.URLField(required=False, allow_blank=True)
    api_key = serializers.CharField(max_length=200, required=False, allow_blank=True)
    jurisdiction_id = serializers.CharField(max_length=200, required=False, allow_blank=True)


def when_unsafe_at(moment: datetime | None = None) -> str:
    """Open311 has no "when": a report is about the time of day it is sent in.

    The period of `moment` (aware; default now) on the local clock of ``settings.TIME_ZONE``,
    by :mod:`gis.core.timeofday`.
    """
    return timeofday.period_of(timezone.now() if moment is None else moment, settings.TIME_ZONE)


def _since(value: str | None, field: str):
    if not value:
        return None
    try:
        moment = parse_datetime(value.strip().replace(" ", "+"))
    except ValueError:  # well formed but not a date, such as month 13
        moment = None
    if moment is None:
        raise serializers.ValidationError(
            {field: [_("Expected a W3C datetime such as 2026-11-22T18:30:00+01:00.")]}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        moment = moment.astimezone(UTC)  # PostgreSQL refuses offsets beyond ±15:59
    except OverflowError:
        moment = None
    if moment is None or out_of_bounds(moment) is not None:
        raise serializers.ValidationError(
            {field: [_("The date lies outside the years %(first)d to %(last)d.") % BOUND_YEARS]}
        )
    return moment


REQUEST_FILTERS = [
    OpenApiParameter(
        "service_request_id",
        OpenApiTypes.STR,
        description="Comma-separated ids; when given, the other filters are ignored.",
    ),
    OpenApiParameter("service_code", OpenApiTypes.STR, description="Comma-separated codes."),
    OpenApiParameter(
        "start_date",
        OpenApiTypes.DATETIME,
        description=f"Requested at or after (W3C); default {DEFAULT_DAYS} days ago.",
    ),
    OpenApiParameter("end_date", OpenApiTypes.DATETIME, description="Requested at or before."),
    OpenApiParameter("status", OpenApiTypes.STR, description="open, closed or open,closed."),
    JURISDICTION,
]


class Requests(WriteThrottledMixin, Open311View):
    """GET service requests with filters, or POST a new one (stored as a resident pin)."""

    xml_names = ("service_requests", "request")
    throttle_classes = throttles_for("open311")
    public_get = True
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        parameters=REQUEST_FILTERS,
        responses={200: Open311ServiceRequest(many=True), 404: UNKNOWN_JURISDICTION},
    )
    def get(self, request, format=None):
        params = request.query_params
        pins = _pins(jurisdiction(params.get("jurisdiction_id")))
        ids = params.get("service_request_id")
        if ids:
            parts = [part.strip() for part in ids.split(",") if part.strip()]
            if not all(is_ascii_digits(part) for part in parts):  # not "²", "١٢", "+1"
                raise serializers.ValidationError(
                    {"service_request_id": [_("Expected comma-separated numbers.")]}
                )
            # An id beyond the database's integers names no request: it matches nothing.
            pins = pins.filter(pk__in=[int(part) for part in parts if is_ascii_id(part)])
        else:
            start = _since(params.get("start_date"), "start_date")
            end = _since(params.get("end_date"), "end_date")
            if start is None and end is None:
                start = timezone.now() - timedelta(days=DEFAULT_DAYS)
            if start is not None:
                pins = pins.filter(reported_at__gte=start)
            if end is not None:
                pins = pins.filter(reported_at__lte=end)
            codes = [c for c in params.get("service_code", "").split(",") if c.strip()]
            check_no_nul("service_code", codes)
            if codes:
                known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
                unknown = sorted(set(codes) - known)
                if unknown:
                    raise serializers.ValidationError(
                        {"service_code": [_("Unknown service code: %s.") % ", ".join(unknown)]}
                    )
                pins = pins.filter(category__code__in=codes)
            statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
            if statuses - {"open", "closed"}:
                raise serializers.ValidationError({"status": [_("Expected open, closed or both.")]})
            if statuses == {"open"}:
                pins = pins.exclude(status__in=ResidentPin.OPEN311_CLOSED)
            elif statuses == {"closed"}:
                pins = pins.filter(status__in=ResidentPin.OPEN311_CLOSED)
        pins = pins.order_by("-reported_at")[:MAX_REQUESTS]
        return Response([_request(pin, request) for pin in pins])

    @extend_schema(
        request=Open311RequestInput,
        responses={
            201: Open311CreatedRequest(many=True),
            403: OpenApiResponse(
                description="The api_key is a wrong, revoked or expired "
                "partner key, or one that may not send requests."
            ),
            404: OpenApiResponse(
                description="No service with this service_code, or no jurisdiction with this "
                "jurisdiction_id."
            ),
        },
    )
    def post(self, request, format=None):
        data = Open311RequestInput(data=request.data)
        if not data.is_valid():
            _unknown_service(data.errors)
            raise exceptions.ValidationError(data.errors)
        values = data.validated_data
        key = self._partner_key(values.get("api_key", ""))
        geom = to_storage(Point(values["long"], values["lat"], srid=WGS84))
        municipality = municipality_at(geom, field="lat")
        named = jurisdiction(values.get("jurisdiction_id"))
        if named is not None and named.pk != municipality.pk:
            raise serializers.ValidationError(
                {"jurisdiction_id": [_("The location lies outside this jurisdiction.")]}
            )
        if key is not None and key.partner.municipality_id != municipality.pk:
            raise serializers.ValidationError(
                {"lat": [_("The location lies outside the partner's municipality.")]}
            )
        name = " ".join(
            part for part in (values.get("first_name"), values.get("last_name")) if part
        )
        pin_values = {
            "category": values["service_code"],
            "when": when_unsafe_at(),
            "description": values.get("description", ""),
            "client_uuid": uuid.uuid4(),
            "published": True,
        }
        contact = {
            "name": name[:100],
            "email": values.get("email", ""),
            "phone": values.get("phone", ""),
        }

        def create():
            pin = create_pin(pin_values, geom, municipality, None, contact=contact)
            if key is not None:
                ResidentPin.objects.filter(pk=pin.pk).update(partner=key.partner)
            return pin

        pin, _created = create_once(ResidentPin, pin_values["client_uuid"], create)
        if key is not None:
            self.partner_summary = {"created": 1, "service_request_id": pin.pk}
        # Created at once, so the id and not a token (GeoReport v2 gives one or the other);
        # the notice carries the resident's address to follow the report.
        return Response(
            [
                {
                    "service_request_id": str(pin.pk),
                    "service_notice": _("Thank you. Follow the report at %(url)s")
                    % {"url": request.build_absolute_uri(_tracking_path(pin))},
                    "account_id": None,
                }
            ],
            status=201,
        )

    def _partner_key(self, value: str) -> PartnerKey | None:
        """The partner key an `api_key` is, or None for any other value (accepted and ignored,
        as before partners). A partner key that is wrong, revoked, expired or not for requests
        is 403 (GeoReport v2: "api_key was not provided or invalid"); beyond its rate 429."""
        if not value.startswith(KEY_PREFIX):
            return None
        key = authenticate_key(value)
        if key is None:
            raise exceptions.PermissionDenied(_("api_key: the key is wrong, revoked or expired."))
        self.partner_key_used = key
        if not key.allows(PartnerKey.Scope.REQUESTS):
            raise exceptions.PermissionDenied(_("api_key: this key may not send requests."))
        check_rate(key)
        return key

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "partner_key_used", None)
        if key is not None:
            log_use(key, request, response.status_code, getattr(self, "partner_summary", {}))
        return response


def _unknown_service(errors: dict) -> None:
    """GeoReport v2 answers a service_code that names no service with 404."""
    for error in errors.get("service_code", []):
        if getattr(error, "code", None) == "does_not_exist":
            raise exceptions.NotFound(f"service_code: {error}")


def _tracking_path(pin: ResidentPin) -> str:
    return reverse("walks:track", args=[pin.tracking_token])


class RequestDetail(Open311View):
    """GET one service request by its id."""

    xml_names = ("service_requests", "request")
    public_get = True

    @extend_schema(
        parameters=[
            OpenApiParameter("request_id", OpenApiTypes.STR, OpenApiParameter.PATH),
            JURISDICTION,
        ],
        responses={200: Open311ServiceRequest(many=True)},
    )
    def get(self, request, request_id: str, format=None):
        municipality = jurisdiction(request.query_params.get("jurisdiction_id"))
        if not is_ascii_id(request_id):  # "²".isdigit() is true, int("²") fails
            raise exceptions.NotFound(_("No service request with this id."))
        pin = _pins(municipality).filter(pk=int(request_id)).first()
        if pin is None:
            raise exceptions.NotFound(_("No service request with this id."))
        return Response([_request(pin, request)])


class TokenDetail(Open311View):
    """GET the service request id behind a token returned by a POST."""

    throttle_classes = read_throttles("track")
    xml_names = ("service_requests", "request")

    @extend_schema(
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: Open311Token(many=True)},
    )
    def get(self, request, token: str, format=None):
        pin = ResidentPin.objects.filter(tracking_token=token).only("pk").first()
        if pin is None:
            raise exceptions.NotFound(_("No service request with this token."))
        return Response([{"service_request_id": str(pin.pk), "token": token}])
