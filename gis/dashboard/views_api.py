"""The dashboard's data endpoints: vector tiles, counts, heat map, hot spots, small GeoJSON
layers, ranked fixes, feature details with photos, pin triage and fix status changes.

Every endpoint needs a logged-in staff role (see :mod:`gis.dashboard.access`): 401 without a
session, 403 for a role without access. Filter parameters that do not parse answer 400
``{"<parameter>": ["<message>"]}``; unknown objects 404.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core import tenancy, textguard
from gis.core.api.fields import CodeField
from gis.core.api.params import reject_null_path_parts
from gis.core.idparse import is_ascii_id
from gis.core.vocabulary import Department
from gis.dashboard import queries
from gis.dashboard import schemas as doc
from gis.dashboard.access import (
    CanChangeFixes,
    CanTriage,
    CanViewDashboard,
    SessionAuthentication,
    can_change_fix,
    can_see_contacts,
    can_triage,
    user_municipality,
)
from gis.dashboard.filters import FilterError, Filters, parse_filters
from gis.dashboard.tiles import CONTENT_TYPE, LAYERS, check_tile, render_tile
from gis.fixes import explain, workflow
from gis.fixes.models import Fix
from layers.models import Camera, Incident, LuxReading, StreetLamp, StreetSegment, Vegetation
from walks.contact_access import shown_contact
from walks.models import (
    Category,
    ContactAccess,
    FindingPhoto,
    PinPhoto,
    ResidentPin,
    SafetyWalk,
    WalkFinding,
)
from walks.triage import record_status_change


class AnyContent(BaseContentNegotiation):
    """Binary endpoints (tiles, PNG) answer whatever the client accepts; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DashboardView(APIView):
    """Session-authenticated staff endpoint; `?lang=sv|en` picks the language of labels."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [CanViewDashboard]
    schema = doc.DashboardSchema()

    def dispatch(self, request, *args, **kwargs):
        lang = request.GET.get("lang", "")
        if lang in dict(settings.LANGUAGES):
            with translation.override(lang):
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        reject_null_path_parts(kwargs)

    def filters(self, request, **kwargs) -> Filters:
        """The request's filters; a parameter that does not parse becomes a 400."""
        try:
            municipality = user_municipality(request.query_params, request.user)
            return parse_filters(request.query_params, municipality=municipality, **kwargs)
        except FilterError as error:
            raise ValidationError({error.param: [error.message]}) from None


@extend_schema(
    parameters=[
        OpenApiParameter("layer", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(LAYERS)),
        *doc.FILTER_PARAMETERS,
    ],
    responses={
        (200, CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The tile."),
        304: OpenApiResponse(description="Unchanged since the ETag sent in If-None-Match."),
        400: OpenApiResponse(description="A filter or z, x, y is out of range."),
    },
)
class TileView(DashboardView):
    """GET a Mapbox vector tile of one layer, filtered like the rest of the dashboard.

    A tile is private to the logged-in user: the browser may reuse it for `max_age` seconds,
    then revalidates it by its ETag (a digest of its bytes) and gets 304 when it is unchanged.
    """

    content_negotiation_class = AnyContent
    max_age = 60

    def get(self, request, layer: str, z: int, x: int, y: int):
        if layer not in LAYERS:
            raise Http404(f"no tile layer {layer!r}")
        try:
            check_tile(z, x, y)
        except ValueError as error:
            name = str(error).split(" ", 1)[0]
            raise ValidationError({name: [str(error)]}) from None
        tile = render_tile(layer, z, x, y, self.filters(request))
        etag = f'"{hashlib.blake2b(tile, digest_size=16).hexdigest()}"'
        response = get_conditional_response(request, etag=etag) or HttpResponse(
            tile, content_type=CONTENT_TYPE
        )
        response["ETag"] = etag
        response["Cache-Control"] = f"private, max-age={self.max_age}"
        return response


class CountsView(DashboardView):
    """GET counts of the filtered reports by source, category, time of day and status."""

    @extend_schema(parameters=doc.FILTER_PARAMETERS, responses=doc.Counts)
    def get(self, request):
        return Response(queries.counts(self.filters(request)))


class HeatmapView(DashboardView):
    """GET the heat map's image URL, WGS 84 bounds and legend for the filters."""

    @extend_schema(parameters=doc.FILTER_PARAMETERS, responses=doc.Heatmap)
    def get(self, request):
        filters = self.filters(request)
        heat = queries.heatmap(filters)
        if heat.overlay is None:
            return Response({"empty": True, "version": heat.version})
        west, south, east, north = heat.overlay.bounds
        query = request.GET.copy()
        query["v"] = heat.version
        return Response(
            {
                "empty": False,
                "version": heat.version,
                "url": f"{reverse('dashboard-api:heatmap-png')}?{query.urlencode()}",
                "coordinates": [[west, north], [east, north], [east, south], [west, south]],
                "bounds": [west, south, east, north],
                "legend": [
                    {"value": round(value, 1), "colour": colour}
                    for value, colour in heat.overlay.legend
                ],
                "units": "reports/km²",
                "params": heat.overlay.params,
            }
        )


class HeatmapPngView(DashboardView):
    """GET the heat-map PNG itself (cached per filters and data version)."""

    content_negotiation_class = AnyContent

    @extend_schema(
        parameters=doc.FILTER_PARAMETERS,
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The heat map."),
            404: OpenApiResponse(description="No report passes the filters."),
        },
    )
    def get(self, request):
        heat = queries.heatmap(self.filters(request))
        if heat.overlay is None:
            raise Http404("no report passes the filters")
        response = HttpResponse(heat.overlay.png, content_type="image/png")
        # The URL carries the data version, so the browser may keep the image.
        response["Cache-Control"] = "private, max-age=3600"
        return response


