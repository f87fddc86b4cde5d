"""Server-side figures of the situation picture: the map image and the charts (PNG).

Plain functions over shapely geometries and numbers, drawn with matplotlib's object API
(no pyplot, no global state, safe in a web server). Text is drawn literally and colours from
data are checked (:mod:`gis.core.figures`, :mod:`gis.core.colours`): a name or colour typed by staff
never breaks a figure. Geometry is in the metric storage CRS
(metres); the map keeps its aspect so distances read true, with a scale bar.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from gis.core.colours import safe_hex
from gis.core.figures import drawable, figure
from gis.core.lazy import lazy_module

np = lazy_module("numpy")
shapely = lazy_module("shapely")

INK = "#1d2530"
MUTED = "#5b6675"
CURRENT = "#0b5cad"
PREVIOUS = "#b8c4d3"
HOT_STYLE = {
    "new": {"facecolor": "#ff7f00", "edgecolor": "#b35900", "alpha": 0.55},
    "persisting": {"facecolor": "#c0001a", "edgecolor": "#7a0010", "alpha": 0.55},
    "ended": {"facecolor": "none", "edgecolor": "#5b6675", "alpha": 0.9},
}


def _figure(width: float, height: float):
    # Text in figures (names typed by staff) is drawn literally: gis.core.figures turns off
    # matplotlib's mathtext ("$...$") and TeX.
    fig = figure(width, height, dpi=100)
    fig.patch.set_facecolor("white")
    return fig


def _png(fig, dpi: int = 144) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    """A PNG as a data: URI, to embed in a page (allowed by the site's img-src policy)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=10)


def comparison_chart(
    labels: Sequence[str],
    current: Sequence[float],
    previous: Sequence[float],
    *,
    current_label: str,
    previous_label: str,
    title: str,
    colours: Sequence[str] | None = None,
) -> bytes:
    """Horizontal bars of this period against the previous one, as a PNG image.

    Parameters
    ----------
    labels : sequence of str
        One per row (top to bottom).
    current, previous : sequence of float
        Values of this and the previous period (counts, or rates such as reports per month).
    current_label, previous_label, title : str
        Legend entries and title, already translated.
    colours : sequence of str, optional
        Colour of each row's current bar (e.g. category colours); default one blue. A colour
        that is not ``#rgb``/``#rrggbb`` (stored data may hold anything) is drawn grey.

    Returns
    -------
    bytes
        PNG image.
    """
    if not (len(labels) == len(current) == len(previous)):
        raise ValueError(
            f"labels, current and previous must have the same length, got {len(labels)}, "
            f"{len(current)} and {len(previous)}"
        )
    n = len(labels)
    labels = [drawable(label) for label in labels]
    title = drawable(title)
    current_label, previous_label = drawable(current_label), drawable(previous_label)
    fig = _figure(5.6, 0.9 + 0.42 * max(n, 1))
    ax = fig.add_subplot()
    pos = np.arange(n)[::-1].astype(float)
    ax.barh(pos + 0.19, previous, height=0.36, color=PREVIOUS, label=previous_label)
    ax.barh(
        pos - 0.19,
        current,
        height=0.36,
        color=[safe_hex(c) for c in colours] if colours else [CURRENT] * n,
        label=current_label,
    )
    top = max([*current, *previous, 1])
    for y, value in zip(pos - 0.19, current, strict=True):
        text = f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
        ax.text(value + top * 0.01, y, text, va="center", fontsize=9.5, color=INK)
    ax.set_yticks(pos, labels)
    ax.set_xlim(0, top * 1.15)
    ax.set_title(title, loc="left", fontsize=12, color=INK)
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(color=PREVIOUS, label=previous_label),
            Patch(color=MUTED if colours else CURRENT, label=current_label),
        ],
        loc="lower right",
        fontsize=9,
        frameon=False,
    )
    _style(ax)
    return _png(fig)


@dataclass(frozen=True)
class MapLayers:
    """What the situation map draws, in the storage CRS (metres)."""

    extent: tuple[float, float, float, float]
    streets: Sequence[shapely.Geometry]
    areas: Sequence[tuple[str, shapely.Geometry]]
    reports: Sequence[tuple[float, float, str]]
    hotspots: dict[str, Sequence[shapely.Geometry]]
    fixes: Sequence[tuple[int, float, float]]


