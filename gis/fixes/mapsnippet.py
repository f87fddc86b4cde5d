"""A small server-rendered map of a fix: its place, the streets around, its evidence.

Drawn with matplotlib's object API on the Agg canvas (no pyplot state, safe in a web worker;
text drawn literally, see :mod:`gis.core.figures`) in
the storage CRS (metres), with a scale bar; no basemap tiles are fetched.
"""

from __future__ import annotations

import io

from django.contrib.gis.geos import Polygon
from django.utils.translation import gettext as _

from gis import frames
from gis.core.figures import figure
from gis.core.lazy import lazy_module
from gis.fixes.explain import reason
from gis.fixes.models import Fix
from layers.models import GreenArea, LuxReading, StreetLamp, StreetSegment, Vegetation
from walks.models import ResidentPin, WalkFinding

gpd = lazy_module("geopandas")
shapely = lazy_module("shapely")

MARGIN_M = 60.0
SIZE_PX = (480, 360)
DPI = 100
STYLE = {
    "street": {"color": "#9aa3ad", "linewidth": 0.8},
    "place": {"color": "#d9480f", "linewidth": 4.0},
    "pin": {"color": "#0b5cad", "marker": "o", "markersize": 4},
    "finding": {"color": "#7b2cbf", "marker": "s", "markersize": 4},
    "lamp_ok": {"color": "#f2b705", "marker": "o", "markersize": 5},
    "lamp_broken": {"color": "#c92a2a", "marker": "X", "markersize": 7},
    "plant": {"color": "#2b8a3e", "marker": "^", "markersize": 5},
    "lux": {"color": "#495057", "marker": "+", "markersize": 6},
}


def legend_labels() -> dict[str, str]:
    """The legend's labels in the active language, by the keys of ``STYLE`` (and ``place``)."""
    return {
        "place": _("The place"),
        "pin": _("Resident pins"),
        "finding": _("Walk findings"),
        "lamp_ok": _("Lamps"),
        "lamp_broken": _("Broken lamps"),
        "plant": _("Blocking plants"),
        "lux": _("Lux readings"),
    }


def fix_map_png(fix: Fix, *, labels: dict[str, str]) -> bytes:
    """PNG bytes of the map around ``fix``.

    Parameters
    ----------
    fix : Fix
        The fix (geometry in the storage CRS, metres).
    labels : dict
        Translated legend labels for keys place, pin, finding, lamp_ok, lamp_broken, plant, lux
        (:func:`legend_labels`).

    Returns
    -------
    bytes
        A ``SIZE_PX`` PNG image.
    """
    place = shapely.from_wkb(bytes(fix.geom.wkb))
    xmin, ymin, xmax, ymax = place.buffer(MARGIN_M).bounds
    width, height = xmax - xmin, ymax - ymin
    aspect = SIZE_PX[0] / SIZE_PX[1]
    if width / height < aspect:
        grow = (height * aspect - width) / 2
        xmin, xmax = xmin - grow, xmax + grow
    else:
        grow = (width / aspect - height) / 2
        ymin, ymax = ymin - grow, ymax + grow
    window = Polygon.from_bbox((xmin, ymin, xmax, ymax))
    window.srid = fix.geom.srid

    fig = figure(SIZE_PX[0] / DPI, SIZE_PX[1] / DPI, dpi=DPI)  # literal text (gis.core.figures)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_axis_off()
    within = {"municipality": fix.municipality_id, "geom__intersects": window}
    parks = _frame(GreenArea.objects.filter(**within))
    if len(parks):
        parks.plot(ax=ax, color="#d3f9d8", edgecolor="#8ce99a", linewidth=0.5)
    streets = _frame(StreetSegment.objects.filter(**within))
    if len(streets):
        streets.plot(ax=ax, **STYLE["street"])
    gpd.GeoSeries([place]).plot(ax=ax, alpha=0.8, **_place_style(place))
    handles = {"place": ax.plot([], [], **STYLE["place"])[0]}
    rep = reason(fix, "reports") or {}
    broken = set((reason(fix, "broken_lamps") or {}).get("lamp_ids", []))
    light = reason(fix, "lighting") or {}
    veg = reason(fix, "vegetation") or {}
    layers = [
        ("pin", ResidentPin.objects.filter(pk__in=rep.get("pin_ids", []))),
        ("finding", WalkFinding.objects.filter(pk__in=rep.get("finding_ids", []))),
        ("lux", LuxReading.objects.filter(pk__in=light.get("reading_ids", []))),
        ("plant", Vegetation.objects.filter(pk__in=veg.get("vegetation_ids", []))),
    ]
    lamps = _frame(StreetLamp.objects.filter(**within))
    if len(lamps):
        is_broken = lamps["id"].isin(broken) | (lamps["status"] == "broken")
        _points(ax, handles, "lamp_ok", lamps.geometry[~is_broken])
        _points(ax, handles, "lamp_broken", lamps.geometry[is_broken])
    for key, queryset in layers:
        geoms = _frame(queryset).geometry
        _points(ax, handles, key, geoms.representative_point() if len(geoms) else geoms)
    _scale_bar(ax, xmin, xmax, ymin, ymax)
    ax.legend(
        [handles[k] for k in handles],
        [labels.get(k, k) for k in handles],
        loc="upper left",
        fontsize=7,
        framealpha=0.85,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _frame(queryset) -> gpd.GeoDataFrame:
    fields = ["id", "status"] if queryset.model is StreetLamp else ["id"]
    return frames.frame(queryset, *fields)


def _place_style(place) -> dict:
    if place.geom_type in ("Polygon", "MultiPolygon"):
        return {"facecolor": "none", "edgecolor": STYLE["place"]["color"], "linewidth": 2.5}
    return STYLE["place"]


def _points(ax, handles: dict, key: str, geoms: gpd.GeoSeries) -> None:
    if len(geoms) == 0:
        return
    style = STYLE[key]
    (handles[key],) = ax.plot(geoms.x, geoms.y, linestyle="none", **style)


def _scale_bar(ax, xmin: float, xmax: float, ymin: float, ymax: float) -> None:
    span = (xmax - xmin) / 4
    length = next(n for n in (200, 100, 50, 20, 10) if n <= span) if span >= 10 else 10
    x0, y0 = xmax - length - (xmax - xmin) * 0.04, ymin + (ymax - ymin) * 0.05
    ax.plot([x0, x0 + length], [y0, y0], color="#1d2530", linewidth=2)
    ax.text(x0 + length / 2, y0 + (ymax - ymin) * 0.02, f"{length} m", ha="center", fontsize=7)