class HotspotsView(DashboardView):
    """GET Gi* hot and cold spot cells: live for the filters, or `?run=latest` stored cells."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "run",
                OpenApiTypes.STR,
                enum=["latest"],
                description="The latest stored run instead of live cells.",
            ),
            *doc.FILTER_PARAMETERS,
        ],
        responses={
            200: doc.Hotspots,
            404: OpenApiResponse(description="`run=latest` and no run is stored."),
        },
    )
    def get(self, request):
        if request.query_params.get("run") == "latest":
            try:
                municipality = user_municipality(request.query_params, request.user)
            except FilterError as error:
                raise ValidationError({error.param: [error.message]}) from None
            stored = queries.stored_hotspots(municipality.pk)
            if stored is None:
                raise Http404("no stored hot-spot run")
            return Response(stored)
        data, _cached = queries.hotspots(self.filters(request))
        return Response(data)


class DistrictsView(DashboardView):
    """GET the municipality's district boundaries (GeoJSON, WGS 84)."""

    @extend_schema(parameters=doc.FILTER_PARAMETERS, responses=doc.Districts)
    def get(self, request):
        return Response(queries.districts(self.filters(request).municipality_id))


class RoutesView(DashboardView):
    """GET safety-walk routes in the period and district (GeoJSON, WGS 84)."""

    @extend_schema(parameters=doc.FILTER_PARAMETERS, responses=doc.Routes)
    def get(self, request):
        return Response(queries.routes(self.filters(request)))


def _geometry(geom) -> dict:
    return json.loads(geom.transform(4326, clone=True).geojson)


def _bbox(geom) -> list[float]:
    xmin, ymin, xmax, ymax = geom.transform(4326, clone=True).extent
    return [round(v, 6) for v in (xmin, ymin, xmax, ymax)]


def fix_data(fix: Fix, user, *, full: bool = False) -> dict:
    """One fix for the dashboard: rank, type, department, status, why, and where (WGS 84)."""
    point = fix.geom.point_on_surface.transform(4326, clone=True)
    evidence = explain.evidence_lines(fix)
    data = {
        "id": fix.pk,
        "rank": fix.rank,
        "headline": explain.headline(fix),
        "why": evidence[0] if evidence else "",
        "fix_type": fix.fix_type,
        "label": fix.get_fix_type_display(),
        "department": fix.department,
        "department_label": fix.get_department_display(),
        "status": fix.status,
        "status_label": fix.get_status_display(),
        "score": fix.score,
        "cost_class": fix.cost_class,
        "explanation": fix.explanation,
        "done_at": fix.done_at.isoformat() if fix.done_at else None,
        "center": [round(point.x, 6), round(point.y, 6)],
        "bbox": _bbox(fix.geom),
        "can_change": can_change_fix(user, fix),
        "next_statuses": list(workflow.next_statuses(fix)),
    }
    if full:
        try:
            page = reverse("fixes:detail", kwargs={"pk": fix.pk})
        except NoReverseMatch:
            page = ""
        data.update(
            evidence=evidence,
            page=page,
            reasons=fix.reasons,
            answer=fix.answer,
            pins=fix.pins.count(),
            history=[
                {
                    "from": change.from_status,
                    "to": change.to_status,
                    "by": change.changed_by.get_username() if change.changed_by else "",
                    "at": change.changed_at.isoformat(),
                    "note": change.note,
                }
                for change in fix.history.select_related("changed_by")
            ],
        )
    return data


