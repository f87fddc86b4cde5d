"""Public pages: the phone app of a safety walk, its service worker, the resident report form
and the tracking page of a report."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon
from django.contrib.staticfiles import finders
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gis.core import conf
from gis.core.api.fields import to_wgs84
from gis.core.models import Municipality
from gis.core.vocabulary import ParticipantRole, WhenUnsafe
from layers.models import StreetSegment
from walks import join_codes
from walks.models import Category, ResidentPin, SafetyWalk, WalkAudit
from walks.public_results import other_results_of_pin
from walks.serializers import pin_history
from walks.views.stops import results_of_pin

STATIC_SHELL = (
    "trygg/base.css",
    "vendor/maplibre-gl/maplibre-gl.css",
    "vendor/maplibre-gl/maplibre-gl.js",
    "walks/field.css",
    "walks/fieldmap.js",
    "walks/outbox.js",
    "walks/walk.js",
)


def static_version(paths: tuple[str, ...]) -> str:
    """A hash of static files (an app shell): a new version makes phones fetch the new shell."""
    digest = hashlib.sha256()
    for path in paths:
        found = finders.find(path)
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def shell_version() -> str:
    """The version of the walk app's shell (:func:`static_version`)."""
    return static_version(STATIC_SHELL)


def _categories() -> list[dict]:
    return [
        {"code": c.code, "name": c.name, "colour": c.colour, "radius": c.duplicate_radius_m}
        for c in Category.objects.all()
    ]


def basemap_style_url() -> str | None:
    """The URL of Trygg's own basemap style (MapLibre style v8), None where it is not served."""
    try:
        return reverse("basemap-style")
    except NoReverseMatch:
        return None


def basemap_prefixes() -> list[str]:
    """The URL paths of the basemap (its style and tiles) the service worker answers offline."""
    style = basemap_style_url()
    return [style.rsplit("/", 1)[0] + "/"] if style else []


def _map_settings() -> dict:
    """What the field maps need to draw the basemap: its style (self-hosted vector tiles; the
    raster override TRYGG_BASEMAP_URL is inside it), else the raster override alone."""
    return {
        "style": basemap_style_url(),
        "basemap": conf.setting("TRYGG_BASEMAP_URL"),
        "basemapAttribution": conf.setting("TRYGG_BASEMAP_ATTRIBUTION"),
    }


def _bounds(geom) -> list[list[float]] | None:
    """[[west, south], [east, north]] in WGS 84 degrees, for MapLibre's fitBounds."""
    if geom is None:
        return None
    west, south, east, north = to_wgs84(geom).extent
    return [[west, south], [east, north]]


def audit_parameters() -> list[dict]:
    """The nine audit parameters with their question, in the active language."""
    questions = {
        "lighting": _("Lighting: can you see well, and see a face 25 m away?"),
        "openness": _("Openness: can you see what is ahead and around you?"),
        "visibility": _("Visibility: can others see you (windows, passers-by)?"),
        "people": _("People: are there people around?"),
        "security": _("Security: is help close (a phone, a shop, a guard)?"),
        "walk_path": _("Walk path: is the path even, clear and easy to follow?"),
        "public_transport": _("Public transport: is a stop near and pleasant to wait at?"),
        "diversity": _("Diversity: are women, men, young and old using the place?"),
        "feeling": _("Feeling: how safe does the place feel overall?"),
    }
    names = {field.name: field.verbose_name for field in WalkAudit._meta.fields}
    return [
        {"name": name, "label": str(names[name]).capitalize(), "question": questions[name]}
        for name in WalkAudit.PARAMETERS
    ]


