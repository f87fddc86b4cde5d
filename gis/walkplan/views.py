"""Pages of walk planning: the leader's planning page, the printable A4 walk plan, and the public
results page of a closed walk.

The planning page is a map and a list driven by the planner's JSON API (gis.walkplan's
``/api/walkplans/`` proposes, ``/api/walks/<code>/plan/`` saves); this module gives it the walk,
its area and the saved plan. The printable plan and the results page are drawn on the server,
their map an SVG (:mod:`gis.walkplan.printmap`), so they print and work without a script.

Who may open them: the planning page walk leaders and coordinators (as the walk's own page);
the printable plan staff who may view walk findings; the results page everyone, for closed
walks only (any other walk answers 404, as an unknown code does). All walks are looked up within
the user's municipalities (gis.core.tenancy), except on the public results page.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gis.core import tenancy
from gis.core.vocabulary import WhenUnsafe
from gis.fixes.models import Fix
from gis.walkplan.printmap import walk_map
from layers.models import District
from walks import join_codes
from walks.models import ResidentPin, SafetyWalk, WalkFinding, WalkStop
from walks.views.leader import _geojson, _walk, join_sheet, leader_required, viewer_required
from walks.views.pages import _bounds, _map_settings, audit_parameters

#: Default inputs of a new plan (the issue: 90 minutes at 4 km/h).
DEFAULT_MINUTES = 90
DEFAULT_PACE_KMH = 4.0
#: The pace of an accessible walk (wheelchairs, walkers, people who walk slowly).
ACCESSIBLE_PACE_KMH = 2.5
#: How long a browser and a proxy keep the public results page (seconds): statuses are live,
#: so not long.
RESULTS_MAX_AGE = 300


def plan_strings() -> dict[str, str]:
    """Texts the planning page shows from JavaScript, in the active language."""
    return {
        "propose": _("Propose"),
        "planning": _("Planning the route…"),
        "planned": _("%(n)s stops, %(km)s km, about %(min)s minutes."),
        "saved": _("Saved as the walk's route and stops."),
        "saving": _("Saving…"),
        "failed": _("The plan could not be made: %(error)s"),
        "drop": _("Drop stop %(n)s"),
        "minutesFromStart": _("%(min)s min from the start"),
        "why": _("Why"),
        "lookAt": _("Look at"),
        "comments": _("Residents' comments"),
        "photo": _("Photo of the place from a resident's report"),
        "tapStart": _("Click the map where the walk starts."),
        "tapEnd": _("Click the map where the walk ends."),
        "tapAdd": _("Click the map where the stop should be."),
        "tapArea": _("Click the corners of the area; press “Area done” when finished."),
        "areaDone": _("Area done"),
        "areaNeedsMore": _("An area needs at least three corners."),
        "start": _("Start"),
        "end": _("End"),
        "none": _("No plan yet: press “Propose”."),
        "noStops": _("No stops were found for this area and time of day."),
        "unsaved": _("The plan has changes that are not saved."),
        "overBudget": _("The walk takes longer than the time budget."),
        "added": _("Added by the leader"),
        "notFound": _("No place of that name."),
    }


def _districts(user) -> list[dict]:
    return [
        {"id": d.pk, "name": d.name, "bounds": _bounds(d.geom), "geometry": _geojson(d.geom)}
        for d in tenancy.scope(District.objects.all(), user).order_by("name")
    ]


def _saved_stops(walk: SafetyWalk) -> list[dict]:
    """The walk's saved stops as the planning page draws a plan's, with the residents'
    published comments and photos of the report stops (the planner's saved plan)."""
    from gis.walkplan.planning import saved_plan_json

    return saved_plan_json(walk)["stops"]


@leader_required
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    """Plan the walk's route: area, time, budget, pace, start and end; the proposed route and
    stops on the map and in a list; drop and add stops, move the start; save."""
    walk = _walk(request, code)
    inputs = dict(walk.plan or {})
    inputs.setdefault("district", walk.district_id)
    inputs.setdefault("minutes", DEFAULT_MINUTES)
    inputs.setdefault("time_of_day", walk.time_of_day)
    inputs.setdefault("pace_kmh", DEFAULT_PACE_KMH)
    config = {
        "code": walk.join_code,
        "municipality": walk.municipality.code,
        "inputs": inputs,
        "saved": {
            "route": _geojson(walk.route) if walk.route else None,
            "stops": _saved_stops(walk),
        },
        "districts": _districts(request.user),
        "bounds": _bounds(walk.district.geom if walk.district else None)
        or _bounds(walk.route)
        or _bounds(walk.municipality.boundary),
        "api": {
            "plan": reverse("walkplan_api:walkplans"),
            "save": reverse("walkplan_api:walk-plan", args=[walk.join_code]),
            "places": reverse("walks_api:places"),
            "streets": reverse("walks_api:streets"),
        },
        "accessiblePace": ACCESSIBLE_PACE_KMH,
        "map": _map_settings(),
        "strings": plan_strings(),
    }
    context = {
        "walk": walk,
        "config": config,
        "districts": config["districts"],
        "times": WhenUnsafe.choices,
        "inputs": inputs,
        "accessible_pace": ACCESSIBLE_PACE_KMH,
    }
    return render(request, "walkplan/plan.html", context)


@viewer_required
def print_page(request: HttpRequest, code: str) -> HttpResponse:
    """The walk plan on A4 for participants without a smartphone: the map with the numbered
    stops, each stop with why and what to look at, the audit sheet, and a QR code to join."""
    walk = _walk(request, code)
    stops = list(walk.stops.order_by("order"))
    comments = {row["order"]: row["comments"] for row in _saved_stops(walk)}
    for stop in stops:
        stop.comments = comments.get(stop.order, [])
    context = {
        **join_sheet(request, walk),
        "walk": walk,
        "stops": stops,
        "map": walk_map(walk, stops),
        "parameters": audit_parameters(),
        "scores": range(4),
        "minutes": (walk.plan or {}).get("minutes"),
        "meeting_point": _meeting_point(walk, stops),
    }
    return render(request, "walkplan/print.html", context)


def _meeting_point(walk: SafetyWalk, stops: list[WalkStop]) -> str:
    """Where the walk starts, in words: the name of the place at the route's first point."""
    from layers.naming import names_at

    if walk.route is None:
        return ""
    first = walk.route.coords[0]
    return names_at(walk.municipality_id, [first])[0]


def _place_names(walk: SafetyWalk, geoms) -> list[str]:
    from layers.naming import names_at

    points = [(g.point_on_surface.x, g.point_on_surface.y) for g in geoms]
    return names_at(walk.municipality_id, points) if points else []


@require_safe
def results_page(request: HttpRequest, code: str) -> HttpResponse:
    """What a closed walk found and what became of it, for everyone: the findings (category,
    severity, when, place: never a participant's name or note), the stops with the live status
    of the residents' reports among them, and the fixes made from them with their status."""
    if not (code.isascii() and code.isalnum()):
        raise Http404
    walks = SafetyWalk.objects.select_related("district", "municipality")
    walk = join_codes.walk_by_code(code, walks, public_results=True)
    if walk.status != SafetyWalk.Status.CLOSED:
        raise Http404("The walk is not closed; its results are not published yet.")
    findings = list(
        WalkFinding.objects.filter(walk=walk)
        .select_related("category")
        .order_by("category__order", "-severity", "observed_at")
    )
    finding_places = _place_names(walk, [f.geom for f in findings])
    stops = list(walk.stops.order_by("order"))
    pin_ids = [s.ref_id for s in stops if s.kind == WalkStop.Kind.PIN and s.ref_id]
    pins = {p.pk: p for p in ResidentPin.objects.filter(pk__in=pin_ids).select_related("category")}
    fix_ids = [s.ref_id for s in stops if s.kind == WalkStop.Kind.FIX and s.ref_id]
    fixes = list(
        Fix.objects.filter(municipality=walk.municipality)
        .filter(Q(pins__in=pin_ids) | Q(pk__in=fix_ids))
        .distinct()
        .order_by("rank", "pk")
    )
    stop_rows = []
    for stop in stops:
        pin = pins.get(stop.ref_id) if stop.kind == WalkStop.Kind.PIN else None
        stop_rows.append({"stop": stop, "pin": pin})
    context = {
        "walk": walk,
        "findings": [
            {"finding": f, "place": place}
            for f, place in zip(findings, finding_places, strict=True)
        ],
        "stops": stop_rows,
        "fixes": fixes,
        "map": walk_map(walk, stops),
    }
    response = render(request, "walkplan/results.html", context)
    patch_cache_control(response, public=True, max_age=RESULTS_MAX_AGE)
    return response
