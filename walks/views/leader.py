"""Pages of walk leaders: create a walk (route drawn or uploaded), show its join code and QR code,
close it, and the printable summary with exports.

Leaders are staff in the walk_leader or coordinator group (or superusers); the summary and the
exports are open to every staff member who may view findings. Everyone works only with the walks
of the municipalities they work for (:mod:`gis.core.tenancy`); other walks answer 404.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from functools import wraps

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Avg, Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gis.core import tenancy
from gis.core.api.fields import to_storage, to_wgs84
from gis.core.geometry import validate_geometry
from gis.core.models import Municipality
from gis.core.textguard import TextInputFormMixin
from gis.core.vocabulary import WhenUnsafe
from layers.models import District
from walks import export, join_codes
from walks.models import SafetyWalk, WalkAudit, WalkFinding
from walks.routes import RouteError, parse_route
from walks.views.pages import _bounds, _map_settings, audit_parameters

LEADER_GROUPS = ("walk_leader", "coordinator")


def is_leader(user) -> bool:
    """Superusers and members of the walk_leader or coordinator group lead walks."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name__in=LEADER_GROUPS).exists()


def leader_required(view):
    """Log in first; then only walk leaders and coordinators (403 for other staff)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_leader(request.user):
            raise PermissionDenied(_("Only walk leaders and coordinators may do this."))
        return view(request, *args, **kwargs)

    return wrapper


def viewer_required(view):
    """Log in first; then staff who may view walk findings."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (is_leader(request.user) or request.user.has_perm("walks.view_walkfinding")):
            raise PermissionDenied(_("You may not view walk findings."))
        return view(request, *args, **kwargs)

    return wrapper


class WalkForm(TextInputFormMixin, forms.Form):
    """A new walk: where, when, and its planned route (drawn on the map or uploaded)."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=Municipality.objects.all()
    )
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=District.objects.all(), required=False
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    time_of_day = forms.ChoiceField(
        label=gettext_lazy("Time of day"), choices=WhenUnsafe.choices, initial="evening"
    )
    route_file = forms.FileField(
        label=gettext_lazy("Route file (GPX or GeoJSON)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".gpx,.geojson,.json"}),
    )
    route_drawn = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = tenancy.municipalities(user)
        self.fields["municipality"].queryset = municipalities
        self.fields["district"].queryset = tenancy.scope(District.objects.all(), user)
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()
            self.fields["municipality"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        municipality = data.get("municipality")
        district = data.get("district")
        if municipality and district and district.municipality_id != municipality.pk:
            self.add_error("district", _("The district belongs to another municipality."))
        upload = data.get("route_file")
        drawn = (data.get("route_drawn") or "").strip()
        route = None
        field = "route_file" if upload else "route_drawn"
        try:
            if upload:
                route = parse_route(upload.read(), upload.name)
            elif drawn:
                route = parse_route(drawn.encode("utf-8"), "drawn.geojson")
        except RouteError as error:
            self.add_error(field, str(error))
            return data
        if route is not None and municipality is not None:
            route = to_storage(route)
            try:
                validate_geometry(
                    route, field=field, allowed=("LineString",), boundary=municipality.boundary
                )
            except DjangoValidationError as error:
                for message in error.message_dict.get(field, []):
                    self.add_error(field, message)
                return data
        data["route"] = route
        return data


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return image.to_string(encoding="unicode")


def join_sheet(request: HttpRequest, walk: SafetyWalk) -> dict:
    """What a page shows to join the walk: ``joinable``, the walk app's ``join_url`` and its QR
    code as SVG (``qr_svg``); empty for a closed walk, whose code opens nothing any more."""
    joinable = join_codes.answers_code(walk)
    join_url = (
        request.build_absolute_uri(reverse("walks:app", args=[walk.join_code])) if joinable else ""
    )
    return {
        "joinable": joinable,
        "join_url": join_url,
        "qr_svg": _qr_svg(join_url) if joinable else "",
    }


def _walk(request: HttpRequest, code: str) -> SafetyWalk:
    """The walk with this join code in one of the user's municipalities, or 404 (a code is
    ASCII letters and digits: anything else, a NUL byte too, is no walk's)."""
    if not (code.isascii() and code.isalnum()):
        raise Http404
    walks = SafetyWalk.objects.select_related("district", "municipality")
    return get_object_or_404(tenancy.scope(walks, request.user), join_code=code.upper())


@leader_required
def walk_list(request: HttpRequest) -> HttpResponse:
    """The walks, newest first, with links to run them."""
    walks = SafetyWalk.objects.select_related("district").annotate(findings_count=Count("findings"))
    walks = tenancy.scope(walks, request.user)[:200]
    return render(request, "walks/leader_list.html", {"walks": walks})


