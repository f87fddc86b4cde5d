"""Benjamini-Hochberg false discovery rate control for many local tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gis.analysis import _validation as check
from gis.core.lazy import lazy_module

np = lazy_module("numpy")


@dataclass(frozen=True)
class FdrResult:
    """Outcome of the Benjamini-Hochberg procedure.

    Attributes
    ----------
    reject : numpy.ndarray
        bool, True where the null hypothesis is rejected (significant), shape of ``p``.
    p_adjusted : numpy.ndarray
        BH-adjusted p-values (q-values), capped at 1; NaN where ``p`` is NaN.
    p_critical : float
        Largest raw p-value that is rejected (0.0 when nothing is rejected): a cell is
        significant iff its p <= p_critical.
    """

    reject: np.ndarray
    p_adjusted: np.ndarray
    p_critical: float


def fdr_bh(p: Sequence[float] | np.ndarray, alpha: float = 0.05) -> FdrResult:
    """Benjamini-Hochberg step-up procedure (same result as statsmodels ``fdr_bh``).

    With the m finite p-values sorted ascending, p_(1) <= ... <= p_(m), the largest k with
    ``p_(k) <= k / m * alpha`` is found and p_(1)..p_(k) are rejected. Adjusted p-values are
    ``min_{j >= i} (m / j * p_(j))`` capped at 1. NaN p-values (e.g. masked cells) are left
    out of m and never rejected.

    Parameters
    ----------
    p : array-like
        p-values in [0, 1], any shape.
    alpha : float
        False discovery rate to control, in (0, 1).

    Returns
    -------
    FdrResult
    """
    a = check.probability("alpha", alpha)
    pa = np.asarray(p, dtype=np.float64)
    finite = ~np.isnan(pa)
    vals = pa[finite]
    if ((vals < 0) | (vals > 1)).any():
        raise ValueError("p must contain p-values in [0, 1]")
    reject = np.zeros(pa.shape, dtype=bool)
    adjusted = np.full(pa.shape, np.nan)
    m = vals.size
    if m == 0:
        return FdrResult(reject, adjusted, 0.0)
    order = np.argsort(vals, kind="mergesort")
    sorted_p = vals[order]
    ranks = np.arange(1, m + 1)
    passed = np.nonzero(sorted_p <= ranks / m * a)[0]
    p_critical = float(sorted_p[passed[-1]]) if passed.size else 0.0
    adj_sorted = np.minimum.accumulate((sorted_p * m / ranks)[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(adj_sorted, 1.0)
    adjusted[finite] = adj
    reject[finite] = vals <= p_critical if passed.size else False
    return FdrResult(reject, adjusted, p_critical)
