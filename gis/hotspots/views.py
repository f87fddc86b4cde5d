"""The heat-map and hot-spot API views: the heat map of the selected reports (its PNG, corners
and legend), their live Gi* hot and cold spots, and the cells of the latest stored run.

The hotspots app sits below the apps that select reports and decide who sees them
(docs/architecture.md), so these views neither parse filters nor compute: the app that routes
them hands ``as_view()`` a :class:`MapReports` (its filters and its cached computations) and
its access rules. The dashboard does so for its API (:func:`gis.dashboard.views_api.map_view`),
whose views are map views too (:class:`MapView`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import authentication, permissions
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.analysis.grids import SquareGrid
from gis.core.api.params import reject_null_path_parts
from gis.core.api.schema import ApiSchema
from gis.core.idparse import parse_id
from gis.core.models import Municipality
from gis.hotspots import timeprofiles
from gis.hotspots.models import AnalysisRun
from gis.hotspots.places import with_places
from gis.hotspots.serializers import (
    HeatmapSerializer,
    HotspotsQuerySerializer,
    LiveHotspotsSerializer,
    StoredHotspotsSerializer,
    TimeProfileQuerySerializer,
    TimeProfileSerializer,
)
from layers.models import StreetSegment

LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=[code for code, _name in settings.LANGUAGES],
    description="Language of the labels; default the request's language.",
)
#: Runs whose cells are hot spots (a heat-map run stores a raster instead).
CELL_RUN_KINDS = (AnalysisRun.Kind.GISTAR, AnalysisRun.Kind.EMERGING)


class MapReports(Protocol):
    """The reports behind the maps, as the app that routes the map views selects them."""

    #: The query parameters that select reports, for the OpenAPI schema.
    filter_parameters: Sequence[OpenApiParameter]

    def filters(self, request: Request) -> Any:
        """The selection the request asks for (hashable); a DRF ValidationError naming the
        query parameter that does not parse."""

    def municipality(self, request: Request) -> Municipality:
        """The municipality the request names among the user's (else the first of them); a
        DRF ValidationError naming the parameter otherwise."""

    def heatmap(self, filters: Any) -> Any:
        """The heat map of the selection: `overlay` (`png`, `bounds`, `legend`, `params`; None
        when nothing is selected) and the data `version`."""

    def hotspots(self, filters: Any) -> Mapping:
        """The significant Gi* cells of the selection (see :class:`LiveHotspotsSerializer`)."""

    def selection(self, filters: Any) -> tuple[str, list]:
        """SQL and parameters selecting the reports of the selection, one row per report, with
        at least the columns source, id, severity, at and geom (storage CRS)."""

    def cell_grid(self, filters: Any) -> SquareGrid:
        """The grid of the live hot spots' cells (their `cell` ids)."""


class MapSchema(ApiSchema):
    """Every map endpoint takes `lang`, and one that selects reports (`filtered`) the query
    parameters of its `reports`."""

    def get_override_parameters(self):
        parameters = [*super().get_override_parameters(), LANG]
        reports = getattr(self.view, "reports", None)
        if getattr(self.view, "filtered", False) and reports is not None:
            parameters += list(reports.filter_parameters)
        return parameters


class AnyContent(BaseContentNegotiation):
    """Binary endpoints (tiles, PNG) answer whatever the client accepts; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MapView(APIView):
    """An API endpoint of the staff map over the reports that `reports` selects.

    `?lang=sv|en` picks the language of labels and messages. The routing app sets `reports` and
    its `authentication_classes` and `permission_classes` (as class attributes or through
    ``as_view()``); without them only staff users (``is_staff``) get in.
    """

    reports: MapReports | None = None
    #: Whether the endpoint selects reports by `reports.filter_parameters`.
    filtered = False
    authentication_classes = [authentication.SessionAuthentication]
    permission_classes = [permissions.IsAdminUser]
    schema = MapSchema()

    def dispatch(self, request, *args, **kwargs):
        lang = request.GET.get("lang", "")
        if lang in dict(settings.LANGUAGES):
            with translation.override(lang):
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        reject_null_path_parts(kwargs)

    def filters(self, request: Request) -> Any:
        """The reports the request selects; a parameter that does not parse is a 400."""
        return self.reports.filters(request)


class HeatmapView(MapView):
    """GET the heat map's image URL, WGS 84 bounds and legend for the filters."""

    filtered = True
    #: The name of the PNG's route, next to this one (same URL namespace).
    png_route = "heatmap-png"

    @extend_schema(responses=HeatmapSerializer)
    def get(self, request):
        heat = self.reports.heatmap(self.filters(request))
        context = {"url": self.png_url(request, heat.version)}
        return Response(HeatmapSerializer(heat, context=context).data)

    def png_url(self, request: Request, version: str) -> str:
        """The PNG's address: this request's query plus the data version, so that the browser
        may keep the image until the data change."""
        namespace = request.resolver_match.namespace
        route = f"{namespace}:{self.png_route}" if namespace else self.png_route
        query = request.GET.copy()
        query["v"] = version
        return f"{reverse(route)}?{query.urlencode()}"


