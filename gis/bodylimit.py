"""Request body caps of every route, enforced before anything reads the body.

Each URL route belongs to one class in `ROUTE_CLASSES`, and each class has one cap: a request
whose Content-Length is over its route's cap is answered **413** at once, before the CSRF check,
the session, the rate limits or the view read a byte of it. Requests to paths that match no
route get the page forms' cap. The CSP violation reports are answered earlier, by
`gis.middleware.ContentSecurityPolicyMiddleware`, which reads none over 64 kB.

Django reads a body only up to its declared Content-Length (a body without one, e.g. chunked,
reads as empty). On top of that the middleware wraps `wsgi.input` in `CappedInput`: whatever
reads the raw input, declared length or not, fails after the cap, and the answer is a 413 (never
a 500, never the whole body read).

The answer is JSON under the API prefixes (`{"detail", "code": "too_large", "max_bytes"}`) and a
short page elsewhere, in the client's language, with `Cache-Control: no-store`. Django's request
log leaves 413 answers out (gis.ratelimit), so a flood of them does not fill the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from gis.core import conf
from gis.core.api import limits
from walks.routes import MAX_ROUTE_BYTES

JSON_PREFIXES = ("/api/", "/open311/", "/healthz")
LOGIN_FORM_BYTES = 16 * 1024
PAGE_FORM_BYTES = 256 * 1024


def _photo_bytes() -> int:
    return int(conf.setting("TRYGG_PHOTO_MAX_BYTES"))


def _import_bytes() -> int:
    # A file just over the import cap still reaches the view, which answers 400 naming the cap.
    return int(conf.setting("TRYGG_IMPORT_MAX_BYTES"))


@dataclass(frozen=True)
class RouteClass:
    """A class of routes and the most bytes a request body to one of them may have."""

    name: str
    cap: Callable[[str], int]  # content type -> bytes
    what: str


# The one table of caps. The API's caps are its own (gis.core.api.limits: a JSON or form body
# TRYGG_API_BODY_MAX_BYTES, multipart one photo plus 256 kB of fields).
ROUTE_CLASSES: dict[str, RouteClass] = {
    rc.name: rc
    for rc in (
        RouteClass(
            "login",
            lambda _type: LOGIN_FORM_BYTES,
            "login, logout and language forms: a few short fields (16 kB)",
        ),
        RouteClass(
            "form",
            lambda _type: PAGE_FORM_BYTES,
            "other pages' forms (fix status, recompute) and paths without a route (256 kB)",
        ),
        RouteClass(
            "route_upload",
            lambda _type: MAX_ROUTE_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            "a new walk: a route file (5 MB) and the form with a drawn route (2.5 MB)",
        ),
        RouteClass(
            "import_upload",
            lambda _type: _import_bytes() + PAGE_FORM_BYTES,
            "the import page's upload: one file (TRYGG_IMPORT_MAX_BYTES, 50 MB) and its form",
        ),
        RouteClass(
            "admin",
            lambda _type: settings.DATA_UPLOAD_MAX_MEMORY_SIZE + _photo_bytes(),
            "the admin: Django's field cap (2.5 MB, e.g. a boundary) and one photo (10 MB)",
        ),
        RouteClass(
            "partner_api",
            lambda _type: int(conf.setting("TRYGG_PARTNER_BODY_MAX_BYTES")),
            "the partner API: up to 1,000 incidents as GeoJSON (4 MB)",
        ),
        RouteClass(
            "api", limits.body_cap, "the API: its own caps (256 kB; multipart one photo + 256 kB)"
        ),
    )
}
# Routes (URL names) whose class is not the default of their kind of view (API views "api",
# admin pages "admin", other views "form").
ROUTES: dict[str, str] = {
    "login": "login",
    "logout": "login",
    "set_language": "login",
    "admin:login": "login",
    "admin:logout": "login",
    "walks:create": "route_upload",
    "partner-incidents": "partner_api",
    "imports:upload": "import_upload",
}


def route_class(match: ResolverMatch | None) -> RouteClass:
    """The class of the route a request resolved to (None: no route)."""
    if match is None:
        return ROUTE_CLASSES["form"]
    if match.view_name in ROUTES:
        return ROUTE_CLASSES[ROUTES[match.view_name]]
    if "admin" in match.namespaces:
        return ROUTE_CLASSES["admin"]
    view_class = getattr(match.func, "cls", None)
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        return ROUTE_CLASSES["api"]
    return ROUTE_CLASSES["form"]


def resolve_path(path_info: str) -> ResolverMatch | None:
    """The route of a path, resolved in the language of its prefix as LocaleMiddleware will
    (no prefix: the default language), before that middleware has run."""
    language = translation.get_language_from_path(path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            return resolve(path_info)
        except Resolver404:
            return None


def cap_for(request: HttpRequest) -> int:
    """The most bytes the body of this request may have."""
    return route_class(resolve_path(request.path_info)).cap(request.content_type or "")


class BodyTooLarge(RequestDataTooBig):
    """Reading the raw input went past the route's cap (the middleware answers 413)."""


