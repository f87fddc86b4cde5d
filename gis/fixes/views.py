"""Department work lists of ranked fixes, their exports, the fix page and its status workflow.

The views only parse the request (:mod:`gis.fixes.forms`), call the workflow and the ranking
(:mod:`gis.fixes.workflow`, :mod:`gis.fixes.persist`) and answer: the pages with what
:mod:`gis.fixes.display` and :mod:`gis.fixes.explain` make of a fix, the files with
:mod:`gis.fixes.exports`, the map with :mod:`gis.fixes.mapsnippet`.

Staff only: every role with the fix view permission sees every fix of the municipalities it works
for (:mod:`gis.core.tenancy`); who may change a fix is decided by
:func:`gis.fixes.workflow.can_change`. Anonymous visitors are sent to the login page.
Bad filter values answer 400 with ``{"field": ["message"]}``; unknown fixes 404.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gis.core import tenancy
from gis.core.models import Municipality
from gis.core.pages import signed_in_with
from gis.fixes import display, explain, exports, mapsnippet, workflow
from gis.fixes.followup import FollowUp, fix_followup
from gis.fixes.forms import PRINT_LIMIT, FixFilterForm, StatusForm
from gis.fixes.models import Fix
from gis.hotspots.models import AnalysisRun

PAGE_SIZE = 50


# Anonymous -> login page; signed in without the fix view permission -> 403.
staff_only = signed_in_with(workflow.can_view)


class BadFilterError(Exception):
    """Invalid GET parameters; carries the form errors."""

    def __init__(self, errors: dict) -> None:
        super().__init__(errors)
        self.errors = errors


def _bad_request(errors: dict) -> JsonResponse:
    return JsonResponse({k: [str(m) for m in v] for k, v in errors.items()}, status=400)


def filtered(request: HttpRequest) -> tuple[FixFilterForm, Municipality | None, QuerySet]:
    """The fixes the GET parameters ask for, ranked (fixes out of the ranking last)."""
    mine = tenancy.municipalities(request.user)
    form = FixFilterForm(request.GET, municipalities=mine)
    if not form.is_valid():
        raise BadFilterError(form.errors)
    data = form.cleaned_data
    municipality = (
        mine.filter(code=data["municipality"]).first() if data["municipality"] else mine.first()
    )
    fixes = (
        Fix.objects.filter(municipality=municipality)
        .select_related("segment", "green_area", "property")
        .annotate(pin_count=Count("pins"))
        .order_by("rank", "-score", "pk")
    )
    for name in ("department", "fix_type", "status"):
        if data[name]:
            fixes = fixes.filter(**{name: data[name]})
    return form, municipality, fixes


def _handles_bad_filters(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadFilterError as error:
            return _bad_request(error.errors)

    return wrapper


def latest_run(municipality: Municipality | None) -> AnalysisRun | None:
    """The municipality's latest prioritisation run."""
    return (
        AnalysisRun.objects.filter(municipality=municipality, kind=AnalysisRun.Kind.PRIORITISE)
        .order_by("-created_at", "-pk")
        .first()
    )


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@require_GET
@staff_only
@_handles_bad_filters
def fix_list(request: HttpRequest) -> HttpResponse:
    """The ranked work list with filters, exports and a printable version."""
    form, municipality, fixes = filtered(request)
    page = Paginator(fixes, PAGE_SIZE).get_page(form.cleaned_data["page"] or 1)
    run = latest_run(municipality)
    context = {
        "form": form,
        "municipality": municipality,
        "page": page,
        "rows": display.list_rows(page.object_list),
        "run": run,
        "query": _query_without(request, "page"),
        "can_recompute": can_recompute(request.user),
    }
    return render(request, "fixes/list.html", context)


