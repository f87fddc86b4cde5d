"""The presence page (/narvaro/, /en/presence/) and a team's list (printable, on the phone).

Coordinators see the resources of their municipality, add and remove them, and plan the week
(:func:`gis.presence.planning.plan_week`); EST partners' members and the other viewing roles
read the same page without the forms. A visit's place is shown on a map (the field pages'
MapLibre setup and basemap: walks/static/walks/fieldmap.js).
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from gis.core import tenancy
from gis.core.api.fields import to_wgs84
from gis.core.lazy import lazy_attribute
from gis.core.models import Municipality
from gis.core.pages import signed_in_with
from gis.presence import access
from gis.presence.forms import DAY_LABELS, ResourceForm, next_week, week_monday, week_of
from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource
from walks.views.pages import _map_settings, _street_bounds

# The planner loads the analysis libraries: on first use, not when the server boots.
plan_week = lazy_attribute("gis.presence.planning", "plan_week")


class ParameterError(ValueError):
    """A query parameter that cannot be read: its name and why."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param, self.message = param, message


def _bad_request(request: HttpRequest, error: ParameterError) -> HttpResponse:
    context = {"param": error.param, "message": error.message}
    return render(request, "dashboard/bad_request.html", context, status=400)


def presence_page(view):
    """Page decorator: anonymous users go to the login page, users who may not see presence
    work get 403, a parameter that cannot be read 400 naming it."""

    @signed_in_with(access.can_view)
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ParameterError as error:
            return _bad_request(request, error)

    return wrapper


def _municipality(request: HttpRequest) -> Municipality:
    """The municipality the `municipality` parameter names among the user's, else the first."""
    among = tenancy.municipalities(request.user)
    code = request.POST.get("municipality") or request.GET.get("municipality")
    found = among.filter(code=code).first() if code else among.first()
    if found is None:
        raise ParameterError("municipality", _("Unknown municipality."))
    return found


def _week(request: HttpRequest) -> str:
    week = request.POST.get("week") or request.GET.get("week") or next_week()
    try:
        week_monday(week)
    except ValueError as error:
        raise ParameterError("week", str(error)) from None
    return week


def _page_url(municipality: Municipality, week: str) -> str:
    query = urlencode({"municipality": municipality.code, "week": week})
    return f"{reverse('presence:page')}?{query}"


def days_label(resource: PresenceResource) -> str:
    """The shift's days in the active language ("Friday, Saturday")."""
    return ", ".join(str(DAY_LABELS[d]) for d in resource.weekdays)


def passes_midnight(resource: PresenceResource) -> bool:
    """Whether the shift ends on the next day."""
    return resource.shift_end <= resource.shift_start


def visit_feature(visit: PlannedVisit, number: int) -> dict:
    """A visit as a GeoJSON point (WGS 84) with what its popup shows, as text."""
    point = to_wgs84(visit.geom)
    start = timezone.localtime(visit.starts_at)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(point.x, 6), round(point.y, 6)]},
        "properties": {
            "n": number,
            "team": visit.team,
            "when": f"{start:%Y-%m-%d %H:%M}",
            "place": visit.place,
        },
    }


def map_config(municipality: Municipality, visits: list[PlannedVisit]) -> dict:
    """What the page's map needs: the basemap, the bounds, the visits as GeoJSON."""
    features = [visit_feature(v, k) for k, v in enumerate(visits, start=1)]
    return {
        "map": {**_map_settings(), "maxFitZoom": 16},
        "bounds": _street_bounds(municipality),
        "visits": {"type": "FeatureCollection", "features": features},
    }


def _teams(plan: PresencePlan | None) -> list[dict]:
    """The plan's visits by team, each team with its list's address."""
    if plan is None:
        return []
    visits = list(
        plan.visits.select_related("resource").order_by("resource__name", "team", "starts_at")
    )
    teams = []
    for (resource, team), rows in groupby(visits, key=lambda v: (v.resource, v.team)):
        names = resource.team_names()
        number = names.index(team) + 1 if team in names else None
        teams.append(
            {
                "name": team,
                "resource": resource,
                "visits": list(rows),
                "url": reverse("presence:team", args=[plan.week, resource.pk, number])
                if number
                else None,
            }
        )
    return teams


def _shift(week: str, weeks: int) -> str:
    """The ISO week `weeks` weeks after `week`."""
    return week_of(week_monday(week) + dt.timedelta(weeks=weeks))