class CappedInput:
    """A file-like wrapper of `wsgi.input` that fails once more than its cap was read.

    The cap is an int, or a function giving it, asked at the first read (so a request without
    a declared body resolves its route only if something reads)."""

    def __init__(self, stream, cap: int | Callable[[], int]) -> None:
        self.stream = stream
        self._cap = cap
        self.consumed = 0
        self.overflowed = False

    @property
    def cap(self) -> int:
        if callable(self._cap):
            self._cap = self._cap()
        return self._cap

    def _count(self, data: bytes) -> bytes:
        self.consumed += len(data)
        if self.consumed > self.cap:
            self.overflowed = True
            raise BodyTooLarge(f"request body over {self.cap} bytes")
        return data

    def _size(self, size: int | None) -> int:
        room = self.cap + 1 - self.consumed  # one byte over the cap is enough to know
        return room if size is None or size < 0 else min(size, room)

    def read(self, size: int | None = -1) -> bytes:
        return self._count(self.stream.read(self._size(size)))

    def readline(self, size: int | None = -1) -> bytes:
        return self._count(self.stream.readline(self._size(size)))

    def __iter__(self):
        while line := self.readline():
            yield line


def _declared_length(request: HttpRequest) -> int | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return max(length, 0)


def too_large(request: HttpRequest, cap: int) -> HttpResponse:
    """The 413 answer: JSON for the API, a short page for people, in the client's language."""
    api = request.path.startswith(JSON_PREFIXES)
    if api:
        language = translation.get_language_from_request(request, check_path=False)
    else:
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        message = limits.too_large_message(cap)
        if api:
            body = {"detail": message, "code": "too_large", "max_bytes": cap}
            response: HttpResponse = JsonResponse(body, status=413)
        else:
            page = render_to_string(
                "refusal.html", {"title": _("Request too large"), "message": message}
            )
            response = HttpResponse(page, status=413, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


class BodyLimitMiddleware:
    """Refuse a request body over its route's cap (413) before anything reads it.

    Place it before every middleware that may read the body (CSRF, sessions' neighbours, the
    rate limits' views); after ContentSecurityPolicyMiddleware, so the 413 page carries the
    policy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        if length:
            cap: int | Callable[[], int] = cap_for(request)
            if length > cap:
                return too_large(request, cap)
        else:  # no declared body (maybe chunked): the cap matters only if something reads
            cap = lambda: cap_for(request)  # noqa: E731
        capped = CappedInput(request.environ["wsgi.input"], cap)
        request.environ["wsgi.input"] = capped
        request._stream = LimitedStream(capped, length or 0)  # Django's reader of the body
        response = self.get_response(request)
        if capped.overflowed:  # raised where it was read, and answered there (400 or 500)
            return too_large(request, capped.cap)
        return response