@require_GET
@staff_only
@_handles_bad_filters
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (UTF-8, one fix a row, coordinates in WGS 84; see
    :func:`gis.fixes.exports.write_csv`)."""
    _, municipality, fixes = filtered(request)
    response = HttpResponse(content_type=exports.CSV_CONTENT_TYPE)
    filename = exports.csv_filename(municipality)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    exports.write_csv(response, fixes, url_of=_page_url(request))
    return response


@require_GET
@staff_only
@_handles_bad_filters
def export_geojson(request: HttpRequest) -> HttpResponse:
    """The filtered list as an RFC 7946 FeatureCollection in WGS 84 (lon, lat; see
    :func:`gis.fixes.exports.feature_collection`)."""
    _, _municipality, fixes = filtered(request)
    body = exports.geojson_text(fixes, url_of=_page_url(request))
    return HttpResponse(body, content_type=exports.GEOJSON_CONTENT_TYPE)


@require_GET
@staff_only
@_handles_bad_filters
def print_list(request: HttpRequest) -> HttpResponse:
    """A printable work list: the first ``limit`` fixes with a map and the evidence each."""
    form, municipality, fixes = filtered(request)
    limit = form.cleaned_data["limit"] or PRINT_LIMIT
    context = {
        "form": form,
        "municipality": municipality,
        "items": display.print_items(fixes[:limit]),
        "total": fixes.count(),
        "department": display.department_label(form.cleaned_data["department"]),
        "run": latest_run(municipality),
        "printed_at": timezone.now(),
    }
    return render(request, "fixes/print.html", context)


@require_GET
@staff_only
def fix_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One fix: explanation with its evidence, risk model, workflow, history, follow-up."""
    fix = _get_fix(request, pk)
    form = StatusForm(fix=fix) if workflow.can_change(request.user, fix) else None
    return _render_detail(request, fix, form)


@require_POST
@staff_only
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the status form; 403 when the user may not change this fix."""
    fix = _get_fix(request, pk)
    if not workflow.can_change(request.user, fix):
        raise PermissionDenied
    form = StatusForm(request.POST, fix=fix)
    if form.is_valid():
        data = form.cleaned_data
        try:
            workflow.change_status(
                fix,
                data["to_status"],
                user=request.user,
                note=data["note"],
                scheduled_for=data["scheduled_for"],
                answer=data["answer"],
            )
        except ValueError as error:  # a workflow.WorkflowError names the field at fault
            form.add_workflow_error(error)
        else:
            messages.success(
                request,
                _("The status is now “%(status)s”.")
                % {"status": Fix.Status(data["to_status"]).label},
            )
            return redirect("fixes:detail", pk=fix.pk)
    return _render_detail(request, fix, form, status=400)


@require_GET
@staff_only
def fix_map(request: HttpRequest, pk: int) -> HttpResponse:
    """The fix's map snippet as a PNG."""
    fix = _get_fix(request, pk)
    png = mapsnippet.fix_map_png(fix, labels=mapsnippet.legend_labels())
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


def can_recompute(user) -> bool:
    """Whether the user may recompute the ranking (the work list's button, gis.jobs)."""
    return user.has_perm("hotspots.add_analysisrun") and user.has_perm("fixes.add_fix")


def _get_fix(request: HttpRequest, pk: int) -> Fix:
    """The fix, if it belongs to a municipality the user works for; else 404."""
    fixes = Fix.objects.select_related("segment", "green_area", "property", "municipality", "run")
    return get_object_or_404(tenancy.scope(fixes, request.user), pk=pk)


def _render_detail(request, fix: Fix, form: StatusForm | None, status: int = 200):
    run = fix.run or latest_run(fix.municipality)
    followup, followup_error = _followup(fix)
    context = {
        "fix": fix,
        "headline": explain.headline(fix),
        "place_reference": explain.place_reference(fix),
        "lines": explain.evidence_lines(fix),
        "evidence": display.evidence(fix),
        "run": run,
        "risk": display.risk_rows(run),
        "risk_covariate": display.risk_covariate(fix),
        "form": form,
        "history": display.status_history(fix),
        "pin_total": fix.pins.count(),
        "followup": followup,
        "followup_rows": display.followup_rows(followup),
        "followup_error": followup_error,
    }
    return render(request, "fixes/detail.html", context, status=status)


def _followup(fix: Fix) -> tuple[FollowUp | None, dict | None]:
    """The follow-up of a done fix (None before it is done), or why it cannot be computed:
    ``{"message": ..., "field": ...}``, the field named when the error carries one."""
    if fix.done_at is None:
        return None, None
    try:
        return fix_followup(fix), None
    except ValueError as error:
        message = getattr(error, "message", None) or str(error)
        return None, {"message": message, "field": getattr(error, "field", None)}


def _page_url(request: HttpRequest):
    """A function giving the absolute URL of a fix's page (for the exports)."""
    return lambda fix: request.build_absolute_uri(reverse("fixes:detail", args=[fix.pk]))