def walk_strings() -> dict[str, str]:
    """Texts the walk app shows from JavaScript, in the active language."""
    return {
        "queued": _("queued"),
        "saved": _("saved"),
        "rejected": _("not accepted"),
        "sending": _("sending"),
        "online": _("Online"),
        "offline": _("Offline: kept on this phone"),
        "tapPoint": _("Tap the map where it is."),
        "tapLine": _("Tap points along the path, then press Done."),
        "tapArea": _("Tap the corners of the area, then press Done."),
        "needMore": _("Add more points first."),
        "noGps": _("No GPS position yet. Allow location or tap the map."),
        "gpsAccuracy": _("GPS accuracy ± %(m)s m"),
        "pickCategory": _("Pick a category."),
        "pickSeverity": _("Pick a severity."),
        "savedLocally": _("Saved on this phone."),
        "closed": _("This walk is closed; nothing more can be added."),
        "finding": _("Finding"),
        "audit": _("Audit"),
        "photos": _("photos"),
        "point": _("Point"),
        "line": _("Stretch of path"),
        "area": _("Area"),
        "photoLocation": _("The photo has a GPS position. Use it as the location?"),
        "useIt": _("Use it"),
        "auditMissing": _("Rate all nine parameters."),
        "stopTick": _("We have been here"),
        "stopTicked": _("Visited"),
        "stopUntick": _("Undo"),
        "stopWhy": _("Why"),
        "stopLookAt": _("Look at"),
    }


