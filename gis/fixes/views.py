"""Department work lists of ranked fixes, their exports, the fix page and its status workflow.

Staff only: every role with the fix view permission sees every fix of the municipalities it works
for (:mod:`gis.core.tenancy`); who may change a fix is decided by
:func:`gis.fixes.workflow.can_change`. Anonymous visitors are sent to the login page.
Bad filter values answer 400 with ``{"field": ["message"]}``; unknown fixes 404.
"""

from __future__ import annotations

import functools
import json

import geopandas as gpd
import shapely
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gis.core import csvsafe, storedjson, tenancy
from gis.core.models import Municipality
from gis.core.vocabulary import Department
from gis.fixes import explain, workflow
from gis.fixes.followup import fix_followup
from gis.fixes.forms import PRINT_LIMIT, FixFilterForm, StatusForm
from gis.fixes.mapsnippet import fix_map_png
from gis.fixes.models import Fix
from gis.fixes.persist import recompute
from gis.hotspots.models import AnalysisRun
from layers.models import Incident, LuxReading, StreetLamp, Vegetation
from walks.models import ResidentPin, WalkFinding

PAGE_SIZE = 50
EVIDENCE_ROWS = 20
CSV_COLUMNS = (
    "rank",
    "id",
    "fix_type",
    "department",
    "status",
    "score",
    "cost_class",
    "place_kind",
    "place_id",
    "place_name",
    "longitude",
    "latitude",
    "pins",
    "scheduled_for",
    "done_at",
    "explanation",
    "url",
)