@leader_required
def walk_create(request: HttpRequest) -> HttpResponse:
    """Create a walk; the route is drawn on the map or uploaded as GPX/GeoJSON. A form with
    errors comes back with HTTP 400, each error next to the field it names (`route_drawn`, the
    map's hidden field, shows its errors above the form)."""
    status = 200
    if request.method == "POST":
        form = WalkForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            walk = SafetyWalk.objects.create(
                municipality=data["municipality"],
                title=data["title"],
                district=data.get("district"),
                starts_at=data["starts_at"],
                time_of_day=data["time_of_day"],
                route=data.get("route"),
                leader=request.user,
            )
            return redirect("walks:manage", code=walk.join_code)
        status = 400  # the form comes back with its errors next to the fields they name
    else:
        form = WalkForm(
            initial={"starts_at": timezone.localtime().replace(second=0)}, user=request.user
        )
    municipality = tenancy.municipalities(request.user).first()
    districts = [
        {"id": d.pk, "name": d.name, "bounds": _bounds(d.geom), "geometry": _geojson(d.geom)}
        for d in tenancy.scope(District.objects.all(), request.user)
    ]
    config = {
        "bounds": _bounds(municipality.boundary) if municipality else None,
        "boundary": _geojson(municipality.boundary) if municipality else None,
        "districts": districts,
        "api": {"streets": reverse("walks_api:streets")},
        "map": _map_settings(),
        "strings": {
            "tapRoute": _("Tap points along the route on the map."),
        },
    }
    context = {"form": form, "config": config}
    return render(request, "walks/leader_create.html", context, status=status)


@leader_required
def walk_manage(request: HttpRequest, code: str) -> HttpResponse:
    """The walk's join code, link and QR code to show participants, and its state. A closed
    walk's code opens nothing any more (walks.join_codes), so its page shows no join sheet."""
    walk = _walk(request, code)
    context = {
        **join_sheet(request, walk),
        "walk": walk,
        "participants": walk.participants.count(),
        "findings": walk.findings.count(),
        "audits": walk.audits.count(),
        "stops": walk.stops.select_related("ticked_by").order_by("order"),
    }
    return render(request, "walks/leader_manage.html", context)


@require_POST
@leader_required
def walk_close(request: HttpRequest, code: str) -> HttpResponse:
    """Close the walk: no more findings; the summary is final."""
    walk = _walk(request, code)
    if walk.status != SafetyWalk.Status.CLOSED:
        walk.status = SafetyWalk.Status.CLOSED
        walk.ended_at = timezone.now()
        walk.save(update_fields=["status", "ended_at", "updated_at"])
    return redirect("walks:summary", code=walk.join_code)


@viewer_required
def walk_summary(request: HttpRequest, code: str) -> HttpResponse:
    """Findings by category with a map, the audits, print styles and export links."""
    walk = _walk(request, code)
    findings = list(
        WalkFinding.objects.filter(walk=walk)
        .select_related("category")
        .prefetch_related("photos")
        .order_by("category__order", "-severity", "observed_at")
    )
    groups: OrderedDict = OrderedDict()
    for finding in findings:
        groups.setdefault(finding.category, []).append(finding)
    audits = WalkAudit.objects.filter(walk=walk).order_by("observed_at")
    averages = audits.aggregate(**{name: Avg(name) for name in WalkAudit.PARAMETERS})
    parameters = [
        {**parameter, "average": averages[parameter["name"]]} for parameter in audit_parameters()
    ]
    features = [
        {
            "type": "Feature",
            "geometry": _geojson(finding.geom),
            "properties": {
                "category": finding.category.name,
                "colour": finding.category.colour,
                "severity": finding.severity,
                "note": finding.note,
            },
        }
        for finding in findings
    ]
    config = {
        "route": _geojson(walk.route) if walk.route else None,
        "findings": {"type": "FeatureCollection", "features": features},
        "bounds": _bounds(walk.route) or _bounds(walk.municipality.boundary),
        "map": _map_settings(),
        "api": {"streets": reverse("walks_api:streets")},
    }
    context = {
        "walk": walk,
        "groups": [
            {"category": category, "findings": items, "count": len(items)}
            for category, items in groups.items()
        ],
        "total": len(findings),
        "audits": audits,
        "parameters": parameters,
        "config": config,
        "is_leader": is_leader(request.user),
    }
    return render(request, "walks/summary.html", context)


def _geojson(geom) -> dict:
    return json.loads(to_wgs84(geom).json)


EXPORTS = {
    "geojson": (export.export_geojson, "application/geo+json"),
    "csv": (export.export_csv, "text/csv; charset=utf-8"),
    "gpkg": (export.export_gpkg, "application/geopackage+sqlite3"),
}


@viewer_required
def walk_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """Download the walk's findings as GeoJSON, CSV or GeoPackage."""
    walk = _walk(request, code)
    build, content_type = EXPORTS[fmt]
    response = HttpResponse(build(walk), content_type=content_type)
    stamp = walk.starts_at.strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="walk-{walk.join_code}-{stamp}.{fmt}"'
    return response