class FixesView(DashboardView):
    """GET the ranked fixes (GeoJSON, best first); `department`, `fix_status`, `limit`."""

    @extend_schema(
        operation_id="dashboard_fixes_list",
        parameters=[*doc.FILTER_PARAMETERS, *doc.FIX_LIST_PARAMETERS],
        responses=doc.Fixes,
    )
    def get(self, request):
        filters = self.filters(request)
        department = request.query_params.get("department", "")
        if department and department not in Department.values:
            raise ValidationError({"department": [f"unknown department {department!r}"]})
        status = request.query_params.get("fix_status", "")
        if status and status not in Fix.Status.values:
            raise ValidationError({"fix_status": [f"unknown fix status {status!r}"]})
        limit_text = request.query_params.get("limit", "100")
        if not is_ascii_id(limit_text) or not 1 <= int(limit_text) <= 1000:
            raise ValidationError({"limit": [f"expected an integer 1 to 1000, got {limit_text!r}"]})
        fixes = queries.fixes(
            filters.municipality_id,
            department=department or None,
            status=status or None,
            district_id=filters.district_id,
        )
        shown = fixes[: int(limit_text)]
        features = [
            {
                "type": "Feature",
                "geometry": _geometry(f.geom),
                "properties": fix_data(f, request.user),
            }
            for f in shown
        ]
        return Response({"type": "FeatureCollection", "features": features, "total": len(fixes)})


