"""Getis-Ord Gi* hot spot statistic with binary weights (grid convolution or sparse path).

Values live on cells of a grid in a projected CRS; distances are in metres.

Definition
----------
For cell i with the binary neighbour set N_i (cells within the band, *including i
itself*), c_i = |N_i|, n cells, mean xbar and population standard deviation S of the
values::

    z_i = (sum_{j in N_i} x_j - xbar * c_i) / (S * sqrt((n * c_i - c_i**2) / (n - 1)))

This is the Getis & Ord (1992) / ArcGIS Gi* z-score; for data with a positive sum (counts)
it equals esda ``G_Local(y, w, star=True, transform="B").Zs`` exactly (same algebra,
float rounding only). Edge cells simply have fewer neighbours (smaller c_i), as in esda.

p-values are two-sided, ``p = 2 * norm.sf(|z|)``, i.e. twice esda's ``p_norm`` (which is
one-sided); ArcGIS's Gi_Bin confidence levels are based on the two-sided p-value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gis.analysis import _validation as check
from gis.analysis.fdr import fdr_bh
from gis.analysis.spatial_weights import disk_half_widths
from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
sparse = lazy_attribute("scipy", "sparse")
norm = lazy_attribute("scipy.stats", "norm")

#: (two-sided p threshold, |Gi_Bin|) for 90, 95 and 99 % confidence, as in ArcGIS.
CONFIDENCE_LEVELS = ((0.10, 1), (0.05, 2), (0.01, 3))


@dataclass(frozen=True)
class GiStarResult:
    """Gi* output; arrays have the shape of the input values (grid or 1-D).

    Attributes
    ----------
    z : numpy.ndarray
        Gi* z-scores (NaN for masked cells).
    p : numpy.ndarray
        Two-sided normal p-values (NaN for masked cells).
    gi : numpy.ndarray
        The G* statistic itself: sum of neighbour values / sum of all values.
    n_neighbours : numpy.ndarray
        c_i, number of neighbours including the cell itself (0 for masked cells).
    gi_bin : numpy.ndarray
        int8 -3..3: hot (+) / cold (-) spot at 90 (1), 95 (2), 99 (3) % confidence,
        without FDR correction (see :func:`classify_gi_bin`).
    """

    z: np.ndarray
    p: np.ndarray
    gi: np.ndarray
    n_neighbours: np.ndarray
    gi_bin: np.ndarray


def _z_scores(values: np.ndarray, lag: np.ndarray, card: np.ndarray, n: int) -> np.ndarray:
    """Gi* z-scores from the (self-including) neighbour sums and counts of valid cells."""
    if n < 3:
        raise ValueError(f"values must contain at least 3 valid cells, got {n}")
    xbar = values.sum() / n
    s = np.sqrt(np.sum((values - xbar) ** 2) / n)
    if not s > 0:
        raise ValueError("values must not be constant (zero variance), Gi* is undefined")
    if (card >= n).any():
        raise ValueError(
            f"distance is so large that a cell has all {n} cells as neighbours; "
            "Gi* is undefined, use a smaller distance"
        )
    return (lag - xbar * card) / (s * np.sqrt((n * card - card * card) / (n - 1)))


def _result(z: np.ndarray, lag: np.ndarray, total: float, card: np.ndarray) -> GiStarResult:
    p = 2.0 * norm.sf(np.abs(z))
    with np.errstate(invalid="ignore", divide="ignore"):
        gi = lag / total
    return GiStarResult(z, p, gi, card, classify_gi_bin(z, p))


def disk_sum(values: np.ndarray, cell_size: float, distance: float) -> np.ndarray:
    """Sum of each cell's values over the disk of cells with centres within ``distance``.

    The convolution with the binary disk kernel, computed as sums of row spans from
    per-row prefix sums: O(n_cells x (2R + 1)) with R = distance / cell_size, exact for
    integer counts, and cells beyond the grid edge contribute nothing.

    Parameters
    ----------
    values : numpy.ndarray
        2-D grid (rows, cols).
    cell_size : float
        Cell edge in metres.
    distance : float
        Disk radius in metres (inclusive).

    Returns
    -------
    numpy.ndarray
        float64 grid of the same shape.
    """
    a = np.asarray(values, dtype=np.float64)
    rows, cols = a.shape
    half = disk_half_widths(cell_size, distance, max(rows, cols))
    prefix = np.zeros((rows, cols + 1))
    np.cumsum(a, axis=1, out=prefix[:, 1:])
    c = np.arange(cols)
    out = np.zeros((rows, cols))
    spans: dict[int, np.ndarray] = {}
    for di, w in half.items():
        if w not in spans:
            spans[w] = prefix[:, np.minimum(c + w + 1, cols)] - prefix[:, np.maximum(c - w, 0)]
        span = spans[w]
        if di >= 0:
            out[: rows - di] += span[di:]
        else:
            out[-di:] += span[: rows + di]
    return out


def gistar_grid(
    values: np.ndarray,
    cell_size: float,
    distance: float,
    *,
    mask: np.ndarray | None = None,
) -> GiStarResult:
    """Gi* on a square grid with a binary distance band, by disk convolution.

    Parameters
    ----------
    values : numpy.ndarray
        2-D grid of values (e.g. counts per cell), finite where ``mask`` is True.
    cell_size : float
        Cell edge in metres.
    distance : float
        Band distance in metres between cell centres (inclusive); must be >= cell_size
        for the cells to have neighbours.
    mask : numpy.ndarray of bool, optional
        True for cells in the study area; others are not observations (they neither count
        towards n nor as neighbours) and get NaN z / p.

    Returns
    -------
    GiStarResult
        Arrays shaped like ``values``.
    """
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"values must be a 2-D grid, got {a.ndim} dimension(s)")
    cs = check.positive("cell_size", cell_size)
    d = check.positive("distance", distance)
    if d < cs:
        raise ValueError(f"distance must be >= cell_size ({cs} m), got {d} m")
    if mask is None:
        valid = np.ones(a.shape, dtype=bool)
    else:
        valid = np.asarray(mask, dtype=bool)
        if valid.shape != a.shape:
            raise ValueError(f"mask must have the shape of values {a.shape}, got {valid.shape}")
    if not np.isfinite(a[valid]).all():
        raise ValueError("values must be finite inside the mask, got NaN or infinity")
    x = np.where(valid, a, 0.0)
    lag = disk_sum(x, cs, d)
    card = np.rint(disk_sum(valid.astype(np.float64), cs, d))
    n = int(valid.sum())
    z = np.full(a.shape, np.nan)
    z[valid] = _z_scores(x[valid], lag[valid], card[valid], n)
    card[~valid] = 0
    lag[~valid] = np.nan
    return _result(z, lag, float(x.sum()), card.astype(np.int64))


def _binary_star(weights: sparse.spmatrix, n: int) -> sparse.csr_matrix:
    if not sparse.issparse(weights) or weights.shape != (n, n):
        shape = getattr(weights, "shape", None)
        raise ValueError(f"weights must be a sparse ({n}, {n}) matrix, got shape {shape}")
    w = sparse.csr_matrix(weights, dtype=np.float64, copy=True)
    w.setdiag(0)
    w.eliminate_zeros()
    w.data[:] = 1.0
    return (w + sparse.identity(n, format="csr")).tocsr()


def gistar_sparse(values: Sequence[float], weights: sparse.spmatrix) -> GiStarResult:
    """Gi* for any cell layout (hex grids, contiguity, irregular areas) from sparse weights.

    Parameters
    ----------
    values : array-like
        1-D values, one per cell (finite).
    weights : scipy.sparse matrix
        (n, n) neighbour matrix, e.g. from :mod:`gis.analysis.spatial_weights`. Treated as
        binary: every non-zero off-diagonal entry is a neighbour (weight 1) and the cell
        itself is always added with weight 1 (the "star").

    Returns
    -------
    GiStarResult
        1-D arrays.
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    if not np.isfinite(y).all():
        raise ValueError("values must be finite, got NaN or infinity")
    w = _binary_star(weights, y.size)
    lag = w @ y
    card = np.diff(w.indptr).astype(np.int64)
    z = _z_scores(y, lag, card.astype(np.float64), y.size)
    return _result(z, lag, float(y.sum()), card)