def page_context(request: HttpRequest, municipality: Municipality, week: str, form=None) -> dict:
    """What the presence page shows for `municipality` and `week`."""
    monday = week_monday(week)
    resources = list(access.resources(request.user).filter(municipality=municipality))
    plan = PresencePlan.objects.filter(municipality=municipality, week=week).first()
    teams = _teams(plan)
    visits = [v for team in teams for v in team["visits"]]
    can_manage = access.can_manage(request.user)
    if form is None and can_manage:
        form = ResourceForm(municipality=municipality)
    return {
        "municipality": municipality,
        "municipalities": tenancy.municipalities(request.user),
        "week": week,
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "previous_week": _page_url(municipality, _shift(week, -1)),
        "next_week": _page_url(municipality, _shift(week, 1)),
        "resources": [
            {"resource": r, "days": days_label(r), "midnight": passes_midnight(r)}
            for r in resources
        ],
        "form": form if can_manage else None,
        "can_manage": can_manage,
        "can_plan": access.can_plan(request.user),
        "plan": plan,
        "teams": teams,
        "config": map_config(municipality, visits),
    }


@require_safe
@presence_page
def page(request: HttpRequest) -> HttpResponse:
    """The presence page: the week's resources, the forms (coordinators) and the plan."""
    municipality, week = _municipality(request), _week(request)
    return render(request, "presence/page.html", page_context(request, municipality, week))


@require_POST
@presence_page
def resource_add(request: HttpRequest) -> HttpResponse:
    """Add a resource (coordinator): back to the page, else the page with the form's errors
    (400)."""
    if not access.can_manage(request.user):
        raise PermissionDenied
    municipality, week = _municipality(request), _week(request)
    form = ResourceForm(request.POST, municipality=municipality)
    if not form.is_valid():
        context = page_context(request, municipality, week, form)
        return render(request, "presence/page.html", context, status=400)
    resource = form.save()
    messages.success(request, _("Added %(name)s.") % {"name": resource.name})
    return redirect(_page_url(municipality, week))


@require_POST
@presence_page
def resource_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a resource (coordinator) with its planned visits."""
    if not access.can_manage(request.user):
        raise PermissionDenied
    resource = get_object_or_404(access.resources(request.user), pk=pk)
    week = _week(request)
    name = resource.name
    resource.delete()
    messages.success(request, _("Removed %(name)s.") % {"name": name})
    return redirect(_page_url(resource.municipality, week))


@require_POST
@presence_page
def plan(request: HttpRequest) -> HttpResponse:
    """Plan the week (coordinator): :func:`gis.presence.planning.plan_week`, then the page."""
    if not access.can_plan(request.user):
        raise PermissionDenied
    municipality, week = _municipality(request), _week(request)
    seed = request.POST.get("seed") or "0"
    if not seed.isascii() or not seed.isdigit() or len(seed) > 9:
        raise ParameterError("seed", _("Give the seed as a whole number."))
    made = plan_week(municipality, week, seed=int(seed), user=request.user)
    count = made.visits.count()
    messages.success(
        request, _("The week %(week)s is planned: %(n)s visits.") % {"week": week, "n": count}
    )
    return redirect(_page_url(municipality, week) + "#plan")


@require_safe
@presence_page
def team(request: HttpRequest, week: str, resource: int, number: int) -> HttpResponse:
    """One team's visits of the week in order, by day, with a map; printable."""
    try:
        week_monday(week)
    except ValueError:
        raise Http404 from None
    found = get_object_or_404(access.resources(request.user), pk=resource)
    names = found.team_names()
    if not 1 <= number <= len(names):
        raise Http404
    name = names[number - 1]
    plan_ = PresencePlan.objects.filter(municipality=found.municipality, week=week).first()
    visits = (
        list(plan_.visits.filter(resource=found, team=name).order_by("starts_at")) if plan_ else []
    )
    days = [
        {"day": day, "visits": list(rows)}
        for day, rows in groupby(visits, key=lambda v: timezone.localtime(v.starts_at).date())
    ]
    context = {
        "resource": found,
        "team": name,
        "week": week,
        "days": days,
        "visits": visits,
        "back": _page_url(found.municipality, week),
        "config": map_config(found.municipality, visits),
    }
    return render(request, "presence/team.html", context)
