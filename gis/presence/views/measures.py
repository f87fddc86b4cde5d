"""Pages of the presence measures: the list with filters and a map, the form, the measure's page
with its follow-up, and its status change.

Access (:mod:`gis.presence.measures`): every role with the presence view permission reads the
measures of its municipalities (:mod:`gis.core.tenancy`); coordinators create, edit and move
them; a member of the responsible partner may mark its own partner's planned measure done.
Anonymous visitors go to the login page; another municipality's measure is 404. Bad filter
values answer 400 with ``{"field": ["message"]}``; a bad form comes back with 400 and its errors
on their fields.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gis.core import tenancy
from gis.core.mapadmin import default_centre
from gis.core.pages import signed_in_with
from gis.presence import measures as flow
from gis.presence.measure_forms import MeasureFilterForm, MeasureForm, MeasureStatusForm
from gis.presence.models import PresenceMeasure

LIST_LIMIT = 200


# Anonymous -> login page; signed in without the presence view permission -> 403.
readers_only = signed_in_with(flow.can_view)


def _measure(request: HttpRequest, pk: int) -> PresenceMeasure:
    queryset = tenancy.scope(
        PresenceMeasure.objects.select_related("partner", "municipality"), request.user
    )
    return get_object_or_404(queryset, pk=pk)


def area_feature(measure: PresenceMeasure) -> dict:
    """The measure's area (a point's circle of ``radius_m``) as a WGS 84 GeoJSON feature."""
    geom = measure.geom
    if geom.geom_type == "Point":
        geom = geom.buffer(measure.radius_m, quadsegs=16)
    shape = GEOSGeometry(geom.wkb, srid=measure.geom.srid).transform(4326, clone=True)
    return {
        "type": "Feature",
        "geometry": json.loads(shape.geojson),
        "properties": {
            "id": measure.pk,
            "status": measure.status,
            "url": reverse("presence_measures:detail", args=[measure.pk]),
        },
    }


def _map_context(measures) -> dict:
    lon, lat = default_centre()
    return {
        "style_url": reverse("basemap-style"),
        "centre": f"{lon},{lat}",
        "areas": {"type": "FeatureCollection", "features": [area_feature(m) for m in measures]},
    }


@require_GET
@readers_only
def measure_list(request: HttpRequest) -> HttpResponse:
    """The measures of one municipality, newest period first, with filters and a map."""
    mine = tenancy.municipalities(request.user)
    form = MeasureFilterForm(request.GET, municipalities=mine)
    if not form.is_valid():
        return JsonResponse({k: [str(m) for m in v] for k, v in form.errors.items()}, status=400)
    data = form.cleaned_data
    municipality = (
        mine.filter(code=data["municipality"]).first() if data["municipality"] else mine.first()
    )
    measures = PresenceMeasure.objects.filter(municipality=municipality).select_related("partner")
    for name in ("status", "kind"):
        if data[name]:
            measures = measures.filter(**{name: data[name]})
    if data["partner"] is not None:
        measures = measures.filter(partner_id=data["partner"])
    rows = list(measures.order_by("-starts_on", "pk")[:LIST_LIMIT])
    context = {
        "form": form,
        "municipality": municipality,
        "measures": rows,
        "can_create": flow.can_create(request.user),
        **_map_context(rows),
    }
    return render(request, "presence/measure_list.html", context)


def _form_page(request, form, measure, status=200) -> HttpResponse:
    context = {"form": form, "measure": measure, **_map_context([measure] if measure else [])}
    return render(request, "presence/measure_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@readers_only
def measure_create(request: HttpRequest) -> HttpResponse:
    """A new measure (coordinators)."""
    if not flow.can_create(request.user):
        raise PermissionDenied
    mine = tenancy.municipalities(request.user)
    if request.method == "GET":
        first = mine.first()
        form = MeasureForm(
            municipalities=mine, initial={"municipality": first.code if first else ""}
        )
        return _form_page(request, form, None)
    form = MeasureForm(request.POST, municipalities=mine)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    measure = form.save(user=request.user)
    messages.success(request, _("The measure was recorded."))
    return redirect("presence_measures:detail", measure.pk)


@require_http_methods(["GET", "POST"])
@readers_only
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a measure (coordinators); its status moves on its page."""
    measure = _measure(request, pk)
    if not flow.can_edit(request.user):
        raise PermissionDenied
    mine = tenancy.municipalities(request.user)
    if request.method == "GET":
        form = MeasureForm(municipalities=mine, initial=MeasureForm.initial_of(measure))
        return _form_page(request, form, measure)
    form = MeasureForm(request.POST, municipalities=mine)
    if not form.is_valid():
        return _form_page(request, form, measure, status=400)
    form.save(measure)
    messages.success(request, _("The measure was saved."))
    return redirect("presence_measures:detail", measure.pk)


def _detail(request, measure, form=None, status=200) -> HttpResponse:
    statuses = flow.next_statuses(measure, request.user)
    if form is None and statuses:
        form = MeasureStatusForm(statuses=statuses)
    result = flow.followup(measure)
    context = {
        "measure": measure,
        "form": form,
        "can_edit": flow.can_edit(request.user),
        "followup": result,
        "followup_words": flow.in_words(result),
        "verdict": flow.verdict(result),
        "ring_m": int(flow.RING_M),
        **_map_context([measure]),
    }
    if result is not None:
        for name in ("area_before", "area_during", "comparison_before", "comparison_during"):
            context[f"{name}_week"] = result.per_week(getattr(result, name))
    return render(request, "presence/measure_detail.html", context, status=status)


@require_GET
@readers_only
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One measure: what, where, when, who, its status and its follow-up."""
    return _detail(request, _measure(request, pk))


@require_POST
@readers_only
def measure_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the status form; 403 when the user may not move this measure."""
    measure = _measure(request, pk)
    statuses = flow.next_statuses(measure, request.user)
    if not statuses:
        raise PermissionDenied
    form = MeasureStatusForm(request.POST, statuses=statuses)
    if not form.is_valid():
        return _detail(request, measure, form, status=400)
    try:
        flow.change_status(measure, form.cleaned_data["to_status"], user=request.user)
    except flow.WorkflowError as error:
        form.add_error("to_status", error.message)
        return _detail(request, measure, form, status=400)
    except PermissionError:
        raise PermissionDenied from None
    messages.success(request, _("The status was changed."))
    return redirect("presence_measures:detail", measure.pk)
