"""Dashboard settings: a Django setting of the same name wins, else the environment, else the
default below (so an installation can set them either way without a settings change). The
basemap (`TRYGG_BASEMAP_URL`, `TRYGG_BASEMAP_ATTRIBUTION`) is the kernel's setting, shared by
every map (`gis.core.conf`).

=============================  =======  ======================================================
TRYGG_SITUATION_PERIOD_DAYS    14       the rhythm of the situation picture (days)
TRYGG_HEATMAP_BANDWIDTH_M      150      heat-map kernel radius (metres)
TRYGG_HOTSPOT_CELL_M           100      Gi* grid cell (metres)
TRYGG_HOTSPOT_DISTANCE_M       150      Gi* neighbourhood band (metres)
=============================  =======  ======================================================
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS: dict[str, object] = {
    "TRYGG_SITUATION_PERIOD_DAYS": 14,
    "TRYGG_HEATMAP_BANDWIDTH_M": 150.0,
    "TRYGG_HOTSPOT_CELL_M": 100.0,
    "TRYGG_HOTSPOT_DISTANCE_M": 150.0,
}


def _raw(name: str) -> object:
    if hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(name, DEFAULTS[name])


def text(name: str) -> str:
    """A text setting."""
    return str(_raw(name) or "")


def number(name: str) -> float:
    """A positive numeric setting; a bad value is a configuration error naming it."""
    value = _raw(name)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None
    if not result > 0:
        raise ImproperlyConfigured(f"{name} must be > 0, got {value!r}")
    return result
