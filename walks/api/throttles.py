"""Per-client rate limits for the public endpoints, in Django's cache.

Residents have no accounts, so a client is its network address and, when it sends one, its
device token (`X-Trygg-Device` header or a `device_token` field): each is limited separately.
Limits are set per scope in `TRYGG_RATE_LIMITS` (see walks.conf). The cache must be shared by
all server processes for the limits to be exact (e.g. Redis or the database cache); with the
default per-process memory cache each process counts on its own.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

from walks import conf

DEVICE_HEADER = "HTTP_X_TRYGG_DEVICE"


def device_token(request) -> str | None:
    """The client's device token (a UUID) from the header or the body, or None."""
    raw = request.META.get(DEVICE_HEADER)
    if not raw:
        try:
            data = request.data
        except Exception:  # unparsable bodies are reported by the view itself
            return None
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


class _ScopedThrottle(SimpleRateThrottle):
    scope = ""

    def get_rate(self):
        return conf.rate(self.scope) or None

    def wait(self):
        return super().wait() if self.history else None


class _IPThrottle(_ScopedThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _DeviceThrottle(_ScopedThrottle):
    def get_cache_key(self, request, view):
        token = device_token(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token}


def throttles_for(name: str) -> list[type[SimpleRateThrottle]]:
    """Throttle classes for one endpoint family: by address (`<name>_ip`) and by device
    (`<name>_device`), for the scopes that have a limit."""
    classes: list[type[SimpleRateThrottle]] = []
    for suffix, base in (("ip", _IPThrottle), ("device", _DeviceThrottle)):
        scope = f"{name}_{suffix}"
        if scope in conf.RATE_DEFAULTS:
            class_name = f"{name.title()}{suffix.title()}Throttle"
            classes.append(type(class_name, (base,), {"scope": scope}))
    return classes


class WriteThrottledMixin:
    """Apply the view's throttles to writes only; reading stays unlimited."""

    def get_throttles(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return []
        return super().get_throttles()

    def throttled(self, request, wait):
        raise Throttled(
            wait=wait,
            detail=_("Too many submissions from this device or network; please wait a while."),
        )