@never_cache
def walk_app(request: HttpRequest, code: str) -> HttpResponse:
    """The phone app of a walk: role, map with route and streets, findings, audits, queue.
    Only while the walk is open: a closed walk's join link answers 410 with a page saying the
    walk is closed and takes no one any more (no app, no join form); an unknown code is 404."""
    closed = SafetyWalk.objects.filter(join_code=code.upper()).first()
    if closed is not None and not join_codes.answers_code(closed):
        return render(request, "walks/walk_closed.html", {"title": closed.title}, status=410)
    walk = join_codes.walk_by_code(code, SafetyWalk.objects.select_related("district"))
    code = walk.join_code
    config = {
        "code": code,
        "status": walk.status,
        "timeOfDay": walk.time_of_day,
        "bounds": _bounds(walk.route)
        or _bounds(walk.district.geom if walk.district else None)
        or _bounds(walk.municipality.boundary),
        "api": {
            "walk": reverse("walks_api:walk-detail", args=[code]),
            "streets": reverse("walks_api:walk-streets", args=[code]),
            "join": reverse("walks_api:walk-join", args=[code]),
            "findings": reverse("walks_api:finding-list", args=[code]),
            "audits": reverse("walks_api:audit-list", args=[code]),
            "photoLocation": reverse("walks_api:photo-location"),
            "stops": reverse("walks_api:walk-stops", args=[code]),
        },
        "sw": reverse("walks:sw"),
        "page": request.path,
        "parameters": list(WalkAudit.PARAMETERS),
        "map": _map_settings(),
        "strings": walk_strings(),
    }
    context = {
        "walk": walk,
        "config": config,
        "categories": _categories(),
        "roles": ParticipantRole.choices,
        "whens": WhenUnsafe.choices,
        "parameters": audit_parameters(),
        "scores": [(0, _("poor")), (1, "1"), (2, "2"), (3, _("good"))],
    }
    return render(request, "walks/walk_app.html", context)


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker of the walk app: caches the app shell, MapLibre and the walk's data,
    and answers the basemap the page cached, so that the app opens and shows the map without a
    connection."""
    return render_service_worker(
        request,
        cache="trygg-walk",
        version=shell_version(),
        shell=STATIC_SHELL,
        api_prefixes=["/api/walks/", "/api/categories/"],
    )


def render_service_worker(
    request: HttpRequest, *, cache: str, version: str, shell: tuple[str, ...], api_prefixes: list
) -> HttpResponse:
    """A page's service worker (walks/sw.js): `shell` (static paths) cached at install in its
    own caches named from `cache`, pages and `api_prefixes` answered from the network else the
    cache, the basemap the page cached; its scope is the folder of its address."""
    context = {
        "cache": cache,
        "version": version,
        "shell": json.dumps([static(path) for path in shell]),
        "static_prefix": json.dumps(settings.STATIC_URL),
        "api_prefixes": json.dumps(api_prefixes),
        "basemap_prefixes": json.dumps(basemap_prefixes()),
    }
    response = render(
        request, "walks/sw.js", context, content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = request.path.rsplit("/", 1)[0] + "/"
    return response


#: The zoom the report map opens at, at least: streets, paths and their names are drawn.
REPORT_MIN_ZOOM = 15


def served_municipality(request: HttpRequest) -> Municipality | None:
    """The municipality the report form serves: the one `?municipality=CODE` names, else the
    one with the most street segments (the installation's own; others may be loaded for
    comparison)."""
    code = request.GET.get("municipality", "")
    if code:
        found = Municipality.objects.filter(code=code).first()
        if found is not None:
            return found
    return (
        Municipality.objects.annotate(segments=Count("streetsegment"))
        .order_by("-segments", "pk")
        .first()
    )


def _street_bounds(municipality: Municipality) -> list[list[float]] | None:
    """The bounds of the municipality's street network (where reports can be), else of its
    boundary."""
    extent = StreetSegment.objects.filter(municipality=municipality).aggregate(e=Extent("geom"))
    if extent["e"] is None:
        return _bounds(municipality.boundary)
    box = Polygon.from_bbox(extent["e"])
    box.srid = settings.TRYGG_SRID
    return _bounds(box)


def report_strings() -> dict[str, str]:
    """Texts the report form shows from JavaScript, in the active language."""
    return {
        "placeFirst": _("First mark the place on the map."),
        "pickCategory": _("Pick what makes the place feel unsafe."),
        "pickWhen": _("Pick when it feels unsafe."),
        "describe": _("Write a few words about why."),
        "noGps": _("Your position is not available. Tap the map instead."),
        "sending": _("Sending…"),
        "offline": _("No connection. Your report is kept here; press Send again when online."),
        "nearbyTitle": _("Already reported nearby?"),
        "nearbyHelp": _("If one of these is your place, add your voice instead of a new report."),
        "addVoice": _("Add your voice"),
        "voted": _("Thank you! Your voice was added."),
        "votes": _("supporting votes"),
        "distance": _("%(m)s m away"),
        "photoLocation": _("The photo has a GPS position. Use it as the place?"),
        "useIt": _("Use it"),
        "error": _("Something went wrong. Please try again."),
        "suggestions": _("%(n)s streets found; choose one with the arrow keys and Enter."),
        "noStreet": _("No street of that name here."),
    }


@never_cache
def report(request: HttpRequest) -> HttpResponse:
    """The public report form: place, category, when, why, optional photo and contact."""
    municipality = served_municipality(request)
    config = {
        "bounds": _street_bounds(municipality) if municipality else None,
        "municipality": municipality.code if municipality else "",
        "api": {
            "places": reverse("walks_api:places"),
            "pins": reverse("walks_api:pin-list"),
            "nearby": reverse("walks_api:pin-nearby"),
            "vote": reverse("walks_api:pin-votes", args=[0]),
            "streets": reverse("walks_api:streets"),
            "photoLocation": reverse("walks_api:photo-location"),
        },
        "map": {**_map_settings(), "minFitZoom": REPORT_MIN_ZOOM},
        "strings": report_strings(),
    }
    context = {
        "config": config,
        "categories": _categories(),
        "whens": WhenUnsafe.choices,
        "retention_days": conf.setting("TRYGG_PERSONAL_DATA_RETENTION_DAYS"),
    }
    return render(request, "walks/report.html", context)


TRACK_STEPS = (
    ResidentPin.Status.RECEIVED,
    ResidentPin.Status.TRIAGED,
    ResidentPin.Status.MEASURE_PLANNED,
    ResidentPin.Status.FIXED,
    ResidentPin.Status.FEEDBACK_GIVEN,
)


@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    """A report's tracking page: where it is in triage → measure → fixed → feedback, its
    history and the municipality's answer."""
    pin = get_object_or_404(
        ResidentPin.objects.select_related("category").prefetch_related("photos", "history"),
        tracking_token=token,
    )
    reached = [step.value for step in TRACK_STEPS]
    current = reached.index(pin.status) if pin.status in reached else None
    steps = [
        {"label": step.label, "done": current is not None and i <= current, "current": i == current}
        for i, step in enumerate(TRACK_STEPS)
    ]
    context = {
        "pin": pin,
        "steps": steps,
        "closed_other": current is None,
        "history": pin_history(pin),
        "walk_results": results_of_pin(pin),
        "digital_walk_results": other_results_of_pin(pin),
    }
    return render(request, "walks/track.html", context)
