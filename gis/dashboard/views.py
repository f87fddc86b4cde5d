"""Dashboard pages: the map, the situation picture with its downloads, and the login page."""

from __future__ import annotations

import json
import math

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from gis.core import conf as core_conf
from gis.core import tenancy
from gis.core.lazy import lazy_attribute
from gis.core.partners import Partner
from gis.core.vocabulary import Department, WhenUnsafe
from gis.dashboard import (
    charts,
    conf,
    incidents,
    queries,
    situation_presence,
    situation_timeprofile,
)
from gis.dashboard.access import (
    can_see_contacts,
    can_triage,
    fix_departments,
    staff_page,
    user_municipality,
)
from gis.dashboard.filters import NO_PARTNER, SOURCES, FilterError, Filters, parse_filters
from gis.dashboard.situation import (
    cached_situation,
    hot_frames,
    hotspot_label,
    map_layers,
    period_days,
    period_reports,
    source_labels,
    to_csv,
    to_geojson,
)
from gis.fixes.models import Fix
from gis.login_limits import LOGIN_LIMITED
from gis.redirects import safe_next
from layers import views as basemap_views
from layers.models import District
from walks.models import Category, ResidentPin

Transformer = lazy_attribute("pyproj", "Transformer")


class LoginView(auth_views.LoginView):
    """The staff login page (Swedish / English).

    A signed-in user is sent on to `next` or the dashboard map; `next` is followed only when it
    is safe and not a login or logout page (gis.redirects), so no target loops. A login refused
    by the per-account limit (gis.login_limits) shows the usual error and a hint to wait.
    """

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        target = self.request.POST.get(
            self.redirect_field_name, self.request.GET.get(self.redirect_field_name)
        )
        return safe_next(self.request, target)

    def form_invalid(self, form):
        wait = getattr(self.request, LOGIN_LIMITED, None)
        if wait is None:
            return super().form_invalid(form)
        minutes = max(1, math.ceil(wait / 60))
        message = ngettext(
            "Too many failed logins for this username. Try again in %(n)d minute.",
            "Too many failed logins for this username. Try again in %(n)d minutes.",
            minutes,
        ) % {"n": minutes}
        return self.render_to_response(self.get_context_data(form=form, login_limited=message))


class LogoutView(auth_views.LogoutView):
    """Log out (POST) and go to `next` when it is safe (gis.redirects), else the login page."""

    next_page = "login"

    def get_redirect_url(self) -> str:
        target = self.request.POST.get(
            self.redirect_field_name, self.request.GET.get(self.redirect_field_name)
        )
        return safe_next(self.request, target)


