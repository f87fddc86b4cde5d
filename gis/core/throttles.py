"""Per-client rate limits of every anonymous endpoint, counted in Django's cache.

Residents have no accounts, so a client is its network address and, when it sends one, its
device token (`X-Trygg-Device` header or a `device_token` field): each is limited separately.
An IPv6 address counts by its /64 network (what one household or phone is given), so rotating
addresses inside it gains nothing. `X-Forwarded-For` is believed only for the number of proxy
hops in `TRYGG_TRUSTED_PROXIES` (0 by default: the peer address counts).

A limit is a scope of `TRYGG_RATE_LIMITS` (see gis.core.conf) and counts either reads (GET, HEAD,
OPTIONS) or writes. API views list theirs in `throttle_classes` (`throttles_for`,
`read_throttles`; public views without a list of their own get `ReadThrottle` and
`WriteThrottle`); pages and other plain views are limited by `gis.ratelimit` with the same
classes. A refused request raises
`TooManyRequests`: HTTP 429 with Retry-After and a translated message; the first refusal of a
client per window is logged on `trygg.ratelimit`.

The cache must be shared by all server processes for the limits to be exact (e.g. Redis or the
database cache); with the default per-process memory cache each process counts on its own.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import uuid
from functools import lru_cache

from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext
from rest_framework.exceptions import APIException, Throttled
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from gis.core import conf

DEVICE_HEADER = "HTTP_X_TRYGG_DEVICE"
logger = logging.getLogger("trygg.ratelimit")


class TooManyRequests(Throttled):
    """HTTP 429: this client used up a limit; `wait` is the whole seconds until it may retry."""

    def __init__(self, wait: float) -> None:
        seconds = max(1, math.ceil(wait))
        message = ngettext(
            "Too many requests from this device or network; please wait %(seconds)d second "
            "and try again.",
            "Too many requests from this device or network; please wait %(seconds)d seconds "
            "and try again.",
            seconds,
        ) % {"seconds": seconds}
        APIException.__init__(self, message, "throttled")
        self.wait = seconds


def client_address(request) -> str:
    """The address a client is counted by: the peer's, or the one the trusted proxies saw;
    IPv6 as its /64 network, IPv4-mapped IPv6 as IPv4."""
    address = request.META.get("REMOTE_ADDR", "")
    hops = int(conf.setting("TRYGG_TRUSTED_PROXIES"))
    if hops > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hosts = [part.strip() for part in forwarded.split(",") if part.strip()]
        if hosts:
            address = hosts[-min(hops, len(hosts))]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def device_token(request) -> str | None:
    """The client's device token (a UUID) from the header or the body, or None.

    Reading the body parses it with the public API's limits (gis.core.api.limits), so a body
    that cannot be parsed is answered 400/413 here already, never taken as "no token".
    """
    raw = request.META.get(DEVICE_HEADER)
    if not raw and isinstance(request, Request):
        from gis.core.api.limits import parsed_data

        data = parsed_data(request)
        if isinstance(data, dict):
            raw = data.get("device_token")
            if raw is None and isinstance(data.get("properties"), dict):
                raw = data["properties"].get("device_token")
        elif hasattr(data, "get"):
            raw = data.get("device_token")
    try:
        return str(uuid.UUID(str(raw))) if raw else None
    except ValueError:
        return None


def _signed_in(request) -> bool:
    """Whether the API authenticated a user (staff views); plain requests never count as such,
    so that checking a limit never loads a session."""
    return isinstance(request, Request) and request.user.is_authenticated


class _ScopedThrottle(SimpleRateThrottle):
    """A limit of one scope, counting writes or reads; refusing raises `TooManyRequests`."""

    scope = ""
    counts_writes = True

    def get_rate(self):
        return conf.rate(self.scope) or None

    def allow_request(self, request, view) -> bool:
        if (request.method not in SAFE_METHODS) != self.counts_writes or _signed_in(request):
            return True
        if super().allow_request(request, view):
            return True
        self._log_refusal()
        raise TooManyRequests(self.wait())

    def _log_refusal(self) -> None:
        """Log a client's first refusal per window (a flood must not fill the log), the client
        named by a keyed digest of its key (the secret key: no address or token can be read
        back from the log, not even by trying every IPv4 address)."""
        if self.cache.add(f"{self.key}:logged", 1, self.duration):
            client = salted_hmac("trygg.ratelimit", self.key).hexdigest()[:12]
            logger.warning("rate limit %s (%s) reached by client %s", self.scope, self.rate, client)

    def wait(self) -> float:
        if not self.history:
            return self.duration
        return self.duration - (self.now - self.history[-1])

    def get_cache_key(self, request, view):
        ident = self.ident(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def ident(self, request) -> str | None:
        raise NotImplementedError


class _IPThrottle(_ScopedThrottle):
    def ident(self, request) -> str | None:
        return client_address(request)


class _DeviceThrottle(_ScopedThrottle):
    def ident(self, request) -> str | None:
        return device_token(request)


class ReadThrottle(_IPThrottle):
    """Reads of the API by address (`read_ip`): the default of public views."""

    scope = "read_ip"
    counts_writes = False


class WriteThrottle(_IPThrottle):
    """Writes to the API by address (`write_ip`): the default of public views."""

    scope = "write_ip"


@lru_cache(maxsize=64)
def _classes(name: str, writes: bool) -> tuple[type[SimpleRateThrottle], ...]:
    classes: list[type[SimpleRateThrottle]] = []
    for suffix, base in (("ip", _IPThrottle), ("device", _DeviceThrottle)):
        scope = f"{name}_{suffix}"
        if scope in conf.RATE_DEFAULTS:
            kind = "Write" if writes else "Read"
            class_name = f"{name.title().replace('_', '')}{suffix.title()}{kind}Throttle"
            attributes = {"scope": scope, "counts_writes": writes}
            classes.append(type(class_name, (base,), attributes))
    if not classes:
        raise ValueError(f"no rate limit scope {name}_ip or {name}_device in gis.core.conf")
    return tuple(classes)


def throttles_for(name: str) -> list[type[SimpleRateThrottle]]:
    """The limits of writes to one endpoint family: by address (`<name>_ip`), then by device
    (`<name>_device`), for the scopes that exist."""
    return list(_classes(name, True))


def read_throttles(name: str = "read") -> list[type[SimpleRateThrottle]]:
    """The limits of reads of one endpoint family (`<name>_ip`, `<name>_device`)."""
    return list(_classes(name, False))


def check_limits(request, classes) -> None:
    """Count `request` against each limit in order; raise `TooManyRequests` at the first that
    is used up (the earlier ones have counted it)."""
    for throttle_class in classes:
        throttle_class().allow_request(request, None)


class WriteThrottledMixin:
    """For API views whose `throttle_classes` limit writes: reads get the read limit."""

    def get_throttles(self):
        return [ReadThrottle(), *super().get_throttles()]
