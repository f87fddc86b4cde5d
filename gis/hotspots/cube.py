"""Space-time cubes of report counts: monthly time steps, the analysis grid and its mask.

Pure functions over numpy arrays and GeoDataFrames (no Django): coordinates, cell sizes and
distances are metres of the projected storage CRS (EPSG:3006 SWEREF 99 TM by default,
EPSG:3067 in the Helsinki demo). Times are timezone-aware datetimes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from gis.analysis import SquareGrid, assign_points, grid_to_geodataframe, make_square_grid
from gis.analysis.emerging import MIN_TIME_STEPS
from gis.core.lazy import lazy_module

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

STUDY_AREAS = ("network", "reports", "extent")


def month_edges(end: datetime, months: int) -> list[datetime]:
    """Edges of ``months`` calendar-month time steps ending with the month of ``end``.

    Parameters
    ----------
    end : datetime
        Timezone-aware end of the last step (exclusive); months are calendar months of
        ``end``'s time zone. The last step is the (usually partial) month containing ``end``.
    months : int
        Number of time steps (>= 1).

    Returns
    -------
    list of datetime
        ``months + 1`` edges: the first instants of the months, then ``end``.
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError(f"months must be an integer >= 1, got {months!r}")
    if not isinstance(end, datetime) or end.tzinfo is None:
        raise ValueError(f"end must be a timezone-aware datetime, got {end!r}")
    first = end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if first == end:  # `end` is a month start: the last step is the month before it
        first = _add_months(first, -1)
    starts = [_add_months(first, -k) for k in range(months - 1, -1, -1)]
    return [*starts, end]


