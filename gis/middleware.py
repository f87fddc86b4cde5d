"""Project middleware: a Content-Security-Policy header, and HTTP 503 while the database is down.

`ContentSecurityPolicyMiddleware` sends the policy of `TRYGG_CSP` (no inline scripts or styles) on
every response, enforced when `TRYGG_CSP_ENFORCE` is on (the default everywhere) and as
`Content-Security-Policy-Report-Only` otherwise; violation reports POSTed to
`TRYGG_CSP_REPORT_URI` are logged (each distinct one once per process) and answered 204.

`DatabaseUnavailableMiddleware` turns `django.db.OperationalError` / `InterfaceError` into
HTTP 503 with `Retry-After`: JSON under /api/ and /open311/, a short page otherwise. A database
outage is logged once when it starts and once when the database is back (per server process),
instead of one traceback per request.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

from gis.core import conf
from gis.core.logsafe import log_value

logger = logging.getLogger("trygg.db")
csp_logger = logging.getLogger("trygg.csp")

DB_ERRORS = (OperationalError, InterfaceError)
JSON_PREFIXES = ("/api/", "/open311/")
DEFAULT_RETRY_AFTER = 15
# SQLSTATEs of a server that is going away or not accepting connections yet.
_OUTAGE_SQLSTATES = {"57P01", "57P02", "57P03"}
_FLAG = "_trygg_db_error"

MESSAGES = {
    "sv": (
        "Tjänsten är tillfälligt otillgänglig",
        "Databasen går inte att nå just nu. Försök igen om en stund.",
    ),
    "en": (
        "Service temporarily unavailable",
        "The database cannot be reached right now. Please try again in a moment.",
    ),
}


def is_outage(error: BaseException) -> bool:
    """Whether a database error means the server is unreachable (rather than, say, a deadlock)."""
    if isinstance(error, InterfaceError):
        return True
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _OUTAGE_SQLSTATES


class _Outage:
    """This process's view of the database: since when it has been unreachable, if it is."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None

    def failed(self, error: BaseException) -> None:
        with self.lock:
            if self.since is not None:
                return
            self.since = time.monotonic()
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        logger.error("database unavailable, answering 503 until it is back: %s", reason)

    def check_recovered(self) -> None:
        """During an outage, see whether the database answers again (one cheap query)."""
        if self.since is None:
            return
        try:
            connection.ensure_connection()
            if not connection.is_usable():
                return
        except Exception:  # the probe must never spoil the response it follows
            return
        with self.lock:
            if self.since is None:
                return
            down = time.monotonic() - self.since
            self.since = None
        logger.warning("database is back after %.1f s", down)


outage = _Outage()


class _DropOutageLogs(logging.Filter):
    """Keep Django's request logger from logging every request that failed during an outage."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return getattr(request, _FLAG, None) is None


def _remember_db_error(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """`got_request_exception` receiver: flag requests that failed on an unreachable database."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DB_ERRORS) and is_outage(error):
        setattr(request, _FLAG, error)


def _install_hooks() -> None:
    got_request_exception.connect(_remember_db_error, dispatch_uid="trygg-db-outage")
    request_logger = logging.getLogger("django.request")
    if not any(isinstance(f, _DropOutageLogs) for f in request_logger.filters):
        request_logger.addFilter(_DropOutageLogs())


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON for the API and Open311, a short page for people, with Retry-After."""
    retry_after = int(getattr(settings, "TRYGG_DB_RETRY_AFTER", DEFAULT_RETRY_AFTER))
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE) or "sv"
    title, message = MESSAGES["en" if language.startswith("en") else "sv"]
    if request.path.startswith(JSON_PREFIXES):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "database_unavailable", "retry_after": retry_after},
            status=503,
        )
    else:
        lang = "en" if language.startswith("en") else "sv"
        page = (
            f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)} – Trygg</title></head>\n"
            f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>\n"
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 (never 500) while the database cannot be reached; log the outage once.

    Errors raised by views and template rendering arrive in `process_exception`; errors raised in
    other middleware (the session saved on the way out, say) are recognised on the 500 response
    Django made of them. Other `OperationalError`s (deadlock, lock or statement timeout) are
    also answered 503 but logged as the errors they are.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        _install_hooks()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, _FLAG, None)
        if error is not None:
            outage.failed(error)
            if response.status_code == 500:
                response = unavailable_response(request)
        elif response.status_code < 500:
            outage.check_recovered()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DB_ERRORS):
            return None
        if is_outage(exception):
            setattr(request, _FLAG, exception)
        else:
            logger.error("database error on %s", log_value(request.path), exc_info=exception)
        return unavailable_response(request)


def _source(value: str) -> str | None:
    """The origin of a basemap URL template for the policy, `{s}` hosts as a wildcard."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    if "*" in host and not host.startswith("*."):
        host = "*." + host.split(".", 1)[-1]
    return f"{parts.scheme}://{host}"


def build_policy(
    directives: dict[str, list[str]], extra_sources: list[str], report_uri: str
) -> str:
    """The header value: the directives in order, extra image/connect sources, the report URI."""
    parts = []
    for name, sources in directives.items():
        values = list(sources)
        if name in {"img-src", "connect-src"}:
            values += [s for s in extra_sources if s not in values]
        parts.append(" ".join([name, *values]))
    if report_uri:
        parts.append(f"report-uri {report_uri}")
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """Send `TRYGG_CSP` as Content-Security-Policy (or -Report-Only) and log violation reports.

    Enforced on every page, the admin and the API docs included, when `TRYGG_CSP_ENFORCE` is
    on; report-only when it is off. A response that already carries a policy keeps it.
    """

    MAX_REPORT_BYTES = 64 * 1024
    MAX_REMEMBERED = 1000

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._seen: set[tuple[str, str, str]] = set()

    @staticmethod
    def policy() -> str:
        """The policy of the current settings, with the field maps' basemap server allowed."""
        basemap = conf.setting("TRYGG_BASEMAP_URL")
        extra = [source for source in [_source(basemap)] if source]
        return build_policy(settings.TRYGG_CSP, extra, settings.TRYGG_CSP_REPORT_URI)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        report_uri = settings.TRYGG_CSP_REPORT_URI
        if report_uri and request.path == report_uri and request.method == "POST":
            return self._report(request)
        response = self.get_response(request)
        if (
            "Content-Security-Policy" in response
            or "Content-Security-Policy-Report-Only" in response
        ):
            return response
        header = (
            "Content-Security-Policy"
            if settings.TRYGG_CSP_ENFORCE
            else "Content-Security-Policy-Report-Only"
        )
        response[header] = self.policy()
        return response

    def _report(self, request: HttpRequest) -> HttpResponse:
        """Log a browser's violation report (each distinct one once); always 204."""
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if 0 < length <= self.MAX_REPORT_BYTES:
            try:
                body = json.loads(request.body).get("csp-report", {})
            except (ValueError, AttributeError):
                body = {}
            if isinstance(body, dict):
                key = (
                    str(body.get("effective-directive") or body.get("violated-directive", "")),
                    str(body.get("blocked-uri", "")),
                    str(body.get("document-uri", "")),
                )
                if key not in self._seen and len(self._seen) < self.MAX_REMEMBERED:
                    self._seen.add(key)
                    # Every value comes from the client: escaped, so it cannot forge a line.
                    csp_logger.warning(
                        "CSP violation: %s blocked %s on %s (%s:%s)",
                        *(log_value(part) for part in key),
                        log_value(body.get("source-file", "?")),
                        log_value(body.get("line-number", "?")),
                    )
        return HttpResponse(status=204)