def staff_only(view):
    """Anonymous -> login page; signed in without the fix view permission -> 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not workflow.can_view(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


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
        .select_related("segment", "green_area")
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
        "rows": [(fix, explain.place_label(fix)) for fix in page.object_list],
        "run": run,
        "query": _query_without(request, "page"),
        "can_recompute": _can_recompute(request.user),
    }
    return render(request, "fixes/list.html", context)


@require_GET
@staff_only
@_handles_bad_filters
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (UTF-8, one fix a row, coordinates in WGS 84).

    Written through :mod:`gis.core.csvsafe` (text that begins like a formula is neutralised); the
    numbers are written as numbers, so negative ones stay readable.
    """
    _, municipality, fixes = filtered(request)
    fixes = list(fixes)
    points = _wgs84([shapely.from_wkb(bytes(f.geom.wkb)) for f in fixes], representative=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    code = municipality.code if municipality else "none"
    response["Content-Disposition"] = f'attachment; filename="fixes-{code}.csv"'
    writer = csvsafe.writer(response)
    writer.writerow(CSV_COLUMNS)
    for fix, point in zip(fixes, points, strict=True):
        writer.writerow(
            [
                fix.rank if fix.rank is not None else "",
                fix.pk,
                fix.fix_type,
                fix.department,
                fix.status,
                round(fix.score, 4),
                fix.cost_class,
                "segment" if fix.segment_id else "green_area",
                fix.segment_id or fix.green_area_id,
                _place_name(fix),
                round(point.x, 6),
                round(point.y, 6),
                fix.pin_count,
                fix.scheduled_for.isoformat() if fix.scheduled_for else "",
                fix.done_at.isoformat() if fix.done_at else "",
                fix.explanation,
                request.build_absolute_uri(reverse("fixes:detail", args=[fix.pk])),
            ]
        )
    return response


@require_GET
@staff_only
@_handles_bad_filters
def export_geojson(request: HttpRequest) -> HttpResponse:
    """The filtered list as an RFC 7946 FeatureCollection in WGS 84 (lon, lat)."""
    _, _municipality, fixes = filtered(request)
    fixes = list(fixes)
    geoms = _wgs84([shapely.from_wkb(bytes(f.geom.wkb)) for f in fixes])
    features = [
        {
            "type": "Feature",
            "id": fix.pk,
            "geometry": shapely.geometry.mapping(geom),
            "properties": {
                "rank": fix.rank,
                "fix_type": fix.fix_type,
                "fix_type_label": str(fix.get_fix_type_display()),
                "department": fix.department,
                "status": fix.status,
                "score": round(fix.score, 4),
                "cost_class": fix.cost_class,
                "place_kind": "segment" if fix.segment_id else "green_area",
                "place_id": fix.segment_id or fix.green_area_id,
                "place_name": _place_name(fix),
                "pins": fix.pin_count,
                "explanation": fix.explanation,
                "url": request.build_absolute_uri(reverse("fixes:detail", args=[fix.pk])),
            },
        }
        for fix, geom in zip(fixes, geoms, strict=True)
    ]
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    return HttpResponse(body, content_type="application/geo+json")


@require_GET
@staff_only
@_handles_bad_filters
def print_list(request: HttpRequest) -> HttpResponse:
    """A printable work list: the first ``limit`` fixes with a map and the evidence each."""
    form, municipality, fixes = filtered(request)
    limit = form.cleaned_data["limit"] or PRINT_LIMIT
    items = [
        {"fix": fix, "headline": explain.headline(fix), "lines": explain.evidence_lines(fix)}
        for fix in fixes[:limit]
    ]
    context = {
        "form": form,
        "municipality": municipality,
        "items": items,
        "total": fixes.count(),
        "department": dict(Department.choices).get(form.cleaned_data["department"], ""),
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
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The status is now “%(status)s”.")
                % {"status": Fix.Status(data["to_status"]).label},
            )
            return redirect("fixes:detail", pk=fix.pk)
    return _render_detail(request, fix, form, status=400)


@require_POST
@staff_only
def recompute_view(request: HttpRequest) -> HttpResponse:
    """Recompute the ranking of a municipality (planners and coordinators)."""
    if not _can_recompute(request.user):
        raise PermissionDenied
    code = request.POST.get("municipality", "")
    municipality = tenancy.municipalities(request.user).filter(code=code).first()
    if municipality is None:
        return _bad_request(
            {"municipality": [_("Unknown municipality %(code)r.") % {"code": code}]}
        )
    done = recompute(municipality, user=request.user)
    messages.success(
        request,
        _("Recomputed: %(n)d fixes ranked in %(s).1f s.")
        % {"n": storedjson.whole(done.run.summary, "fixes"), "s": done.seconds},
    )
    return redirect(f"{reverse('fixes:list')}?municipality={municipality.code}")


@require_GET
@staff_only
def fix_map(request: HttpRequest, pk: int) -> HttpResponse:
    """The fix's map snippet as a PNG."""
    fix = _get_fix(request, pk)
    labels = {
        "place": _("The place"),
        "pin": _("Resident pins"),
        "finding": _("Walk findings"),
        "lamp_ok": _("Lamps"),
        "lamp_broken": _("Broken lamps"),
        "plant": _("Blocking plants"),
        "lux": _("Lux readings"),
    }
    response = HttpResponse(fix_map_png(fix, labels=labels), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _can_recompute(user) -> bool:
    return user.has_perm("hotspots.add_analysisrun") and user.has_perm("fixes.add_fix")


def _get_fix(request: HttpRequest, pk: int) -> Fix:
    """The fix, if it belongs to a municipality the user works for; else 404."""
    fixes = Fix.objects.select_related("segment", "green_area", "municipality", "run")
    return get_object_or_404(tenancy.scope(fixes, request.user), pk=pk)


def _render_detail(request, fix: Fix, form: StatusForm | None, status: int = 200):
    run = fix.run or latest_run(fix.municipality)
    risk = storedjson.records(run.summary, "risk") if run else []
    used = explain.reason(fix, "relative_risk") or {}
    followup, followup_error = None, ""
    if fix.done_at is not None:
        try:
            followup = fix_followup(fix)
        except ValueError as error:
            followup_error = str(error)
    context = {
        "fix": fix,
        "headline": explain.headline(fix),
        "lines": explain.evidence_lines(fix),
        "evidence": _evidence(fix),
        "run": run,
        "risk": [{**row, "label": explain.covariate_label(row["covariate"])} for row in risk],
        "risk_covariate": used.get("covariate"),
        "form": form,
        "history": _history(fix),
        "pins": fix.pins.select_related("category").order_by("-reported_at")[:EVIDENCE_ROWS],
        "pin_total": fix.pins.count(),
        "followup": followup,
        "followup_rows": _followup_rows(followup),
        "followup_error": followup_error,
    }
    return render(request, "fixes/detail.html", context, status=status)


def _history(fix: Fix) -> list:
    labels = dict(Fix.Status.choices)
    changes = list(fix.history.select_related("changed_by"))
    for change in changes:
        change.from_label = labels.get(change.from_status, change.from_status)
        change.to_label = labels.get(change.to_status, change.to_status)
    return changes


def _evidence(fix: Fix) -> dict:
    rep = explain.reason(fix, "reports") or {}
    light = explain.reason(fix, "lighting") or {}
    broken = explain.reason(fix, "broken_lamps") or {}
    veg = explain.reason(fix, "vegetation") or {}

    def rows(queryset, ids, order):
        return list(queryset.filter(pk__in=ids or []).order_by(order)[:EVIDENCE_ROWS])

    return {
        "pins": rows(
            ResidentPin.objects.select_related("category"), rep.get("pin_ids"), "-reported_at"
        ),
        "pin_ids": rep.get("pin_ids") or [],
        "findings": rows(
            WalkFinding.objects.select_related("category"),
            rep.get("finding_ids"),
            "-observed_at",
        ),
        "finding_ids": rep.get("finding_ids") or [],
        "incidents": rows(Incident.objects.all(), rep.get("incident_ids"), "-occurred_at"),
        "incident_ids": rep.get("incident_ids") or [],
        "readings": rows(LuxReading.objects.all(), light.get("reading_ids"), "-measured_at"),
        "lamps": rows(StreetLamp.objects.all(), broken.get("lamp_ids"), "pk"),
        "plants": rows(Vegetation.objects.all(), veg.get("vegetation_ids"), "pk"),
    }


def _followup_rows(followup) -> list[dict]:
    if followup is None:
        return []
    labels = {
        "reports_per_month": _("Reports per month"),
        "night_reports_per_month": _("Evening and night reports per month"),
        "mean_lux": _("Mean lux"),
        "mean_audit_score": _("Mean audit score (0–27)"),
    }
    out = []
    for metric, row in followup.table.iterrows():
        out.append(
            {
                "label": labels.get(metric, metric),
                "before": explain.number(_finite(row["before"])),
                "after": explain.number(_finite(row["after"])),
                "change": explain.number(_finite(row["change"])),
                "n_before": int(row["n_before"]),
                "n_after": int(row["n_after"]),
            }
        )
    sources = {
        "pins": _("Resident pins"),
        "findings": _("Walk findings"),
        "incidents": _("Incidents"),
    }
    rows = [
        (_("Reports per month: %(source)s") % {"source": sources[source]}, row)
        for source, row in followup.by_source.iterrows()
    ]
    radius = explain.number(followup.area_radius_m, 0)
    area_labels = {
        "reports_per_month": _("All reports within %(radius)s m, per month"),
        "relevant_reports_per_month": _(
            "Reports within %(radius)s m of the kinds this fix addresses, per month"
        ),
    }
    rows += [
        (area_labels[metric] % {"radius": radius}, row) for metric, row in followup.area.iterrows()
    ]
    for label, row in rows:
        out.append(
            {
                "label": label,
                "before": explain.number(_finite(row["before"])),
                "after": explain.number(_finite(row["after"])),
                "change": explain.number(_finite(row["change"])),
                "n_before": int(row["n_before"]),
                "n_after": int(row["n_after"]),
            }
        )
    return out


def _finite(value: float) -> float | None:
    return None if value != value else float(value)


def _place_name(fix: Fix) -> str:
    if fix.segment_id:
        return fix.segment.name
    return fix.green_area.name if fix.green_area_id else ""


def _wgs84(geoms: list, *, representative: bool = False) -> list:
    """Storage-CRS shapes in WGS 84 (lon, lat order, RFC 7946)."""
    series = gpd.GeoSeries(geoms, crs=settings.TRYGG_SRID)
    if representative:
        series = series.representative_point()
    return list(series.to_crs(4326).values)
