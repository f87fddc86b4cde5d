"""Shared parameter checks for the analysis package.

Every check raises :class:`ValueError` with a one-line message that names the
offending parameter, so callers (web views, notebooks) can show it verbatim.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from gis.core.lazy import lazy_module

np = lazy_module("numpy")

Extent = tuple[float, float, float, float]


def positive(name: str, value: float, unit: str = "m") -> float:
    """Return ``value`` as float, or raise if it is not a finite number > 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        suffix = f" {unit}" if unit else ""
        raise ValueError(f"{name} must be > 0{suffix}, got {value!r}")
    return v


def probability(name: str, value: float) -> float:
    """Return ``value`` as float, or raise if it is not in the open interval (0, 1)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not 0.0 < v < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")
    return v


def non_negative_int(name: str, value: int) -> int:
    """Return ``value`` as int, or raise if it is not an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def coordinates(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Return x, y as 1-D float64 arrays; raise on length mismatch, emptiness or NaN."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    if xa.size == 0:
        raise ValueError("x and y must contain at least one point, got an empty point set")
    if not (np.isfinite(xa).all() and np.isfinite(ya).all()):
        raise ValueError("x and y must be finite coordinates in metres, got NaN or infinity")
    return xa, ya


def weights(w: Sequence[float] | None, n: int) -> np.ndarray | None:
    """Return weights as float64, or None; raise on wrong length, NaN, negatives or all zero."""
    if w is None:
        return None
    wa = np.asarray(w, dtype=np.float64).ravel()
    if wa.size != n:
        raise ValueError(f"weights must have one value per point ({n}), got {wa.size}")
    if not np.isfinite(wa).all():
        raise ValueError("weights must be finite, got NaN or infinity")
    if (wa < 0).any():
        raise ValueError(f"weights must be >= 0, got minimum {wa.min()!r}")
    if not (wa > 0).any():
        raise ValueError("weights must not all be zero")
    return wa


def extent(value: Sequence[float]) -> Extent:
    """Return (xmin, ymin, xmax, ymax) as floats; raise unless finite with xmin<xmax, ymin<ymax."""
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"extent must be (xmin, ymin, xmax, ymax) in metres, got {value!r}"
        ) from None
    if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)):
        raise ValueError(f"extent must be finite, got {value!r}")
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(f"extent must have xmin < xmax and ymin < ymax, got {value!r}")
    return xmin, ymin, xmax, ymax


def n_cells(span: float, cell_size: float) -> int:
    """Number of cells of ``cell_size`` needed to cover ``span`` (tolerant to rounding)."""
    return max(1, math.ceil(span / cell_size - 1e-9))
