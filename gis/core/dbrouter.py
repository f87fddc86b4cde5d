"""Read-only traffic on a streaming replica, everything else on the primary (docs/replica.md).

With `TRYGG_REPLICA_URL` set, the settings add a second database alias, `replica`, for a
PostgreSQL hot standby of the primary (`default`). Which queries go there is decided per request:

- `ReplicaRoutingMiddleware` marks a request as read-only when it is a GET or HEAD to one of
  `REPLICA_ROUTES` (tiles, the dashboard's and the situation picture's reads, Open311's lists,
  exports): while the view runs and its response is rendered, `ReplicaRouter` sends the
  ORM's reads to `replica`;
- every write goes to `default`, whatever the request (`db_for_write`);
- reads your own writes stay on the primary: after a request that wrote (POST, PUT, PATCH,
  DELETE answered below 400) the client gets the cookie `trygg_primary` for
  `TRYGG_REPLICA_PIN_SECONDS` seconds (10), and while it has it every read of its requests goes
  to the primary; reads inside a transaction on the primary (`atomic`) stay there as well;
- routes that look up what a client has just sent (an Open311 request or its token, a pin's
  tracking page) are not in `REPLICA_ROUTES`, so they always read the primary;
- when the replica cannot be reached, the request is answered from the primary instead and the
  replica is left alone for `TRYGG_REPLICA_RETRY_SECONDS` seconds (30) in that process.

Without the `replica` alias everything is on `default` and the middleware does nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "trygg_primary"
DEFAULT_PIN_SECONDS = 10
DEFAULT_RETRY_SECONDS = 30
SAFE_METHODS = frozenset({"GET", "HEAD"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Read-only routes (URL names) whose GET/HEAD read from the replica. Names, not imports, so the
# kernel stays below the apps; tests/core/test_dbrouter.py checks that each one is a route.
REPLICA_ROUTES = frozenset(
    {
        # the report tiles and the dashboard's data
        "dashboard-api:tile",
        "dashboard-api:counts",
        "dashboard-api:heatmap",
        "dashboard-api:heatmap-png",
        "dashboard-api:hotspots",
        "dashboard-api:time-profile",
        "dashboard-api:districts",
        "dashboard-api:properties",
        "dashboard-api:routes",
        "dashboard-api:fixes",
        "dashboard-api:fix",
        "dashboard-api:feature",
        "dashboard:map",
        # the situation picture (lägesbild) and its downloads
        "dashboard:situation",
        "dashboard:situation-csv",
        "dashboard:situation-geojson",
        "dashboard:situation-map",
        # Open311 GeoReport v2 lists (a single request and a token stay on the primary)
        "walks_api:open311-services-json",
        "walks_api:open311-services-xml",
        "walks_api:open311-requests-json",
        "walks_api:open311-requests-xml",
        # exports
        "walks:export",
        "fixes:export-csv",
        "fixes:export-geojson",
        "campaigns:export",
    }
)

_on_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "trygg_on_replica", default=False
)
# Monotonic time until which this process leaves an unreachable replica alone.
_replica_down_until = 0.0
logger = logging.getLogger("trygg.db")


def replica_configured() -> bool:
    """Whether the `replica` alias exists (TRYGG_REPLICA_URL, or a test that added it)."""
    return REPLICA in connections.settings


def pin_seconds() -> int:
    return int(getattr(settings, "TRYGG_REPLICA_PIN_SECONDS", DEFAULT_PIN_SECONDS))


def replica_down(error: BaseException) -> None:
    """The replica failed: read from the primary for `TRYGG_REPLICA_RETRY_SECONDS` seconds."""
    global _replica_down_until
    retry = int(getattr(settings, "TRYGG_REPLICA_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
    if replica_usable():
        logger.warning(
            "replica unreachable, reading from the primary for %d s: %s",
            retry,
            str(error).splitlines()[0] if str(error) else type(error).__name__,
        )
    _replica_down_until = time.monotonic() + retry
    with contextlib.suppress(Exception):
        connections[REPLICA].close()


def replica_usable() -> bool:
    return time.monotonic() >= _replica_down_until


def replica_back() -> None:
    """Try the replica again at the next read (it was repaired)."""
    global _replica_down_until
    _replica_down_until = 0.0


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Within the block, the ORM's reads go to the replica (when there is one)."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def reading_replica() -> bool:
    """Whether a read made now would go to the replica."""
    if not _on_replica.get() or not replica_configured() or not replica_usable():
        return False
    # A transaction on the primary reads what it wrote: its reads stay there.
    return not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """Django's database router: reads of a read-only request to `replica`, the rest to
    `default`; the schema is only ever migrated on the primary."""

    def db_for_read(self, model, **hints) -> str:
        return REPLICA if reading_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica is a copy of the primary: objects from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_route(request: HttpRequest) -> bool:
    """Whether `request` (resolved) is a read that may be served by the replica."""
    if request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES:
        return False
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in REPLICA_ROUTES


class ReplicaRoutingMiddleware:
    """Reads of read-only routes on the replica; a client that just wrote pinned to the primary
    (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        try:
            response = self.get_response(request)
        finally:
            token = request.__dict__.pop("_trygg_replica_token", None)
            if token is not None:
                _on_replica.reset(token)
        if request.method in WRITE_METHODS and response.status_code < 400:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=pin_seconds(),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if replica_configured() and replica_usable() and replica_route(request):
            request._trygg_replica_token = _on_replica.set(True)
            request._trygg_replica_view = (view_func, view_args, view_kwargs)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        """A read-only view that failed on the replica's connection is run again on the
        primary (it only reads, so running it twice is safe)."""
        retry = request.__dict__.pop("_trygg_replica_view", None)
        if retry is None or not isinstance(exception, OperationalError | InterfaceError):
            return None
        replica_down(exception)
        view_func, view_args, view_kwargs = retry
        try:
            return view_func(request, *view_args, **view_kwargs)
        except (OperationalError, InterfaceError):
            return None  # the primary fails too: the outage middleware answers 503


def read_alias() -> str:
    """The database alias a read made now goes to (as the router decides for the ORM)."""
    return REPLICA if reading_replica() else DEFAULT_DB_ALIAS


def read_cursor():
    """A cursor for raw read-only SQL: on the replica in a read-only request, else the
    primary's (`django.db.connection.cursor()` always gives the primary's)."""
    return connections[read_alias()].cursor()
