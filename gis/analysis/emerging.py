"""Emerging hot spot analysis: Gi* per time step + Mann-Kendall trend, ArcGIS Pro categories.

Input is a space-time cube of values (e.g. incident counts) per cell and time step, on a
square grid (distances in metres) or on any cells with sparse neighbour weights.

Neighbourhood
-------------
``time_window = 0`` (default): each time step is analysed on its own, Gi* with the
spatial neighbours within ``distance`` of the same step (the population for mean and
variance is that step's cells), i.e. exactly :func:`gis.analysis.gistar.gistar_grid` per
step. ``time_window = k > 0``: a space-time Gi* as in ArcGIS's "neighbourhood time step":
the neighbours of bin (t, i) are the spatial neighbours of i at steps t-k..t (fewer at the
start of the series), and mean / variance are taken over the whole cube. A time step
whose values are all equal has no defined Gi*; its z-scores are set to 0 (not significant).

Categories (ArcGIS Pro "Emerging Hot Spot Analysis", restated; "hot" = a statistically
significant hot spot bin, i.e. p < alpha with z > 0; the 90 % rule counts hot bins out of
all time steps, ``10 * n_hot >= 9 * n_steps``; "trend" = Mann-Kendall on the cell's Gi*
z-score series, significant when its p < trend_alpha)::

    new           hot at the final step and never hot before.
    consecutive   a single unbroken run of >= 2 hot bins ending at the final step, never hot
                  before that run, and fewer than 90 % of the steps hot.
    intensifying  hot in >= 90 % of the steps including the final one, with a
                  significant upward trend of the z-scores.
    persistent    hot in >= 90 % of the steps including the final one, no significant
                  trend.
    diminishing   hot in >= 90 % of the steps including the final one, with a
                  significant downward trend.
    sporadic      hot at the final step, on-and-off hot before, fewer than 90 % of the
                  steps hot, and never a significant cold spot.
    oscillating   hot at the final step, a significant cold spot at some earlier step, and
                  fewer than 90 % of the steps hot.
    historical    hot in >= 90 % of the steps, but not at the final step.

The same eight apply to cold spots with hot/cold swapped (an intensifying cold spot has a
significant *downward* trend, a diminishing one an upward trend). Anything else is "no
pattern". Where two definitions overlap the first rule in this order wins: the 90 %
families (historical, intensifying, diminishing, persistent; hot, then cold), then the
final-step families (oscillating, new, consecutive, sporadic). Hence a cell hot in >= 90 %
of the steps but not in the last is historical whatever its trend, and a cell that was
ever cold and is hot now is oscillating rather than new.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.analysis import _validation as check
from gis.analysis.fdr import fdr_bh
from gis.analysis.gistar import _binary_star, disk_sum
from gis.analysis.mannkendall import mann_kendall
from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
pd = lazy_module("pandas")
sparse = lazy_attribute("scipy", "sparse")
norm = lazy_attribute("scipy.stats", "norm")

MIN_TIME_STEPS = 10
PATTERNS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
NO_PATTERN = "no pattern"
CATEGORIES = (
    NO_PATTERN,
    *(f"{p} hot spot" for p in PATTERNS),
    *(f"{p} cold spot" for p in PATTERNS),
)


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hot spot output.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per analysed cell: ``cell_id`` (and ``row``, ``col`` for grids),
        ``category``, ``trend_z``, ``trend_p``, ``trend_s`` (Mann-Kendall on the z-series),
        ``final_z``, ``final_p``, ``n_hot``, ``n_cold``, ``share_hot``, ``share_cold``,
        ``share_significant`` (shares of time steps).
    z, p : numpy.ndarray
        (n_steps, n_cells) Gi* z-scores and two-sided p-values of the analysed cells, in
        table order.
    """

    table: pd.DataFrame
    z: np.ndarray
    p: np.ndarray