def _add_months(start: datetime, k: int) -> datetime:
    index = start.year * 12 + start.month - 1 + k
    return start.replace(year=index // 12, month=index % 12 + 1)


def check_emerging_steps(months: int) -> int:
    """Return ``months`` or raise if an emerging analysis cannot use that many steps."""
    if isinstance(months, bool) or not isinstance(months, int) or months < MIN_TIME_STEPS:
        raise ValueError(f"months must be an integer >= {MIN_TIME_STEPS} time steps, got {months}")
    return months


def aligned_grid(extent: Sequence[float], cell_size: float, *, max_cells: int) -> SquareGrid:
    """A square grid covering ``extent`` with its corners on multiples of ``cell_size``.

    Aligned grids make runs over the same area and cell size share cell ids, so their
    cells can be compared one to one.

    Parameters
    ----------
    extent : (xmin, ymin, xmax, ymax)
        Area to cover, metres.
    cell_size : float
        Cell edge in metres (> 0).
    max_cells : int
        Refuse larger grids (ValueError naming ``cell_size``).

    Returns
    -------
    SquareGrid
    """
    try:
        cs = float(cell_size)
    except (TypeError, ValueError):
        raise ValueError(f"cell_size must be a number, got {cell_size!r}") from None
    if not math.isfinite(cs) or cs <= 0:
        raise ValueError(f"cell_size must be > 0 m, got {cell_size!r}")
    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    snapped = (
        math.floor(xmin / cs) * cs,
        math.floor(ymin / cs) * cs,
        math.ceil(xmax / cs) * cs,
        math.ceil(ymax / cs) * cs,
    )
    if snapped[2] <= snapped[0]:
        snapped = (snapped[0], snapped[1], snapped[0] + cs, snapped[3])
    if snapped[3] <= snapped[1]:
        snapped = (snapped[0], snapped[1], snapped[2], snapped[1] + cs)
    return make_square_grid(snapped, cs, max_cells=max_cells)


def step_index(times: pd.Series | Sequence[datetime], edges: Sequence[datetime]) -> np.ndarray:
    """Time step of each instant (-1 outside [edges[0], edges[-1])).

    Parameters
    ----------
    times : sequence of aware datetimes
    edges : sequence of aware datetimes
        Increasing step edges, e.g. from :func:`month_edges`.

    Returns
    -------
    numpy.ndarray
        int64 step index per instant.
    """
    t = pd.to_datetime(pd.Series(times), utc=True).to_numpy(dtype="datetime64[ns]")
    e = pd.to_datetime(pd.Series(list(edges)), utc=True).to_numpy(dtype="datetime64[ns]")
    if e.size < 2 or not (np.diff(e) > np.timedelta64(0)).all():
        raise ValueError("edges must be at least two increasing instants")
    index = np.searchsorted(e, t, side="right") - 1
    return np.where((index >= 0) & (index < e.size - 1), index, -1).astype(np.int64)


def space_time_counts(
    grid: SquareGrid,
    x: np.ndarray,
    y: np.ndarray,
    steps: np.ndarray,
    n_steps: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """(Weighted) count of points per time step and grid cell.

    Parameters
    ----------
    grid : SquareGrid
    x, y : numpy.ndarray
        Point coordinates in metres (grid CRS).
    steps : numpy.ndarray
        Time step of each point (-1 = not counted), e.g. from :func:`step_index`.
    n_steps : int
        Number of time steps.
    weights : numpy.ndarray, optional
        Weight per point (default 1).

    Returns
    -------
    numpy.ndarray
        float64 cube of shape (n_steps, rows, cols), row 0 = north.
    """
    cells = assign_points(grid, x, y) if len(x) else np.zeros(0, np.int64)
    steps = np.asarray(steps, dtype=np.int64)
    if steps.shape != cells.shape:
        raise ValueError(f"steps must have one value per point ({cells.size}), got {steps.size}")
    keep = (cells >= 0) & (steps >= 0) & (steps < n_steps)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)[keep]
    flat = steps[keep] * grid.n_cells + cells[keep]
    counts = np.bincount(flat, weights=w, minlength=n_steps * grid.n_cells)
    return counts.astype(np.float64).reshape(n_steps, grid.rows, grid.cols)


def study_mask(
    grid: SquareGrid,
    study_area: str,
    *,
    totals: np.ndarray,
    lines: gpd.GeoSeries | None = None,
    area: shapely.Geometry | None = None,
) -> np.ndarray:
    """Cells that are observations of the analysis.

    Parameters
    ----------
    grid : SquareGrid
    study_area : {"network", "reports", "extent"}
        "network": cells a street segment passes through, plus cells with any report (a
        place where nobody walks cannot be a cold spot); "reports": cells with at least one
        report in the period, as ArcGIS's space-time cube of aggregated points; "extent":
        every cell of the grid.
    totals : numpy.ndarray
        (rows, cols) report count (or weight) per cell over the whole period.
    lines : geopandas.GeoSeries, optional
        Street segments (grid CRS), required for "network".
    area : shapely geometry, optional
        Only cells intersecting this polygon (e.g. a district) are analysed.

    Returns
    -------
    numpy.ndarray
        bool (rows, cols).
    """
    if study_area not in STUDY_AREAS:
        raise ValueError(f"study_area must be one of {', '.join(STUDY_AREAS)}, got {study_area!r}")
    reported = np.asarray(totals) > 0
    if reported.shape != (grid.rows, grid.cols):
        raise ValueError(f"totals must have shape {(grid.rows, grid.cols)}, got {reported.shape}")
    cells = grid_to_geodataframe(grid).geometry.to_numpy()
    if study_area == "extent":
        mask = np.ones_like(reported)
    elif study_area == "reports":
        mask = reported
    else:
        if lines is None:
            raise ValueError("lines are required for study_area 'network'")
        mask = _touched(cells, np.asarray(lines.geometry.to_numpy()), grid) | reported
    if area is not None:
        mask = mask & _touched(cells, np.array([area]), grid)
    return mask


def _touched(cells: np.ndarray, shapes: np.ndarray, grid: SquareGrid) -> np.ndarray:
    """(rows, cols) True where a cell intersects one of `shapes`."""
    # Each shape queries a tree of the cells: a detailed boundary is then tested once per
    # candidate cell (seconds faster than testing every cell against the boundary).
    hit = np.unique(shapely.STRtree(cells).query(shapes, predicate="intersects")[1])
    mask = np.zeros(grid.n_cells, bool)
    mask[hit] = True
    return mask.reshape(grid.rows, grid.cols)
