"""Rate limits of the pages and other plain Django views, with the API's limiter.

API views limit themselves (DRF throttles in gis.core.throttles). Every other view is limited
here by client address before it runs: reads by the page scope and writes by the write scope
unless `SCOPES` names others for its URL, and the CSP violation reports (which no URL pattern
serves) by `csp_report`. A refused request gets HTTP 429 with Retry-After: JSON under the API
prefixes, a short page in the visitor's language elsewhere. The API schema (expensive to build)
and its documentation page are API views without throttles of their own, so they are limited
here too. Django's request log leaves out 429 and 413 answers, which a flood would repeat.
A login refused by the per-account limit (gis.login_limits) is answered 429 here as well.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from gis.core.throttles import TooManyRequests, check_limits, read_throttles, throttles_for
from gis.login_limits import LOGIN_LIMITED

JSON_PREFIXES = ("/api/", "/open311/", "/healthz")
QUIET_STATUSES = (413, 429)
DEFAULT_SCOPES = ("page", "write")
# Views whose (read, write) scopes differ from DEFAULT_SCOPES, by URL name.
SCOPES: dict[str, tuple[str, str]] = {
    "walks:track": ("track", "write"),
    "login": ("page", "login"),
    "admin:login": ("page", "login"),
    "healthz": ("health", "write"),
    "schema": ("schema", "write"),
    "api-docs": ("page", "write"),
    "basemap-tile": ("basemap", "write"),  # a map asks for dozens of tiles at a time
    # Following a report sends a confirmation to the address given: limited as reporting is.
    "notices:follow": ("page", "pin"),
}


def limits_of(view_func: Callable, url_name: str) -> tuple[str, str] | None:
    """The (read, write) scopes this middleware applies to a view, or None for API views,
    which apply their own throttles."""
    if url_name in SCOPES:
        return SCOPES[url_name]
    view_class = getattr(view_func, "cls", None)
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        return None
    return DEFAULT_SCOPES


def too_many_requests(request: HttpRequest, refusal: TooManyRequests) -> HttpResponse:
    """The 429 answer: JSON for the API, a short page for people; Retry-After either way."""
    if request.path.startswith(JSON_PREFIXES) or request.path == settings.TRYGG_CSP_REPORT_URI:
        response: HttpResponse = JsonResponse(
            {"detail": str(refusal.detail), "code": "throttled", "retry_after": refusal.wait},
            status=429,
        )
    else:
        page = render_to_string(
            "refusal.html", {"title": _("Too many requests"), "message": refusal.detail}, request
        )
        response = HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(refusal.wait)
    response["Cache-Control"] = "no-store"
    return response


class _DropRefusalLogs(logging.Filter):
    """Keep Django's request logger from logging each 429 and 413: a flood would fill the log
    (the limiter logs a client's first refusal per window itself)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) not in QUIET_STATUSES


class RateLimitMiddleware:
    """Count each request to a plain view against its limits; answer 429 when one is used up.

    Place it before ContentSecurityPolicyMiddleware, which answers the CSP reports itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_logger = logging.getLogger("django.request")
        if not any(isinstance(f, _DropRefusalLogs) for f in request_logger.filters):
            request_logger.addFilter(_DropRefusalLogs())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        report_uri = settings.TRYGG_CSP_REPORT_URI
        if report_uri and request.path == report_uri and request.method == "POST":
            try:
                check_limits(request, throttles_for("csp_report"))
            except TooManyRequests as refusal:
                return too_many_requests(request, refusal)
        response = self.get_response(request)
        wait = getattr(request, LOGIN_LIMITED, None)
        if wait is not None and response.status_code == 200:
            # A login refused by the per-account limit (gis.login_limits): the form with its
            # error, answered as a refusal.
            response.status_code = 429
            response["Retry-After"] = str(wait)
            response["Cache-Control"] = "no-store"
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        scopes = limits_of(view_func, match.view_name if match else "")
        if scopes is None:
            return None
        read, write = scopes
        try:
            check_limits(request, [*read_throttles(read), *throttles_for(write)])
        except TooManyRequests as refusal:
            return too_many_requests(request, refusal)
        return None