def _side(
    own: np.ndarray, other: np.ndarray, up: np.ndarray, down: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pattern index (into PATTERNS, -1 none) for one side: 90 % families, final families."""
    n_steps = own.shape[1]
    count = own.sum(axis=1)
    final = own[:, -1]
    ninety = 10 * count >= 9 * n_steps
    run = np.cumprod(own[:, ::-1], axis=1).sum(axis=1)
    idx = PATTERNS.index
    long_term = np.select(
        [ninety & ~final, ninety & up, ninety & down, ninety],
        [idx("historical"), idx("intensifying"), idx("diminishing"), idx("persistent")],
        -1,
    )
    recent = np.select(
        [
            ~ninety & final & other.any(axis=1),
            ~ninety & final & (count == 1),
            ~ninety & final & (run >= 2) & (run == count),
            ~ninety & final,
        ],
        [idx("oscillating"), idx("new"), idx("consecutive"), idx("sporadic")],
        -1,
    )
    return long_term, recent


def classify_emerging(
    z: np.ndarray,
    p: np.ndarray,
    *,
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
    fdr: bool = False,
) -> pd.DataFrame:
    """Classify cells from their Gi* z / p series (see module docstring for the rules).

    Parameters
    ----------
    z, p : numpy.ndarray
        (n_steps, n_cells) Gi* z-scores and two-sided p-values, oldest step first.
    alpha : float
        Significance level of a hot / cold spot bin.
    trend_alpha : float
        Significance level of the Mann-Kendall trend.
    fdr : bool
        If True, bins are significant where Benjamini-Hochberg at ``alpha`` rejects,
        applied separately to each time step.

    Returns
    -------
    pandas.DataFrame
        One row per cell (columns as in :class:`EmergingResult`, without ids).
    """
    za, pa = np.asarray(z, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if za.ndim != 2 or za.shape != pa.shape:
        raise ValueError(f"z and p must be (n_steps, n_cells) arrays of one shape, got {za.shape}")
    n_steps = za.shape[0]
    if n_steps < MIN_TIME_STEPS:
        raise ValueError(f"n_steps must be >= {MIN_TIME_STEPS} time steps, got {n_steps}")
    a = check.probability("alpha", alpha)
    ta = check.probability("trend_alpha", trend_alpha)
    sig = np.stack([fdr_bh(row, a).reject for row in pa]) if fdr else pa < a
    hot, cold = (sig & (za > 0)).T, (sig & (za < 0)).T
    mk = mann_kendall(za.T, ta)
    up, down = mk.trend > 0, mk.trend < 0
    hot_long, hot_recent = _side(hot, cold, up, down)
    cold_long, cold_recent = _side(cold, hot, down, up)
    names = np.array(CATEGORIES, dtype=object)
    code = np.zeros(za.shape[1], dtype=np.int64)  # 0 = no pattern
    # Assign in reverse priority so that higher-priority rules overwrite.
    for pattern, offset in ((cold_recent, 1 + len(PATTERNS)), (hot_recent, 1)):
        code = np.where(pattern >= 0, pattern + offset, code)
    for pattern, offset in ((cold_long, 1 + len(PATTERNS)), (hot_long, 1)):
        code = np.where(pattern >= 0, pattern + offset, code)
    n_hot, n_cold = hot.sum(axis=1), cold.sum(axis=1)
    return pd.DataFrame(
        {
            "category": names[code],
            "trend_z": mk.z,
            "trend_p": mk.p,
            "trend_s": mk.s,
            "final_z": za[-1],
            "final_p": pa[-1],
            "n_hot": n_hot,
            "n_cold": n_cold,
            "share_hot": n_hot / n_steps,
            "share_cold": n_cold / n_steps,
            "share_significant": (n_hot + n_cold) / n_steps,
        }
    )


def _space_time_z(
    values: np.ndarray, lag: np.ndarray, card: np.ndarray, time_window: int
) -> np.ndarray:
    """Gi* z for (n_steps, n_cells) values given spatial lags and spatial neighbour counts."""
    n_steps, n_cells = values.shape
    if time_window == 0:
        n = float(n_cells)
        xbar = values.mean(axis=1, keepdims=True)
        s = values.std(axis=1, keepdims=True)
        c = np.broadcast_to(card, values.shape)
    else:
        csum = np.cumsum(lag, axis=0)
        lo = np.arange(n_steps) - time_window - 1
        prev = np.where(lo[:, None] >= 0, csum[np.maximum(lo, 0)], 0.0)
        lag = csum - prev
        steps = np.arange(n_steps) - np.maximum(np.arange(n_steps) - time_window, 0) + 1
        c = steps[:, None] * card[None, :]
        n = float(values.size)
        xbar = values.mean()
        s = values.std()
    if np.any(c >= n):
        raise ValueError("distance is so large that a cell has every cell as a neighbour")
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (lag - xbar * c) / (s * np.sqrt((n * c - c * c) / (n - 1)))
    return np.where(np.broadcast_to(s, z.shape) > 0, z, 0.0)


def emerging_hotspots(
    cube: np.ndarray,
    *,
    cell_size: float | None = None,
    distance: float | None = None,
    weights: sparse.spmatrix | None = None,
    mask: np.ndarray | None = None,
    time_window: int = 0,
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
    fdr: bool = False,
) -> EmergingResult:
    """Emerging hot spot analysis of a space-time cube.

    Parameters
    ----------
    cube : numpy.ndarray
        Either (n_steps, rows, cols) values on a square grid (give ``cell_size`` and
        ``distance``), or (n_steps, n_cells) values (give sparse ``weights``). Oldest step
        first; at least 10 steps.
    cell_size : float, optional
        Grid cell edge in metres (grid cubes).
    distance : float, optional
        Neighbourhood distance between cell centres in metres (grid cubes, inclusive).
    weights : scipy.sparse matrix, optional
        (n_cells, n_cells) binary spatial neighbours (cell cubes); self is added.
    mask : numpy.ndarray of bool, optional
        (rows, cols) study-area mask for grid cubes; cells outside are not analysed.
    time_window : int
        Number of previous time steps in the neighbourhood (0 = spatial only, see module
        docstring).
    alpha : float
        Significance level of hot / cold spot bins (two-sided Gi* p-value).
    trend_alpha : float
        Significance level of the Mann-Kendall trend.
    fdr : bool
        Apply Benjamini-Hochberg per time step when deciding significance.

    Returns
    -------
    EmergingResult
    """
    data = np.asarray(cube, dtype=np.float64)
    k = check.non_negative_int("time_window", time_window)
    if data.ndim not in (2, 3):
        raise ValueError(
            f"cube must be (n_steps, rows, cols) or (n_steps, n_cells), got {data.ndim}-D"
        )
    if data.shape[0] < MIN_TIME_STEPS:
        raise ValueError(f"cube must have >= {MIN_TIME_STEPS} time steps, got {data.shape[0]}")
    if k >= data.shape[0]:
        raise ValueError(f"time_window must be < the number of time steps, got {k}")
    ids: dict[str, np.ndarray]
    if data.ndim == 3:
        if cell_size is None or distance is None:
            raise ValueError("cell_size and distance are required for a (n_steps, rows, cols) cube")
        cs = check.positive("cell_size", cell_size)
        d = check.positive("distance", distance)
        if d < cs:
            raise ValueError(f"distance must be >= cell_size ({cs} m), got {d} m")
        rows, cols = data.shape[1:]
        valid = np.ones((rows, cols), bool) if mask is None else np.asarray(mask, bool)
        if valid.shape != (rows, cols):
            raise ValueError(f"mask must have shape {(rows, cols)}, got {valid.shape}")
        x = np.where(valid, data, 0.0)
        if not np.isfinite(x).all():
            raise ValueError("cube must be finite inside the mask, got NaN or infinity")
        lag = np.stack([disk_sum(step, cs, d) for step in x])[:, valid]
        card = np.rint(disk_sum(valid.astype(np.float64), cs, d))[valid]
        values = x[:, valid]
        flat = np.flatnonzero(valid.ravel())
        ids = {"cell_id": flat, "row": flat // cols, "col": flat % cols}
    else:
        if weights is None:
            raise ValueError("weights are required for a (n_steps, n_cells) cube")
        if not np.isfinite(data).all():
            raise ValueError("cube must be finite, got NaN or infinity")
        w = _binary_star(weights, data.shape[1])
        values = data
        lag = (w @ data.T).T
        card = np.diff(w.indptr).astype(np.float64)
        ids = {"cell_id": np.arange(data.shape[1])}
    if values.shape[1] < 3:
        raise ValueError(f"cube must contain at least 3 analysed cells, got {values.shape[1]}")
    z = _space_time_z(values, np.asarray(lag), card, k)
    p = 2.0 * norm.sf(np.abs(z))
    table = classify_emerging(z, p, alpha=alpha, trend_alpha=trend_alpha, fdr=fdr)
    for i, (name, col) in enumerate(ids.items()):
        table.insert(i, name, col)
    return EmergingResult(table, z, p)