def _months(first, last) -> list[str]:
    """Month keys "YYYY-MM" from the month of `first` to the month of `last`."""
    first, last = timezone.localtime(first), timezone.localtime(last)
    year, month, out = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _js_strings() -> dict[str, str]:
    return {
        "loading": _("Loading…"),
        "error": _("Could not load the data."),
        "badFilter": _("A filter could not be read:"),
        "noReports": _("No report passes the filters."),
        "reports": _("reports"),
        "total": _("Reports"),
        "from": _("From"),
        "to": _("To"),
        "close": _("Close"),
        "save": _("Save"),
        "saved": _("Saved."),
        "zoomTo": _("Show on map"),
        "status": _("Status"),
        "category": _("Category"),
        "severity": _("Severity"),
        "when": _("When unsafe"),
        "description": _("Description"),
        "note": _("Note"),
        "answer": _("Answer to the resident"),
        "fixAnswer": _("Answer to residents"),
        "linkedFix": _("Linked fix"),
        "noFix": _("No fix"),
        "reported": _("Reported"),
        "observed": _("Observed"),
        "occurred": _("Occurred"),
        "votes": _("Supporting votes"),
        "district": _("District"),
        "routedTo": _("Routed to"),
        "property": _("Municipal property"),
        "photos": _("Photos"),
        "history": _("History"),
        "contact": _("Contact details"),
        "walk": _("Safety walk"),
        "author": _("Reported by"),
        "triage": _("Triage"),
        "changeStatus": _("Change status"),
        "rank": _("Rank"),
        "score": _("Score"),
        "costClass": _("Cost class"),
        "why": _("Why it ranks here"),
        "department": _("Department"),
        "linkedPins": _("Linked resident pins"),
        "doneAt": _("Done"),
        "type": _("Type"),
        "lux": _("Illuminance"),
        "measured": _("Measured"),
        "operator": _("Operator"),
        "permit": _("Permit"),
        "range": _("Range"),
        "height": _("Height"),
        "blocksSightline": _("Blocks the sightline"),
        "yes": _("yes"),
        "no": _("no"),
        "length": _("Length"),
        "segmentId": _("Segment id"),
        "lit": _("Lighting"),
        "findings": _("Findings"),
        "timeOfDay": _("Time of day"),
        "checked": _("Status checked"),
        "fixesShown": _("{shown} of {total} fixes"),
        "noFixes": _("No fixes for this selection."),
        "hotCells": _("Gi* cells: {n}"),
        "forbidden": _("Your role may not do this."),
        "by": _("by"),
        "sources": json.dumps(source_labels()),
        "walkSource": _("Safety-walk finding"),
        "residentSource": _("Resident pin"),
        "incidentSource": _("Incident"),
        "lampSource": _("Street lamp"),
        "luxSource": _("Lux reading"),
        "cameraSource": _("Camera"),
        "vegetationSource": _("Vegetation"),
        "streetSource": _("Street segment"),
        "routeSource": _("Walk route"),
        "fixSource": _("Fix"),
        "fixPage": _("Open the fix's page"),
        "scheduledFor": _("Scheduled for (when scheduling)"),
        "layer_pins": _("Resident pins"),
        "layer_findings": _("Safety-walk findings"),
        "layer_incidents": _("Incidents"),
        "layer_routes": _("Walk routes"),
        "layer_heat": _("Heat map"),
        "layer_hotspots": _("Hot spots (Gi*)"),
        "layer_stored": _("Stored hot-spot analysis"),
        "layer_fixes": _("Ranked fixes"),
        "layer_lamps": _("Street lamps"),
        "layer_lux": _("Lux readings"),
        "layer_lighting": _("Lit and unlit streets"),
        "layer_vegetation": _("Vegetation"),
        "layer_cameras": _("Cameras and viewsheds"),
        "layer_districts": _("Districts"),
        "layer_properties": _("Municipal properties"),
        "propertyReports": _("Reports routed here"),
        "propertyIncidents": _("Incidents here"),
        "layer_streets": _("Street network (basemap)"),
        "legendOpen": _("Open (received, triaged)"),
        "legendActed": _("Measure planned or fixed"),
        "legendClosed": _("Answered or closed"),
        "legendCategoryColour": _("Colour by category, as for the pins."),
        "legendCluster": _(
            "Zoomed out, nearby pins, findings and incidents form one circle: size by their "
            "number, colour by their most frequent category. Click it to zoom in."
        ),
        "legendIncident": _("Incident, coloured by category"),
        "legendRoute": _("Route of a safety walk"),
        "legendFix": _("Fix and its rank"),
        "hot3": _("Hot spot, confidence 99 %"),
        "hot2": _("Hot spot, confidence 95 %"),
        "hot1": _("Hot spot, confidence 90 %"),
        "hot-1": _("Cold spot, confidence 90 %"),
        "hot-2": _("Cold spot, confidence 95 %"),
        "hot-3": _("Cold spot, confidence 99 %"),
        "storedNone": _("No stored hot-spot analysis yet."),
        "storedRun": _("Analysis run of"),
        "lampWorking": _("Working"),
        "lampBroken": _("Broken"),
        "lampUnknown": _("Status unknown"),
        "segLit": _("Lit"),
        "segUnlit": _("Unlit or partly lit"),
        "vegetation": _("Trees, scrub, hedges"),
        "viewshed": _("Viewshed"),
        "basemapExternal": _("Tiles from the configured basemap server."),
        "basemapStreets": _(
            "The basemap is made from the loaded OpenStreetMap extract: buildings, water, "
            "parks, streets and their names."
        ),
        "perKm2": _("reports per km²"),
        "heatParams": _("Kernel density, quartic kernel, radius {h} m."),
        "copyLink": _("Copy this link:"),
        "copied": _("Link copied"),
        **situation_timeprofile.js_texts(),
    }


def partner_choices(municipality) -> list[dict]:
    """The `partner` filter's choices: the municipality's own reports, then each partner."""
    return [
        {"code": NO_PARTNER, "label": _("The municipality's own")},
        *(
            {"code": str(p.pk), "label": p.name}
            for p in Partner.objects.filter(municipality=municipality).order_by("name")
        ),
    ]


@staff_page
def map_page(request: HttpRequest) -> HttpResponse:
    """The full-screen map with filters, counts, layers and legend, and the ranked fixes."""
    try:
        municipality = user_municipality(request.GET, request.user)
    except FilterError as error:
        return _bad_request(request, error)
    first, last = queries.data_range(municipality.pk)
    now = timezone.now()
    area = queries.municipality_area(municipality.pk)
    to_wgs84 = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True)
    bounds = [round(v, 6) for v in to_wgs84.transform_bounds(*area.extent, densify_pts=11)]
    departments = fix_departments(request.user)
    api = "/api/dashboard/"
    config = {
        "lang": get_language(),
        "municipality": municipality.code,
        "municipalities": [
            {"code": m.code, "name": m.name} for m in tenancy.municipalities(request.user)
        ],
        "api": {
            "tile": api + "tiles/{layer}/{z}/{x}/{y}.pbf",
            "counts": reverse("dashboard-api:counts"),
            "heatmap": reverse("dashboard-api:heatmap"),
            "hotspots": reverse("dashboard-api:hotspots"),
            "districts": reverse("dashboard-api:districts"),
            "properties": reverse("dashboard-api:properties"),
            "routes": reverse("dashboard-api:routes"),
            "fixes": reverse("dashboard-api:fixes"),
            "fix": api + "fixes/{id}/",
            "feature": api + "features/{source}/{id}/",
            "triage": api + "pins/{id}/triage/",
            "situation": reverse("dashboard:situation"),
            "timeProfile": reverse("dashboard-api:time-profile"),
        },
        "basemap": core_conf.setting("TRYGG_BASEMAP_URL"),
        "basemapAttribution": core_conf.setting("TRYGG_BASEMAP_ATTRIBUTION"),
        # The basemap's style (layers.basemap_style), composed under the data layers.
        "basemapStyle": basemap_views.style_for(request),
        "bounds": bounds,
        "months": _months(first or now, max(last or now, now)),
        "categories": [
            {"code": c.code, "name": c.name, "colour": c.colour} for c in Category.objects.all()
        ],
        "statuses": [{"code": c, "label": str(label)} for c, label in ResidentPin.Status.choices],
        "times": [{"code": c, "label": str(label)} for c, label in WhenUnsafe.choices],
        "sources": [{"code": s, "label": source_labels()[s]} for s in SOURCES],
        "districts": [
            {"id": d.pk, "name": d.name} for d in District.objects.filter(municipality=municipality)
        ],
        "partners": partner_choices(municipality),
        "departments": [{"code": c, "label": str(label)} for c, label in Department.choices],
        "fixStatuses": [{"code": c, "label": str(label)} for c, label in Fix.Status.choices],
        "permissions": {
            "triage": can_triage(request.user),
            "contacts": can_see_contacts(request.user),
            "fixDepartments": None if departments is None else sorted(departments),
        },
        "t": _js_strings(),
        "csrf": get_token(request),
    }
    return render(request, "dashboard/map.html", {"config": config, "municipality": municipality})


def _bad_request(request: HttpRequest, error: FilterError, *, json_body: bool = False):
    if json_body:
        return JsonResponse({error.param: [error.message]}, status=400)
    return render(
        request,
        "dashboard/bad_request.html",
        {"param": error.param, "message": error.message},
        status=400,
    )


def _situation_filters(request: HttpRequest) -> Filters:
    municipality = user_municipality(request.GET, request.user)
    return parse_filters(request.GET, municipality=municipality, default_days=period_days())


def _delta(row) -> dict:
    pct = row.change_pct
    return {
        "row": row,
        "sign": "up" if row.change > 0 else "down" if row.change < 0 else "same",
        "pct": None if pct is None else round(pct),
    }


def _hot_summary(status: str, frame) -> dict:
    strongest = frame.sort_values("z", ascending=False).head(1)
    return {
        "status": status,
        "label": hotspot_label(status),
        "cells": len(frame),
        "top_count": int(strongest["value"].iloc[0]) if len(strongest) else None,
        "top_place": strongest["place"].iloc[0] if len(strongest) else "",
        "top_z": float(strongest["z"].iloc[0]) if len(strongest) else None,
    }


@staff_page
def situation_page(request: HttpRequest) -> HttpResponse:
    """The situation picture (lägesbild) as a printable page."""
    try:
        filters = _situation_filters(request)
    except FilterError as error:
        return _bad_request(request, error)
    situation = cached_situation(filters)
    this_period, previous_period = _("This period"), _("Previous period")
    shown = [r for r in situation.by_category if r.current or r.previous]
    category_chart = charts.comparison_chart(
        [r.label for r in shown],
        [r.current for r in shown],
        [r.previous for r in shown],
        current_label=this_period,
        previous_label=previous_period,
        title=_("Reports by category"),
        colours=[r.colour for r in shown],
    )
    source_chart = charts.comparison_chart(
        [r.label for r in situation.by_source],
        [r.current for r in situation.by_source],
        [r.previous for r in situation.by_source],
        current_label=this_period,
        previous_label=previous_period,
        title=_("Reports by source"),
    )
    followups = []
    for follow in situation.completed:
        metrics = [
            (_("Reports per month"), follow.before_per_month, follow.after_per_month),
            (
                _("Evening and night reports per month"),
                follow.night_before_per_month,
                follow.night_after_per_month,
            ),
        ]
        chart = charts.comparison_chart(
            [label for label, _b, _a in metrics],
            [a or 0.0 for _l, _b, a in metrics],
            [b or 0.0 for _l, b, _a in metrics],
            current_label=_("After"),
            previous_label=_("Before"),
            title=follow.fix.headline,
        )
        followups.append({"follow": follow, "chart": charts.data_uri(chart)})
    query = filters.query_string()
    departments = dict(Department.choices)
    context = {
        "situation": situation,
        "query": query,
        "total": _delta(situation.total),
        "by_category": [_delta(r) for r in situation.by_category],
        "by_source": [_delta(r) for r in situation.by_source],
        "by_partner": [_delta(r) for r in situation.by_partner],
        "category_chart": charts.data_uri(category_chart),
        "source_chart": charts.data_uri(source_chart),
        "hotspots": [_hot_summary(s, frame) for s, frame in hot_frames(situation)],
        "top_fixes": [
            {"department": departments.get(d, d), "fixes": fixes}
            for d, fixes in situation.top_fixes.items()
        ],
        "followups": followups,
        "by_property": situation.by_property,
        "districts": District.objects.filter(municipality=situation.municipality),
        "partners": partner_choices(situation.municipality)
        if Partner.objects.filter(municipality=situation.municipality).exists()
        else [],
        "period_days": period_days(),
        "incidents_listed": incidents.LISTED,
        "from_value": timezone.localtime(situation.start).date().isoformat(),
        "to_value": timezone.localtime(situation.last_day).date().isoformat(),
        "cell_size": f"{conf.number('TRYGG_HOTSPOT_CELL_M'):g}",
        "distance": f"{conf.number('TRYGG_HOTSPOT_DISTANCE_M'):g}",
        "time_profile": situation_timeprofile.section(situation),
    }
    context["situation_presence"] = situation_presence.presence_section(situation)
    return render(request, "dashboard/situation.html", context)


def _file_name(situation) -> str:
    start = timezone.localtime(situation.start)
    last = timezone.localtime(situation.last_day)
    return f"lagesbild-{start:%Y%m%d}-{last:%Y%m%d}"


@staff_page
def situation_csv(request: HttpRequest) -> HttpResponse:
    """The situation picture as CSV."""
    try:
        filters = _situation_filters(request)
    except FilterError as error:
        return _bad_request(request, error, json_body=True)
    situation = cached_situation(filters)
    response = HttpResponse(to_csv(situation), content_type="text/csv; charset=utf-8")
    name = _file_name(situation)
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@staff_page
def situation_geojson(request: HttpRequest) -> HttpResponse:
    """The situation picture's hot spots, fixes and reports as GeoJSON (WGS 84)."""
    try:
        filters = _situation_filters(request)
    except FilterError as error:
        return _bad_request(request, error, json_body=True)
    situation = cached_situation(filters)
    data = to_geojson(situation, period_reports(filters))
    response = HttpResponse(json.dumps(data), content_type="application/geo+json")
    name = _file_name(situation)
    response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
    return response


@staff_page
def situation_map(request: HttpRequest) -> HttpResponse:
    """The situation picture's map image (PNG)."""
    try:
        filters = _situation_filters(request)
    except FilterError as error:
        return _bad_request(request, error, json_body=True)
    situation = cached_situation(filters)
    start = timezone.localtime(situation.start).date()
    end = timezone.localtime(situation.last_day).date()
    place = situation.district.name if situation.district else situation.municipality.name
    png = charts.map_png(
        map_layers(situation),
        title=f"{place}: {start:%Y-%m-%d} – {end:%Y-%m-%d}",
        legend={
            "reports": _("Report in the period"),
            "new": hotspot_label("new"),
            "persisting": hotspot_label("persisting"),
            "ended": hotspot_label("ended"),
            "fix": _("Top fix (rank)"),
            "scale": _("{m} m"),
        },
    )
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response
