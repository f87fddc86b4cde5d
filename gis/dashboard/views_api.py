"""The dashboard's data endpoints: vector tiles, counts, small GeoJSON layers, ranked fixes,
feature details with photos, pin triage and fix status changes. The heat map and hot spots are
the hotspots app's views (gis.hotspots.views), routed here over the dashboard's filters
(:func:`map_view`).

Every endpoint needs a logged-in staff role (see :mod:`gis.dashboard.access`): 401 without a
session, 403 for a role without access. Input that does not parse answers 400
``{"<field or parameter>": ["<message>"]}``; unknown objects 404. The answers are the
serializers' of gis.dashboard.serializers, gis.fixes.serializers and gis.hotspots.serializers.
"""

from __future__ import annotations

import mimetypes

from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gis.core import tenancy
from gis.core.api.conditional import revalidated
from gis.core.models import Municipality
from gis.dashboard import queries
from gis.dashboard.access import (
    CanChangeFixes,
    CanTriage,
    CanViewDashboard,
    SessionAuthentication,
    user_municipality,
)
from gis.dashboard.filters import (
    PIN_STATUSES,
    SEVERITIES,
    SOURCES,
    TIMES,
    FilterError,
    Filters,
    parse_filters,
    reports_sql,
)
from gis.dashboard.serializers import (
    CameraDetailSerializer,
    CountsSerializer,
    DistrictCollectionSerializer,
    FindingDetailSerializer,
    IncidentDetailSerializer,
    LampDetailSerializer,
    LuxDetailSerializer,
    PinDetailSerializer,
    PropertyCollectionSerializer,
    RouteCollectionSerializer,
    RouteDetailSerializer,
    StreetDetailSerializer,
    TileSerializer,
    TriageSerializer,
    VegetationDetailSerializer,
)
from gis.dashboard.tilecache import cached_tile
from gis.dashboard.tiles import CONTENT_TYPE, LAYERS
from gis.fixes.models import Fix
from gis.fixes.serializers import (
    FixCollectionSerializer,
    FixDetailSerializer,
    FixListQuerySerializer,
    FixStatusSerializer,
)
from gis.hotspots.views import AnyContent, MapView
from layers.models import Camera, Incident, LuxReading, StreetLamp, StreetSegment, Vegetation
from walks.models import (
    ContactAccess,
    FindingPhoto,
    PinPhoto,
    ResidentPin,
    SafetyWalk,
    WalkFinding,
)

#: The filters every map endpoint takes (gis.dashboard.filters); lists are comma-separated or
#: repeated. A value that does not parse answers 400 naming the parameter.
FILTER_PARAMETERS = [
    OpenApiParameter(
        "municipality",
        OpenApiTypes.STR,
        description="Municipality code; default the first of the user's municipalities.",
    ),
    OpenApiParameter(
        "from", OpenApiTypes.STR, description="Start: YYYY-MM-DD (local day) or ISO 8601."
    ),
    OpenApiParameter("to", OpenApiTypes.STR, description="End, inclusive: YYYY-MM-DD or ISO 8601."),
    OpenApiParameter(
        "category",
        {"type": "array", "items": {"type": "string"}},
        description="Category codes.",
    ),
    OpenApiParameter(
        "severity",
        {"type": "array", "items": {"type": "integer", "enum": list(SEVERITIES)}},
        description="Severities (keeps walk findings only).",
    ),
    OpenApiParameter("when", {"type": "array", "items": {"type": "string", "enum": list(TIMES)}}),
    OpenApiParameter(
        "source", {"type": "array", "items": {"type": "string", "enum": list(SOURCES)}}
    ),
    OpenApiParameter(
        "status",
        {"type": "array", "items": {"type": "string", "enum": list(PIN_STATUSES)}},
        description="Resident-pin statuses (keeps pins only).",
    ),
    OpenApiParameter("district", OpenApiTypes.INT, description="District id."),
    OpenApiParameter(
        "partner",
        {"type": "array", "items": {"type": "string"}},
        description="EST partner ids, or none for the municipality's own reports (keeps "
        "incidents and pins, and findings with none).",
    ),
]