def _nice_length(span: float) -> float:
    target = span / 5
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def map_png(
    layers: MapLayers, *, title: str, legend: dict[str, str], width_px: int = 1100
) -> bytes:
    """The situation map: streets, districts, the period's reports, hot spots and fixes.

    Parameters
    ----------
    layers : MapLayers
        Geometry in metres of the storage CRS.
    title : str
        Title drawn above the map.
    legend : dict
        Translated labels for the keys "reports", "new", "persisting", "ended", "fix" and
        "scale" (a format string with ``{m}``).
    width_px : int
        The longer side of the map in pixels (> 0).

    Returns
    -------
    bytes
        PNG image.
    """
    if width_px <= 0:
        raise ValueError(f"width_px must be > 0, got {width_px}")
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    xmin, ymin, xmax, ymax = layers.extent
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    aspect = (ymax - ymin) / (xmax - xmin)
    side = width_px / 100
    width_in, height_in = (side, side * aspect) if aspect <= 1 else (side / aspect, side)
    title_in = 0.5
    fig = _figure(width_in, height_in + title_in)
    ax = fig.add_axes((0, 0, 1, height_in / (height_in + title_in)))
    ax.set_facecolor("#f3f1ec")

    lines = [
        shapely.get_coordinates(part)
        for geom in layers.streets
        for part in shapely.get_parts(geom)
        if not part.is_empty
    ]
    ax.add_collection(LineCollection(lines, colors="#9aa3ad", linewidths=0.6, zorder=1))
    for _name, area in layers.areas:
        for part in shapely.get_parts(area):
            x, y = part.exterior.xy
            ax.plot(x, y, color=INK, linewidth=1.2, linestyle="--", zorder=2)
    for status in ("ended", "persisting", "new"):
        polys = [np.asarray(g.exterior.coords) for g in layers.hotspots.get(status, [])]
        if polys:
            ax.add_collection(PolyCollection(polys, linewidths=1.0, zorder=3, **HOT_STYLE[status]))
    if layers.reports:
        xs, ys, colours = zip(*layers.reports, strict=True)
        colours = [safe_hex(c) for c in colours]
        ax.scatter(xs, ys, s=14, c=colours, edgecolors="white", linewidths=0.4, zorder=4)
    for rank, x, y in layers.fixes:
        ax.scatter([x], [y], s=210, c="#4b2991", edgecolors="white", linewidths=1.2, zorder=5)
        ax.text(x, y, str(rank), color="white", fontsize=7.5, ha="center", va="center", zorder=6)
    for name, area in layers.areas:
        point = area.representative_point()
        ax.text(
            point.x,
            point.y,
            drawable(name),
            fontsize=10,
            color=INK,
            alpha=0.75,
            ha="center",
            zorder=2,
        )

    length = _nice_length(xmax - xmin)
    x0, y0 = xmin + pad * 0.8, ymin + pad * 0.8
    ax.plot([x0, x0 + length], [y0, y0], color=INK, linewidth=3, solid_capstyle="butt", zorder=7)
    ax.text(x0, y0 + pad * 0.35, legend["scale"].format(m=f"{length:g}"), fontsize=9, zorder=7)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    handles = [
        Line2D([], [], marker="o", linestyle="", color="#777", label=legend["reports"]),
        Patch(label=legend["new"], **{k: v for k, v in HOT_STYLE["new"].items()}),
        Patch(label=legend["persisting"], **{k: v for k, v in HOT_STYLE["persisting"].items()}),
        Patch(label=legend["ended"], **{k: v for k, v in HOT_STYLE["ended"].items()}),
        Line2D(
            [], [], marker="o", linestyle="", color="#4b2991", markersize=10, label=legend["fix"]
        ),
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=9, framealpha=0.92)
    fig.text(
        0.01,
        1 - 0.25 / (height_in + title_in),
        drawable(title),
        ha="left",
        va="center",
        fontsize=13,
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()