class FixStatusSerializer(textguard.Serializer):
    status = serializers.ChoiceField(choices=Fix.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    answer = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    scheduled_for = serializers.DateField(required=False, allow_null=True, default=None)


# The fix workflow names its arguments in its messages; the API names its own fields.
WORKFLOW_FIELDS = {"to_status": "status", "scheduled_for": "scheduled_for", "note": "note"}


class FixDetailView(DashboardView):
    """GET one fix with its reasons and history; POST a status change (who and when kept)."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [CanChangeFixes()]
        return super().get_permissions()

    @extend_schema(responses=doc.FixDetail)
    def get(self, request, pk: int):
        fix = get_object_or_404(tenancy.scope(Fix.objects.all(), request.user), pk=pk)
        return Response(fix_data(fix, request.user, full=True))

    @extend_schema(request=FixStatusSerializer, responses=doc.FixDetail)
    def post(self, request, pk: int):
        fix = get_object_or_404(tenancy.scope(Fix.objects.all(), request.user), pk=pk)
        self.check_object_permissions(request, fix)
        serializer = FixStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            workflow.change_status(
                fix,
                data["status"],
                user=request.user,
                note=data["note"],
                answer=data["answer"],
                scheduled_for=data["scheduled_for"],
            )
        except ValueError as error:
            first = str(error).split(" ", 1)[0]
            raise ValidationError({WORKFLOW_FIELDS.get(first, "status"): [str(error)]}) from None
        fix.refresh_from_db()
        return Response(fix_data(fix, request.user, full=True))


def _photos(kind: str, photos) -> list[dict]:
    out = []
    for photo in photos:
        base = {"kind": kind, "pk": photo.pk}
        out.append(
            {
                "thumbnail": reverse("dashboard-api:photo", kwargs={**base, "size": "thumb"}),
                "image": reverse("dashboard-api:photo", kwargs={**base, "size": "full"}),
            }
        )
    return out


def _lonlat(geom) -> list[float]:
    point = geom.point_on_surface.transform(4326, clone=True)
    return [round(point.x, 6), round(point.y, 6)]


def pin_data(pin: ResidentPin, user, channel: str = ContactAccess.Channel.DASHBOARD) -> dict:
    """A resident pin with its photos, history and linked fixes; contact for the coordinator
    (each showing logged as seen through `channel`)."""
    data = {
        "source": "resident",
        "id": pin.pk,
        "title": str(pin.category),
        "category": pin.category.code,
        "category_name": pin.category.name,
        "when": pin.when,
        "when_label": pin.get_when_display(),
        "status": pin.status,
        "status_label": pin.get_status_display(),
        "description": pin.description,
        "public_answer": pin.public_answer,
        "reported_at": pin.reported_at.isoformat(),
        "votes": pin.vote_count,
        "district": pin.district.name if pin.district else "",
        "photos": _photos("pin", pin.photos.all()),
        "fixes": [{"id": f.pk, "rank": f.rank, "label": str(f)} for f in pin.fixes.all()],
        "history": [
            {
                "from": change.from_status,
                "to": change.to_status,
                "by": change.changed_by.get_username() if change.changed_by else "",
                "at": change.changed_at.isoformat(),
                "note": change.note,
            }
            for change in pin.history.select_related("changed_by")
        ],
        "lonlat": _lonlat(pin.geom),
        "can_triage": can_triage(user),
    }
    if can_see_contacts(user):
        contact = shown_contact(user, pin, channel)
        data["contact"] = (
            {"name": contact.name, "email": contact.email, "phone": contact.phone}
            if contact
            else None
        )
    return data


def _finding(finding: WalkFinding, user) -> dict:
    return {
        "source": "walk",
        "id": finding.pk,
        "title": str(finding.category),
        "category": finding.category.code,
        "category_name": finding.category.name,
        "severity": finding.severity,
        "when": finding.when,
        "when_label": finding.get_when_display(),
        "note": finding.note,
        "author_role": finding.get_author_role_display(),
        "observed_at": finding.observed_at.isoformat(),
        "walk": {
            "id": finding.walk_id,
            "title": finding.walk.title,
            "date": finding.walk.starts_at.date().isoformat(),
        },
        "photos": _photos("finding", finding.photos.all()),
        "lonlat": _lonlat(finding.geom),
    }


def _incident(incident: Incident, user) -> dict:
    from gis.dashboard.filters import INCIDENT_CATEGORY

    category = Category.objects.filter(code=INCIDENT_CATEGORY.get(incident.type)).first()
    return {
        "source": "incident",
        "id": incident.pk,
        "title": incident.get_type_display(),
        "type": incident.type,
        "category": category.code if category else "other",
        "category_name": category.name if category else "",
        "reported_by": incident.get_reported_by_display(),
        "occurred_at": incident.occurred_at.isoformat(),
        "description": incident.description,
        "lonlat": _lonlat(incident.geom),
    }


def _lamp(lamp: StreetLamp, user) -> dict:
    checked = lamp.status_checked_at
    return {
        "source": "lamp",
        "id": lamp.pk,
        "title": str(lamp),
        "status": lamp.status,
        "status_label": lamp.get_status_display(),
        "status_checked_at": checked.isoformat() if checked else None,
        "lonlat": _lonlat(lamp.geom),
    }


def _lux(reading: LuxReading, user) -> dict:
    return {
        "source": "lux",
        "id": reading.pk,
        "title": str(reading),
        "lux": reading.lux,
        "measured_at": reading.measured_at.isoformat(),
        "measured_by": reading.measured_by,
        "lonlat": _lonlat(reading.geom),
    }


def _camera(camera: Camera, user) -> dict:
    return {
        "source": "camera",
        "id": camera.pk,
        "title": str(camera),
        "operator": camera.operator,
        "permit": camera.get_permit_status_display(),
        "direction_deg": camera.direction_deg,
        "fov_deg": camera.fov_deg,
        "range_m": camera.range_m,
        "lonlat": _lonlat(camera.geom),
    }


def _vegetation(plant: Vegetation, user) -> dict:
    return {
        "source": "vegetation",
        "id": plant.pk,
        "title": plant.get_kind_display(),
        "kind": plant.kind,
        "height_m": plant.height_m,
        "blocks_sightline": plant.blocks_sightline,
        "lonlat": _lonlat(plant.geom),
    }


def _street(segment: StreetSegment, user) -> dict:
    return {
        "source": "street",
        "id": segment.pk,
        "title": str(segment),
        "highway": segment.highway,
        "lit": segment.lit,
        "lit_label": segment.get_lit_display(),
        "length_m": round(segment.length_m, 1),
        "lonlat": _lonlat(segment.geom),
    }


def _route(walk: SafetyWalk, user) -> dict:
    return {
        "source": "route",
        "id": walk.pk,
        "title": walk.title,
        "date": walk.starts_at.date().isoformat(),
        "time_of_day": walk.get_time_of_day_display(),
        "status_label": walk.get_status_display(),
        "district": walk.district.name if walk.district else "",
        "findings": walk.findings.count(),
        "lonlat": _lonlat(walk.route) if walk.route else None,
    }


# Each kind of feature on the map: the rows it is read from and how its details are built.
FEATURES = {
    "resident": (ResidentPin.objects.select_related("category", "district"), pin_data),
    "walk": (WalkFinding.objects.select_related("category", "walk"), _finding),
    "incident": (Incident.objects.all(), _incident),
    "lamp": (StreetLamp.objects.all(), _lamp),
    "lux": (LuxReading.objects.all(), _lux),
    "camera": (Camera.objects.all(), _camera),
    "vegetation": (Vegetation.objects.all(), _vegetation),
    "street": (StreetSegment.objects.all(), _street),
    "route": (SafetyWalk.objects.select_related("district"), _route),
}


class FeatureView(DashboardView):
    """GET the details of anything on the map: `source` is a report source or a layer."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "source", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(doc.FEATURE_DETAILS)
            )
        ],
        responses=PolymorphicProxySerializer(
            component_name="FeatureDetail",
            serializers=doc.FEATURE_DETAILS,
            resource_type_field_name="source",
        ),
    )
    def get(self, request, source: str, pk: int):
        if source not in FEATURES:
            raise Http404(f"no feature kind {source!r}")
        rows, details = FEATURES[source]
        feature = tenancy.scope(rows, request.user).filter(pk=pk).first()
        if feature is None:
            raise Http404(f"no {source} feature {pk}")
        return Response(details(feature, request.user))


class TriageSerializer(textguard.Serializer):
    status = serializers.ChoiceField(choices=ResidentPin.Status.choices, required=False)
    category = CodeField(slug_field="code", queryset=Category.objects.all(), required=False)
    fix = serializers.IntegerField(required=False, allow_null=True)
    public_answer = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class TriageView(DashboardView):
    """POST the coordinator's triage of a pin: status, category, linked fix, public answer.

    A status change is recorded with `walks.triage.record_status_change`; other changes are
    recorded the same way with the status unchanged and a note saying what changed.
    """

    permission_classes = [CanTriage]

    @extend_schema(request=TriageSerializer, responses=doc.PinDetail)
    def post(self, request, pk: int):
        serializer = TriageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            pins = tenancy.scope(ResidentPin.objects.select_for_update(), request.user)
            pin = get_object_or_404(pins, pk=pk)
            previous = pin.status
            changes = []
            fix = None
            if "fix" in data and data["fix"] is not None:
                fix = Fix.objects.filter(
                    pk=data["fix"], municipality_id=pin.municipality_id
                ).first()
                if fix is None:
                    raise ValidationError({"fix": [f"unknown fix {data['fix']}"]})
            if "category" in data and data["category"].pk != pin.category_id:
                changes.append(f"category: {pin.category.code} → {data['category'].code}")
                pin.category = data["category"]
            if "public_answer" in data and data["public_answer"] != pin.public_answer:
                changes.append("public answer updated")
                pin.public_answer = data["public_answer"]
            if "status" in data:
                pin.status = data["status"]
            pin.save()
            if "fix" in data:
                linked = set(pin.fixes.values_list("pk", flat=True))
                wanted = {fix.pk} if fix else set()
                if linked != wanted:
                    pin.fixes.set([fix] if fix else [])
                    changes.append(f"fix: {fix}" if fix else "fix link removed")
            note = "; ".join([*changes, data.get("note", "")]).strip("; ")
            if pin.status != previous or changes or data.get("note"):
                record_status_change(pin, previous, request.user, note=note)
        pin = ResidentPin.objects.select_related("category", "district").get(pk=pk)
        return Response(pin_data(pin, request.user, ContactAccess.Channel.TRIAGE))


class PhotoView(DashboardView):
    """GET a pin's or finding's photo (thumbnail or full size) for a logged-in staff role."""

    content_negotiation_class = AnyContent

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["pin", "finding"]
            ),
            OpenApiParameter(
                "size", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["thumb", "full"]
            ),
        ],
        responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG")},
    )
    def get(self, request, kind: str, pk: int, size: str):
        owner = {"pin": (PinPhoto, "pin"), "finding": (FindingPhoto, "finding")}.get(kind)
        if owner is None or size not in ("thumb", "full"):
            raise Http404("no such photo")
        model, parent = owner
        photos = tenancy.scope(model.objects.all(), request.user, f"{parent}__municipality")
        photo = get_object_or_404(photos, pk=pk)
        field = photo.thumbnail if size == "thumb" and photo.thumbnail else photo.image
        if not field:
            raise Http404("photo file missing")
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404("photo file missing") from None
        content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
        return FileResponse(handle, content_type=content_type)
