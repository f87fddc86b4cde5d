"""Mann-Kendall trend test, vectorised over many series at once.

Reproduces ``pymannkendall.original_test`` (S, var(S) with the ties correction, the
continuity-corrected Z, the two-sided p-value and the trend decision) for an
(n_series, n_steps) array, without a Python loop over series.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.analysis import _validation as check
from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
norm = lazy_attribute("scipy.stats", "norm")


@dataclass(frozen=True)
class MannKendallResult:
    """Per-series Mann-Kendall results (1-D arrays of length n_series).

    Attributes
    ----------
    s : numpy.ndarray
        Mann-Kendall score S = sum_{k<j} sign(x_j - x_k).
    var_s : numpy.ndarray
        Variance of S under H0 with the ties correction.
    z : numpy.ndarray
        Standardised score with continuity correction ((S -+ 1) / sqrt(var_s), 0 if S = 0).
    p : numpy.ndarray
        Two-sided p-value.
    tau : numpy.ndarray
        Kendall's tau, S / (n (n - 1) / 2).
    trend : numpy.ndarray
        int8: 1 increasing, -1 decreasing, 0 no trend (at level ``alpha``).
    """

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    trend: np.ndarray


def _tie_term(x: np.ndarray) -> np.ndarray:
    """sum over tie groups of t (t - 1) (2 t + 5), per row."""
    rows, n = x.shape
    srt = np.sort(x, axis=1)
    starts = np.ones((rows, n), dtype=bool)
    starts[:, 1:] = srt[:, 1:] != srt[:, :-1]
    group = np.cumsum(starts.ravel()) - 1  # global group index, row-major
    t = np.bincount(group).astype(np.float64)
    term = t * (t - 1) * (2 * t + 5)
    first_group = group.reshape(rows, n)[:, 0]
    row_of_group = np.repeat(np.arange(rows), np.diff(np.append(first_group, group[-1] + 1)))
    return np.bincount(row_of_group, weights=term, minlength=rows)


def mann_kendall(
    series: np.ndarray, alpha: float = 0.05, *, chunk_size: int = 16384
) -> MannKendallResult:
    """Mann-Kendall test of each row of an (n_series, n_steps) array.

    Parameters
    ----------
    series : numpy.ndarray
        Time series in rows (oldest first); must be finite. A 1-D array is one series.
    alpha : float
        Significance level of the two-sided trend decision.
    chunk_size : int
        Rows processed at once (memory ~ chunk_size x n_steps^2 / 2 bytes).

    Returns
    -------
    MannKendallResult
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(f"series must be a 1-D or 2-D array, got {x.ndim} dimensions")
    n = x.shape[1]
    if n < 3:
        raise ValueError(f"series must have at least 3 time steps, got {n}")
    if not np.isfinite(x).all():
        raise ValueError("series must be finite, got NaN or infinity")
    a = check.probability("alpha", alpha)
    step = int(check.positive("chunk_size", chunk_size, unit=""))
    iu, ju = np.triu_indices(n, k=1)
    s = np.empty(x.shape[0])
    for start in range(0, x.shape[0], step):
        blk = x[start : start + step]
        s[start : start + step] = np.sign(blk[:, ju] - blk[:, iu]).sum(axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - _tie_term(x)) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(
            s > 0, (s - 1) / np.sqrt(var_s), np.where(s < 0, (s + 1) / np.sqrt(var_s), 0.0)
        )
    p = 2.0 * norm.sf(np.abs(z))
    h = np.abs(z) > norm.ppf(1 - a / 2)
    trend = (np.sign(z) * h).astype(np.int8)
    return MannKendallResult(s, var_s, z, p, s / (0.5 * n * (n - 1)), trend)