class DashboardReports:
    """The reports the dashboard's filters select (gis.dashboard.filters), with the heat map and
    live hot spots over them, cached per filters and data version (gis.dashboard.queries): a
    :class:`gis.hotspots.views.MapReports`."""

    filter_parameters = FILTER_PARAMETERS

    def filters(self, request) -> Filters:
        """The request's filters; a parameter that does not parse is a 400 naming it."""
        try:
            municipality = user_municipality(request.query_params, request.user)
            return parse_filters(request.query_params, municipality=municipality)
        except FilterError as error:
            raise ValidationError({error.param: [error.message]}) from None

    def municipality(self, request) -> Municipality:
        """The municipality the request names among the user's, else the first of them."""
        try:
            return user_municipality(request.query_params, request.user)
        except FilterError as error:
            raise ValidationError({error.param: [error.message]}) from None

    def heatmap(self, filters: Filters) -> queries.Heat:
        return queries.heatmap(filters)

    def hotspots(self, filters: Filters) -> dict:
        data, _cached = queries.hotspots(filters)
        return data

    def selection(self, filters: Filters) -> tuple[str, list]:
        return reports_sql(filters)

    def cell_grid(self, filters: Filters):
        return queries.hotspot_grid(filters.municipality_id)


class DashboardView(MapView):
    """Session-authenticated staff endpoint over the dashboard's filters; `?lang=sv|en` picks
    the language of labels."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [CanViewDashboard]
    reports = DashboardReports()


def map_view(view: type[MapView]):
    """A map view of another app (gis.hotspots.views) as a dashboard endpoint: the dashboard's
    session, roles and filtered reports."""
    return view.as_view(
        reports=DashboardView.reports,
        authentication_classes=DashboardView.authentication_classes,
        permission_classes=DashboardView.permission_classes,
    )


@extend_schema(
    parameters=[
        OpenApiParameter("layer", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(LAYERS)),
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
    Report tiles are kept on the server by the version of the municipality's reports
    (gis.dashboard.tilecache): a change shows at once, an unchanged tile is not made again.
    """

    content_negotiation_class = AnyContent
    filtered = True
    max_age = 60

    def get(self, request, layer: str, z: int, x: int, y: int):
        if layer not in LAYERS:
            raise Http404(f"no tile layer {layer!r}")
        TileSerializer(data={"z": z, "x": x, "y": y}).is_valid(raise_exception=True)
        tile = cached_tile(layer, z, x, y, self.filters(request))
        return revalidated(request, tile, CONTENT_TYPE, max_age=self.max_age, public=False)


class CountsView(DashboardView):
    """GET counts of the filtered reports by source, category, time of day and status."""

    filtered = True

    @extend_schema(responses=CountsSerializer)
    def get(self, request):
        return Response(CountsSerializer(queries.counts(self.filters(request))).data)


class DistrictsView(DashboardView):
    """GET the municipality's district boundaries (GeoJSON, WGS 84)."""

    filtered = True

    @extend_schema(responses=DistrictCollectionSerializer)
    def get(self, request):
        districts = queries.districts(self.filters(request).municipality_id)
        return Response(DistrictCollectionSerializer(districts).data)


class PropertiesView(DashboardView):
    """GET the municipality's properties with the reports routed to each (GeoJSON, WGS 84)."""

    filtered = True

    @extend_schema(responses=PropertyCollectionSerializer)
    def get(self, request):
        found = queries.properties(self.filters(request).municipality_id)
        return Response(PropertyCollectionSerializer(found).data)


class RoutesView(DashboardView):
    """GET safety-walk routes in the period and district (GeoJSON, WGS 84)."""

    filtered = True

    @extend_schema(responses=RouteCollectionSerializer)
    def get(self, request):
        return Response(RouteCollectionSerializer(queries.routes(self.filters(request))).data)


class FixesView(DashboardView):
    """GET the ranked fixes (GeoJSON, best first); `department`, `fix_status`, `limit`."""

    filtered = True

    @extend_schema(
        operation_id="dashboard_fixes_list",
        parameters=[FixListQuerySerializer],
        responses=FixCollectionSerializer,
    )
    def get(self, request):
        filters = self.filters(request)
        query = FixListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        fixes = queries.fixes(
            filters.municipality_id,
            department=options.get("department") or None,
            status=options.get("fix_status") or None,
            district_id=filters.district_id,
        )
        listed = {"features": fixes[: options["limit"]], "total": len(fixes)}
        return Response(FixCollectionSerializer(listed, context={"request": request}).data)


class FixDetailView(DashboardView):
    """GET one fix with its reasons and history; POST a status change (who and when kept)."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [CanChangeFixes()]
        return super().get_permissions()

    def get_fix(self, request, pk: int) -> Fix:
        """The fix, if it belongs to a municipality the user works for; else 404."""
        return get_object_or_404(tenancy.scope(Fix.objects.all(), request.user), pk=pk)

    @extend_schema(responses=FixDetailSerializer)
    def get(self, request, pk: int):
        fix = self.get_fix(request, pk)
        return Response(FixDetailSerializer(fix, context={"request": request}).data)

    @extend_schema(request=FixStatusSerializer, responses=FixDetailSerializer)
    def post(self, request, pk: int):
        fix = self.get_fix(request, pk)
        self.check_object_permissions(request, fix)
        change = FixStatusSerializer(fix, data=request.data, context={"request": request})
        change.is_valid(raise_exception=True)
        change.save()
        return Response(FixDetailSerializer(fix, context={"request": request}).data)


#: Each kind of feature on the map (the `source` of the feature endpoint): the rows it is read
#: from and its serializer.
FEATURES = {
    "resident": (
        ResidentPin.objects.select_related("category", "district", "property"),
        PinDetailSerializer,
    ),
    "walk": (WalkFinding.objects.select_related("category", "walk"), FindingDetailSerializer),
    "incident": (Incident.objects.select_related("property", "partner"), IncidentDetailSerializer),
    "lamp": (StreetLamp.objects.all(), LampDetailSerializer),
    "lux": (LuxReading.objects.all(), LuxDetailSerializer),
    "camera": (Camera.objects.all(), CameraDetailSerializer),
    "vegetation": (Vegetation.objects.all(), VegetationDetailSerializer),
    "street": (StreetSegment.objects.all(), StreetDetailSerializer),
    "route": (SafetyWalk.objects.select_related("district"), RouteDetailSerializer),
}


class FeatureView(DashboardView):
    """GET the details of anything on the map: `source` is a report source or a layer."""

    @extend_schema(
        parameters=[
            OpenApiParameter("source", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FEATURES))
        ],
        responses=PolymorphicProxySerializer(
            component_name="FeatureDetail",
            serializers={source: serializer for source, (_rows, serializer) in FEATURES.items()},
            resource_type_field_name="source",
        ),
    )
    def get(self, request, source: str, pk: int):
        if source not in FEATURES:
            raise Http404(f"no feature kind {source!r}")
        rows, serializer = FEATURES[source]
        feature = tenancy.scope(rows, request.user).filter(pk=pk).first()
        if feature is None:
            raise Http404(f"no {source} feature {pk}")
        context = {"request": request, "channel": ContactAccess.Channel.DASHBOARD}
        return Response(serializer(feature, context=context).data)


class TriageView(DashboardView):
    """POST the coordinator's triage of a pin: status, category, linked fix, public answer
    (see :class:`gis.dashboard.serializers.TriageSerializer`)."""

    permission_classes = [CanTriage]

    @extend_schema(request=TriageSerializer, responses=PinDetailSerializer)
    def post(self, request, pk: int):
        with transaction.atomic():
            pins = tenancy.scope(ResidentPin.objects.select_for_update(), request.user)
            pin = get_object_or_404(pins, pk=pk)
            triage = TriageSerializer(pin, data=request.data, context={"request": request})
            triage.is_valid(raise_exception=True)
            triage.save()
        pin = ResidentPin.objects.select_related("category", "district", "property").get(pk=pk)
        context = {"request": request, "channel": ContactAccess.Channel.TRIAGE}
        return Response(PinDetailSerializer(pin, context=context).data)


class PhotoView(DashboardView):
    """GET a pin's or finding's photo (thumbnail or full size) for a logged-in staff role; roles
    without the photo view permission (EST partners) get published pins' photos only (404)."""

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
        if not request.user.has_perm(f"walks.view_{model._meta.model_name}"):
            # A role without the photo permission (EST partners): published pins' photos only.
            photos = photos.filter(pin__published=True) if kind == "pin" else photos.none()
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
