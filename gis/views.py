"""Project-level pages: the start page, the accessibility statement and a health check."""

import re

from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.defaults import page_not_found
from rest_framework.exceptions import NotFound

from gis import accessibility
from gis.core import conf
from gis.core.models import Municipality
from gis.demo.accounts import DEMO_USERNAMES, refuses_demo_accounts
from layers.models import Camera, StreetLamp, StreetSegment
from walks.models import ResidentPin, SafetyWalk, WalkFinding


def home(request: HttpRequest) -> HttpResponse:
    """The start page: what is loaded, and where to go next (every part of Trygg); where the
    demo's accounts exist and these settings accept them, their user names."""
    counts = {
        "segments": StreetSegment.objects.count(),
        "lamps": StreetLamp.objects.count(),
        "cameras": Camera.objects.count(),
        "walks": SafetyWalk.objects.count(),
        "findings": WalkFinding.objects.count(),
        "pins": ResidentPin.objects.count(),
    }
    context = {
        "municipalities": Municipality.objects.all(),
        "counts": counts,
        "demo_usernames": _demo_usernames(),
    }
    return render(request, "home.html", context)


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (tillgänglighetsredogörelse, DIGG's model), generated from
    what the browser tests check and what is known not to pass (:mod:`gis.accessibility`)."""
    names = {page.key: page.name for page in accessibility.PAGES}
    issues = [
        {"issue": issue, "pages": [names[key] for key in issue.pages]}
        for issue in accessibility.KNOWN_ISSUES
    ]
    context = {
        "pages": accessibility.PAGES,
        "checks": accessibility.CHECKS,
        "issues": issues,
        "tested_on": accessibility.TESTED_ON,
        "desktop": accessibility.DESKTOP,
        "phone": accessibility.PHONE,
        "municipalities": Municipality.objects.order_by("name"),
        "contact": accessibility_contact(),
    }
    return render(request, "accessibility.html", context)


def accessibility_contact() -> dict[str, str] | None:
    """`TRYGG_ACCESSIBILITY_CONTACT` as text and a link (mailto: for an e-mail address), or
    None when unset or neither an e-mail nor an http(s) address (then the statement's general
    words stand)."""
    value = str(conf.setting("TRYGG_ACCESSIBILITY_CONTACT") or "").strip()
    if re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", value):
        return {"text": value, "href": f"mailto:{value}"}
    if re.fullmatch(r"https?://[^\s<>\"']+", value):
        return {"text": value, "href": value}
    return None


def _demo_usernames() -> list[str]:
    """The demo accounts that exist, in role order; none under settings that refuse them."""
    if refuses_demo_accounts():
        return []
    found = set(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
    return [name for name in DEMO_USERNAMES if name in found]


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the fault scripts."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": "ok"})
    except Exception as error:
        return JsonResponse({"status": "error", "database": str(error).splitlines()[0]}, status=503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for an address no route serves: the API's error body under /api/ and /open311/
    (JSON, or Open311's XML for .xml) in the client's language as the API answers it, the page
    elsewhere."""
    if not request.path.startswith(("/api/", "/open311/")):
        return page_not_found(request, exception)
    with translation.override(translation.get_language_from_request(request, check_path=False)):
        if request.path.startswith("/open311/"):
            from walks.open311 import error_answer

            return error_answer(request.path, 404, NotFound.default_detail)
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


def moved_page(old: str, new: str):
    """A view answering 301 to the same address with its path part `old` replaced by `new`
    (pages of models that moved to another app), keeping the language prefix and query."""

    def redirect(request: HttpRequest) -> HttpResponse:
        target = request.get_full_path().replace(old, new, 1)
        return HttpResponsePermanentRedirect(target)

    return redirect
