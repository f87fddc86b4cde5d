"""Matplotlib figures whose text is drawn literally, whatever it holds.

Names typed by staff or residents (districts, categories) end up in figure titles, labels and
legends. Matplotlib would read ``$...$`` in them as mathematics (a bad expression fails the
whole image) and, with ``text.usetex``, pass them to LaTeX. This module is the one place that
turns both off for the whole process: every server-side figure is made by :func:`figure`, which
does so before drawing (matplotlib is imported then, not when the web server boots).
"""

from __future__ import annotations

import re

from gis.core.lazy import lazy_module

matplotlib = lazy_module("matplotlib")

#: The settings every figure of Trygg is drawn with: text is text, never mathematics or TeX.
LITERAL_TEXT = {"text.parse_math": False, "text.usetex": False}


#: Control characters a font has no glyph for (tab, carriage return, C0/C1); newline stays.
_UNDRAWABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def drawable(text: object) -> str:
    """`text` as a string whose control characters (stored before input refused them, or a
    tab) are drawn as spaces: fonts have no glyph for them."""
    return _UNDRAWABLE.sub(" ", str(text))


def literal_text() -> None:
    """Make matplotlib draw every text literally (idempotent; process-wide)."""
    for key, value in LITERAL_TEXT.items():
        if matplotlib.rcParams[key] != value:
            matplotlib.rcParams[key] = value


def figure(width: float, height: float, dpi: int = 100):
    """A :class:`matplotlib.figure.Figure` on the Agg canvas (no pyplot state), literal text.

    Parameters
    ----------
    width, height : float
        Size in inches.
    dpi : int
        Dots per inch.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    literal_text()
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig
