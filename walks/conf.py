"""Settings of the field app with their defaults.

Every value can be set in the Django settings (same name) or, failing that, in the environment
(same name; numbers as digits, rate limits as "N/second|minute|hour|day"). Values are read at
request time, so `override_settings` works in tests.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Photos: bytes accepted per upload, pixels and longest side accepted before decoding,
    # longest side of the stored re-encoded JPEG and of its thumbnail, photos per finding.
    "TRYGG_PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    "TRYGG_PHOTO_MAX_PIXELS": 60_000_000,
    "TRYGG_PHOTO_MAX_SIDE": 12_000,
    "TRYGG_PHOTO_STORED_SIDE": 2048,
    "TRYGG_PHOTO_THUMB_SIDE": 320,
    "TRYGG_PHOTOS_PER_FINDING": 10,
    # Personal data (contact details, photos, participants' names) is kept this many days.
    "TRYGG_PERSONAL_DATA_RETENTION_DAYS": 365,
    # Optional XYZ basemap for the field maps, e.g. "https://tile.example.org/{z}/{x}/{y}.png";
    # empty: the maps show the cached street network only.
    "TRYGG_BASEMAP_URL": "",
    "TRYGG_BASEMAP_ATTRIBUTION": "",
    # Streets within this distance of a walk's route are sent (and cached) with the walk, metres.
    "TRYGG_WALK_STREETS_BUFFER_M": 300,
    # At most this many street segments in one street-network response.
    "TRYGG_STREETS_MAX": 6000,
}

# Per-client rate limits ("N/period"); `_ip` is keyed by address, `_device` by device token.
RATE_DEFAULTS: dict[str, str] = {
    "pin_ip": "60/hour",
    "pin_device": "10/hour",
    "vote_ip": "300/hour",
    "vote_device": "60/hour",
    "walk_device": "240/minute",
    "walk_ip": "6000/minute",
    "photo_location_ip": "120/hour",
    "open311_ip": "60/hour",
    "open311_device": "10/hour",
}


def setting(name: str) -> Any:
    """The value of a field-app setting: Django settings, then environment, then default."""
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw is None:
        return default
    return type(default)(raw) if not isinstance(default, str) else raw


def rate(scope: str) -> str | None:
    """The rate limit of a throttle scope; `None` or "" turns it off."""
    configured = getattr(settings, "TRYGG_RATE_LIMITS", {}) or {}
    if scope in configured:
        return configured[scope]
    env = os.environ.get(f"TRYGG_RATE_LIMIT_{scope.upper()}")
    if env is not None:
        return env
    return RATE_DEFAULTS[scope]