def classify_gi_bin(z: np.ndarray, p: np.ndarray, *, fdr: bool = False) -> np.ndarray:
    """ArcGIS-style Gi_Bin: +-3 / +-2 / +-1 for hot / cold spots at 99 / 95 / 90 % confidence.

    Parameters
    ----------
    z : numpy.ndarray
        Gi* z-scores (sign gives hot / cold).
    p : numpy.ndarray
        Two-sided p-values; NaN is never significant.
    fdr : bool
        If True, a cell is significant at level alpha only if the Benjamini-Hochberg
        procedure at alpha rejects it (ArcGIS "Apply False Discovery Rate correction");
        otherwise p < alpha.

    Returns
    -------
    numpy.ndarray
        int8 array of -3..3, shape of ``z``.
    """
    za, pa = np.asarray(z, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if za.shape != pa.shape:
        raise ValueError(f"z and p must have the same shape, got {za.shape} and {pa.shape}")
    level = np.zeros(za.shape, dtype=np.int8)
    for alpha, code in CONFIDENCE_LEVELS:
        sig = fdr_bh(pa, alpha).reject if fdr else np.nan_to_num(pa, nan=1.0) < alpha
        level[sig] = code
    return (np.sign(np.nan_to_num(za)) * level).astype(np.int8)


@dataclass(frozen=True)
class PermutationResult:
    """Conditional-randomisation inference for Gi* (as esda's ``p_sim`` / ``z_sim``)."""

    p_sim: np.ndarray
    z_sim: np.ndarray
    expected: np.ndarray
    std: np.ndarray
    n_permutations: int


def gistar_permutation(
    values: Sequence[float],
    weights: sparse.spmatrix,
    *,
    n_permutations: int = 999,
    seed: int | None = 0,
    chunk_size: int = 512,
) -> PermutationResult:
    """Pseudo p-values for Gi* by conditional randomisation (slow; meant for notebooks).

    For each cell the own value is held fixed and its c_i - 1 neighbour values are
    replaced by values drawn without replacement from the other n - 1 cells, as in esda's
    ``_crand`` (one draw per permutation shared by all cells). The pseudo p-value is
    folded (one-sided towards the observed tail): ``(min(#sim >= obs, #sim < obs) + 1) /
    (n_permutations + 1)``, equal in meaning to esda's ``p_sim``. Cost is
    O(n x n_permutations x max c_i).

    Parameters
    ----------
    values : array-like
        1-D values, one per cell.
    weights : scipy.sparse matrix
        (n, n) binary neighbour matrix (self added automatically, as in
        :func:`gistar_sparse`).
    n_permutations : int
        Number of random permutations (>= 1).
    seed : int or None
        Seed for ``numpy.random.default_rng`` (fixed by default for reproducibility).
    chunk_size : int
        Cells processed together (memory ~ chunk_size x n_permutations x max c_i x 8 B).

    Returns
    -------
    PermutationResult
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    if not np.isfinite(y).all():
        raise ValueError("values must be finite, got NaN or infinity")
    perms = check.non_negative_int("n_permutations", n_permutations)
    if perms < 1:
        raise ValueError(f"n_permutations must be >= 1, got {n_permutations}")
    step = int(check.positive("chunk_size", chunk_size, unit=""))
    w = _binary_star(weights, y.size)
    n = y.size
    if n < 3:
        raise ValueError(f"values must contain at least 3 cells, got {n}")
    observed = w @ y
    k = np.diff(w.indptr) - 1  # neighbours other than self
    kmax = int(k.max())
    rng = np.random.default_rng(seed)
    if kmax > n - 1:
        raise ValueError("weights give a cell more neighbours than there are other cells")
    draws = (
        np.stack([rng.choice(n - 1, kmax, replace=False) for _ in range(perms)]) if kmax else None
    )
    sims = np.empty((n, perms))
    for start in range(0, n, step):
        idx = np.arange(start, min(start + step, n))
        if draws is None:
            sims[idx] = y[idx, None]
            continue
        other = draws[None, :, :] + (draws[None, :, :] >= idx[:, None, None])
        csum = np.cumsum(y[other], axis=2)
        kk = k[idx]
        picked = np.where(kk[:, None] > 0, csum[np.arange(idx.size), :, np.maximum(kk - 1, 0)], 0.0)
        sims[idx] = y[idx, None] + picked
    larger = (sims >= observed[:, None]).sum(axis=1)
    larger = np.minimum(larger, perms - larger)
    expected = sims.mean(axis=1)
    std = sims.std(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_sim = (observed - expected) / std
    return PermutationResult((larger + 1) / (perms + 1), z_sim, expected, std, perms)