class HeatmapPngView(MapView):
    """GET the heat-map PNG itself (cached per filters and data version)."""

    filtered = True
    content_negotiation_class = AnyContent

    @extend_schema(
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The heat map."),
            404: OpenApiResponse(description="No report passes the filters."),
        },
    )
    def get(self, request):
        heat = self.reports.heatmap(self.filters(request))
        if heat.overlay is None:
            raise Http404("no report passes the filters")
        response = HttpResponse(heat.overlay.png, content_type="image/png")
        # The URL carries the data version, so the browser may keep the image.
        response["Cache-Control"] = "private, max-age=3600"
        return response


HOTSPOTS = PolymorphicProxySerializer(
    component_name="Hotspots",
    serializers={"live": LiveHotspotsSerializer, "stored": StoredHotspotsSerializer},
    resource_type_field_name="source",
)


def latest_cell_run(municipality: Municipality) -> AnalysisRun | None:
    """The municipality's latest stored Gi* or emerging-hot-spot run, or None."""
    runs = AnalysisRun.objects.filter(municipality=municipality, kind__in=CELL_RUN_KINDS)
    return runs.order_by("-created_at").first()


class HotspotsView(MapView):
    """GET Gi* hot and cold spot cells: live for the filters, or `?run=latest` stored cells;
    each named by the place at its centre (:mod:`gis.hotspots.places`)."""

    filtered = True

    @extend_schema(
        parameters=[HotspotsQuerySerializer],
        responses={
            200: HOTSPOTS,
            404: OpenApiResponse(description="`run=latest` and no run is stored."),
        },
    )
    def get(self, request):
        query = HotspotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        municipality = self.reports.municipality(request)
        if query.validated_data.get("run") == "latest":
            run = latest_cell_run(municipality)
            if run is None:
                raise Http404("no stored hot-spot run")
            return Response(with_places(StoredHotspotsSerializer(run).data, municipality.pk))
        cells = self.reports.hotspots(self.filters(request))
        return Response(with_places(LiveHotspotsSerializer(cells).data, municipality.pk))


class TimeProfileView(MapView):
    """GET the selected reports by hour of the week (168 bins, a 7 x 24 grid, the hot hours):
    of the whole selection, or of one hot-spot `cell` (live, or of a stored `run`) or street
    `segment` (:mod:`gis.hotspots.timeprofiles`)."""

    filtered = True

    @extend_schema(
        parameters=[TimeProfileQuerySerializer],
        responses={
            200: TimeProfileSerializer,
            400: OpenApiResponse(
                description='A parameter does not parse: the answer names it (`{"cell": ["…"]}`).'
            ),
        },
    )
    def get(self, request):
        query = TimeProfileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        filters = self.filters(request)
        municipality = self.reports.municipality(request)
        found = timeprofiles.records(*self.reports.selection(filters))
        if "cell" in options:
            found = self._in_cell(found, filters, municipality, options)
        elif "segment" in options:
            found = self._on_segment(found, municipality, options["segment"])
        count = len(found[["source", "id"]].drop_duplicates())
        profile = timeprofiles.summary(timeprofiles.profile_of(found), count)
        return Response(TimeProfileSerializer(profile).data)

    def _in_cell(self, found, filters, municipality, options):
        cell, run_id = options["cell"], options.get("run") or ""
        if not run_id:
            grid = self.reports.cell_grid(filters)
            if cell >= grid.n_cells:
                raise ValidationError({"cell": [f"no cell {cell} in the grid"]})
            rows = timeprofiles.placed(found, "cell", grid=grid)
            return rows[rows["place"] == cell]
        if run_id == "latest":
            run = latest_cell_run(municipality)
        else:
            try:
                pk = parse_id(run_id)
            except ValueError:
                raise ValidationError({"run": ["expected a run id or latest"]}) from None
            runs = AnalysisRun.objects.filter(municipality=municipality, kind__in=CELL_RUN_KINDS)
            run = runs.filter(pk=pk).first()
        if run is None:
            raise ValidationError({"run": [f"no stored hot-spot run {run_id}"]})
        if not run.cells.filter(cell_id=cell).exists():
            raise ValidationError({"cell": [f"no cell {cell} in run {run.pk}"]})
        rows = timeprofiles.placed(found, "hotspot", run=run)
        return rows[rows["place"] == cell]

    def _on_segment(self, found, municipality, segment: int):
        if not StreetSegment.objects.filter(municipality=municipality, pk=segment).exists():
            raise ValidationError({"segment": [f"unknown segment {segment}"]})
        rows = timeprofiles.placed(found, "segment", municipality=municipality)
        return rows[rows["place"] == segment]
